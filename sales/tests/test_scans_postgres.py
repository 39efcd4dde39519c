"""Scans on PostgreSQL: two at once act on each order once, and each scan's
candidate query is served by its partial index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Notification
from messaging.notifications import unsent_notification_ids
from resolution.selectors import cancellation_requests_unanswered, extension_requests_unanswered
from sales import selectors
from sales.models import EventKind, OrderEvent, State
from sales.tasks import auto_complete_deliveries, flag_late
from testing.db import explain
from testing.factories import OrderFactory
from testing.racing import twice_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_late_scans_at_once_notify_each_order_once(settings):
    settings.SCAN_BATCH_SIZE = 5  # several batches, so the two scans interleave
    orders = OrderFactory.create_batch(
        30, state=State.ACTIVE, due_at=timezone.now() - timedelta(minutes=5)
    )

    results = twice_at_once(flag_late)

    assert sum(results) == 30
    for order in orders:
        assert Notification.objects.filter(order=order, kind="late").count() == 2  # buyer, seller


def test_two_auto_complete_scans_at_once_complete_each_order_once(settings):
    settings.SCAN_BATCH_SIZE = 5
    orders = OrderFactory.create_batch(
        30, state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=4)
    )

    results = twice_at_once(auto_complete_deliveries)

    assert sum(results) == 30
    for order in orders:
        assert OrderEvent.objects.filter(order=order, kind=EventKind.AUTO_COMPLETED).count() == 1
        order.refresh_from_db()
        assert order.state == State.COMPLETED


SCANS = {
    "due_soon": (
        lambda now: selectors.orders_owing_notice("due_soon", now=now, limit=10),
        "order_scan_due_soon",
    ),
    "late": (
        lambda now: selectors.orders_owing_notice("late", now=now, limit=10),
        "order_scan_late",
    ),
    "very_late": (
        lambda now: selectors.orders_owing_notice("very_late", now=now, limit=10),
        "order_scan_very_late",
    ),
    "requirements": (
        lambda now: selectors.orders_owing_requirements_reminder(now=now, limit=10),
        "order_scan_requirements",
    ),
    "review": (
        lambda now: selectors.deliveries_past_review(now=now, limit=10),
        "order_scan_review",
    ),
    "extension": (
        lambda now: extension_requests_unanswered(now=now, limit=10),
        "extension_open_created",
    ),
    "cancellation": (
        lambda now: cancellation_requests_unanswered(now=now, limit=10),
        "cancellation_open_created",
    ),
    "email": (lambda now: unsent_notification_ids(now=now, limit=10), "notification_unsent"),
}


@pytest.mark.parametrize("name", list(SCANS))
def test_each_scan_query_uses_its_partial_index(name):
    find, index = SCANS[name]
    with CaptureQueriesContext(connection) as ctx:
        find(timezone.now())
    [query] = ctx.captured_queries
    assert index in explain(query["sql"], seqscan=False)
