"""Real concurrency on PostgreSQL: the buyer accepts a delivery at the moment
the auto-complete scan completes it. Each side is slowed down between its
checks and its write, so without the row lock both would complete the order:
two events, two "completed" notices for the seller."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from sales import services
from sales.models import EventKind, OrderEvent, State
from sales.tasks import auto_complete_deliveries
from testing.factories import OrderFactory
from testing.racing import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_buyer_accepting_while_auto_complete_runs_completes_once(slow_checks, round_):
    order = OrderFactory(state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=4))

    accepted, scanned = race(
        lambda: services.order_accept(order=order, actor=order.buyer),
        lambda: auto_complete_deliveries.run(),
    )

    order.refresh_from_db()
    assert order.state == State.COMPLETED
    events = list(
        OrderEvent.objects.filter(
            order=order, kind__in=[EventKind.ACCEPTED, EventKind.AUTO_COMPLETED]
        ).values_list("kind", flat=True)
    )
    assert len(events) == 1, events
    seller_notices = Notification.objects.filter(
        order=order, recipient=order.seller, kind=NotificationKind.COMPLETED
    )
    assert seller_notices.count() == 1
    if events == [EventKind.ACCEPTED]:
        # The buyer won; the scan found nothing left to do.
        assert accepted[0] == "ok" and scanned == ("ok", 0)
        assert not Notification.objects.filter(
            order=order, recipient=order.buyer, kind=NotificationKind.COMPLETED
        ).exists()
    else:
        # The scan won; the buyer is told the order is already completed.
        assert scanned == ("ok", 1)
        assert accepted == ("refused", "You can't accept this order: it is already completed.")
        assert "completed automatically" in seller_notices.get().text
