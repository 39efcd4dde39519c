"""Real concurrency on PostgreSQL: two threads, two connections, one row.

Each service is slowed down between its checks and its write, so without
the row lock both threads would pass the checks and both would write.
"""

import pytest

from messaging.models import Notification, NotificationKind
from sales import services
from sales.models import EventKind, OrderEvent, State
from testing.factories import OrderFactory, UserFactory
from testing.racing import race_outcomes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_deliveries_deliver_once(slow_checks):
    order = OrderFactory(state=State.ACTIVE)

    def deliver():
        services.order_deliver(order=order, actor=order.seller, message="Files")

    outcomes = race_outcomes(deliver, deliver)

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
    # One notice, to the buyer (the delivery message itself notifies no one twice).
    assert list(Notification.objects.filter(order=order).values_list("recipient", "kind")) == [
        (order.buyer_id, NotificationKind.DELIVERED)
    ]


def test_deliver_racing_a_support_cancel_has_one_outcome(slow_checks):
    order = OrderFactory(state=State.ACTIVE)
    support = UserFactory(is_staff=True, is_superuser=True)

    outcomes = race_outcomes(
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
