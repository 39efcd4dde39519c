"""`make soak`: a bounded load run on loopback, watching errors and memory.

    python -m bench.soak --minutes 5

Loads a modest database (SOAK_DATABASE_URL, recreated), starts gunicorn with
2 workers, and drives the Sales page, an order page and message posting at
once with `hey` for the given minutes, sampling the workers' memory every
15 seconds. It fails (exit 1) on any error response or on memory that keeps
growing through the run, and prints a summary for docs/reliability.md.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.run import (
    PORT,
    _hey,
    _recreate_database,
    _session_cookie,
    _setup_django,
    _start_gunicorn,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/marketplace_soak"


def _rss_mb(pid):
    """Resident memory of a process and its children (the gunicorn workers), MB."""
    total = 0
    pids = [pid] + [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
    ]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args(argv)
    url = os.environ.get("SOAK_DATABASE_URL", DEFAULT_URL)
    _recreate_database(url)
    _setup_django(url)
    from django.core.management import call_command

    from accounts.models import User
    from bench.load import load, vacuum_analyze
    from sales.models import Order

    call_command("migrate", verbosity=0)
    ids = load(args.orders, big=args.orders // 2)
    vacuum_analyze()
    seller = User.objects.get(pk=ids["big_seller"])
    buyer = User.objects.get(pk=ids["thread_buyer"])
    order = Order.objects.get(number=ids["thread_order"])
    token = "soakcsrftoken0123456789abcdefghi"[:32]
    seconds = int(args.minutes * 60)
    base = f"http://127.0.0.1:{PORT}"
    runs = [
        ("Sales page", f"{base}/sales/?tab=completed", _session_cookie(seller), None),
        ("Order page", f"{base}/orders/{order.number}/", _session_cookie(buyer), None),
        (
            "Post a message",
            f"{base}/orders/{order.number}/messages/",
            f"{_session_cookie(buyer)}; csrftoken={token}",
            (f"body=Soak+message&csrfmiddlewaretoken={token}", token),
        ),
    ]
    messages_before = order.messages.count()
    proc = _start_gunicorn(url)
    samples, results = [], {}
    try:

        def drive(label, target, cookie, post):
            # A steady, modest rate: the point is time, not peak throughput.
            results[label] = _hey(
                target,
                cookie,
                duration=seconds,
                concurrency=2,
                rate=20 if post is None else 5,
                post=post,
            )

        threads = [threading.Thread(target=drive, args=run) for run in runs]
        for t in threads:
            t.start()
        started = time.monotonic()
        while any(t.is_alive() for t in threads):
            samples.append((round(time.monotonic() - started), _rss_mb(proc.pid)))
            time.sleep(15)
        for t in threads:
            t.join()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)

    posted = order.messages.count() - messages_before
    errors = 0
    print(f"Soak: {args.minutes:g} minutes, {args.orders:,} orders, gunicorn with 2 workers")
    for label, r in results.items():
        bad = {c: n for c, n in r["codes"].items() if c not in ("200", "302")}
        errors += sum(int(n) for n in bad.values())
        total = sum(int(n) for n in r["codes"].values())
        print(
            f"- {label}: {total} requests, {r['rps']:.1f}/s, p50 {r['p50']:.1f} ms, "
            f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, responses {r['codes']}"
        )
    print(f"- messages written: {posted}")
    print(
        "- memory of the gunicorn processes (MB), every 15 s: "
        + ", ".join(f"{mb:.0f}" for _, mb in samples)
    )
    # Steady growth: the last third's average well above the middle third's.
    third = max(1, len(samples) // 3)
    middle = sum(mb for _, mb in samples[third : 2 * third]) / max(
        1, len(samples[third : 2 * third])
    )
    last = sum(mb for _, mb in samples[-third:]) / third
    growing = len(samples) >= 6 and last > middle * 1.10
    print(
        f"- memory: middle third {middle:.0f} MB, last third {last:.0f} MB: "
        f"{'GROWING' if growing else 'steady'}"
    )
    print(f"- errors: {errors}")
    sys.exit(1 if errors or growing else 0)


if __name__ == "__main__":
    main()
