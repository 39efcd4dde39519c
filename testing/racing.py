"""Helpers for the race tests: real threads, real connections (PostgreSQL)."""

import threading
import time

from django.db import connection

from resolution.tickets import TicketError
from sales.services import OrderActionError

# What a service says when it refuses (RequestError is an OrderActionError).
REFUSALS = (OrderActionError, TicketError)


def race(*calls):
    """Start the calls in threads at the same instant. Each outcome is
    ("ok", what it returned) or ("refused", the refusal's words)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = ("ok", call())
        except REFUSALS as error:
            outcomes[i] = ("refused", str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def race_outcomes(*calls):
    """``race`` told short: "ok" for a call that went through, the refusal's
    words for one that was refused."""
    return [value if status == "refused" else "ok" for status, value in race(*calls)]


def twice_at_once(task):
    """Run a periodic task's body in two threads at the same instant, as two
    beat ticks or two workers would; return what each run returned."""
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(task.run())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def slowed(monkeypatch, module, name, seconds=0.3):
    """Make module.name pause after it runs: it widens the window between
    reading and writing, so a missing lock would let both threads through."""
    real = getattr(module, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, slow)
