"""Real concurrency on PostgreSQL: two threads, two connections, one row.

Each service is slowed down between its checks and its write, so without
the row lock both threads would pass the checks and both would write.
"""

import threading
import time

import pytest
from django.db import connection

from factories import OrderFactory, UserFactory
from sales import services
from sales.models import EventKind, OrderEvent, State

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_checks(monkeypatch):
    real_check = services._check

    def slow_check(*args, **kwargs):
        real_check(*args, **kwargs)
        time.sleep(0.3)  # widen the window between reading and writing

    monkeypatch.setattr(services, "_check", slow_check)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "ok"
        except services.OrderActionError as error:
            outcomes[i] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_two_concurrent_deliveries_deliver_once(slow_checks):
    order = OrderFactory(state=State.ACTIVE)

    def deliver():
        services.order_deliver(order=order, actor=order.seller, message="Files")

    outcomes = _race(deliver, deliver)

    assert sorted(outcomes, key=str) == sorted(
        [
            "ok",
            "You can't deliver this order: it was already delivered and is waiting for the "
            "buyer's review.",
        ],
        key=str,
    )
    assert OrderEvent.objects.filter(order=order, kind=EventKind.DELIVERED).count() == 1
    assert order.messages.filter(kind="delivery").count() == 1


def test_deliver_racing_a_support_cancel_has_one_outcome(slow_checks):
    order = OrderFactory(state=State.ACTIVE)
    support = UserFactory(is_staff=True, is_superuser=True)

    outcomes = _race(
        lambda: services.order_deliver(order=order, actor=order.seller, message="Files"),
        lambda: services.order_cancel(
            order=order, actor=support, reason="Buyer request", expected_state=State.ACTIVE
        ),
    )

    order.refresh_from_db()
    assert outcomes.count("ok") == 1
    refusal = next(o for o in outcomes if o != "ok")
    if order.state == State.DELIVERED:
        assert refusal.startswith("This order changed in the meantime: it was already delivered")
    else:
        assert order.state == State.CANCELED
        assert refusal == "You can't deliver this order: it was canceled."
    assert OrderEvent.objects.filter(order=order).count() == 1
