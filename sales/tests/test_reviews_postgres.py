"""Reviews under real concurrency on PostgreSQL: two threads, two connections.

Publications of two orders of one seller at the same instant both count in
the seller's rating; two scans, or a review racing the scan, publish once.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from sales import review_services
from sales.models import State
from sales.review_selectors import reviews_past_window, seller_rating_breakdown, seller_reviews
from sales.reviews import Review
from sales.tasks import publish_reviews
from testing.db import explain
from testing.factories import JobFactory, OrderFactory
from testing.racing import race_outcomes, slowed, twice_at_once
from testing.reviews import review_as_buyer, review_as_seller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_publications_for_one_seller_at_once_both_count(monkeypatch):
    job = JobFactory()
    now = timezone.now()
    orders = [OrderFactory(job=job, state=State.COMPLETED, completed_at=now) for _ in range(2)]
    review_as_buyer(orders[0], stars=5)
    review_as_buyer(orders[1], stars=2)
    # Each publication pauses between counting and averaging: without the
    # seller's row lock the second would read a stale sum.
    slowed(monkeypatch, review_services, "seller_rating_add")

    outcomes = race_outcomes(
        lambda: review_as_seller(orders[0]), lambda: review_as_seller(orders[1])
    )

    assert outcomes == ["ok", "ok"]
    job.seller.refresh_from_db()
    assert (job.seller.rating_count, job.seller.rating_total) == (2, 7)
    assert sum(job.seller.rating_breakdown.values()) == 2
    assert job.seller.rating_avg == Decimal("3.50")


def test_two_scans_at_once_publish_and_notify_once():
    order = OrderFactory(state=State.COMPLETED, completed_at=timezone.now())
    review = review_as_buyer(order, stars=4)
    with time_machine.travel(review.window_ends_at + timedelta(seconds=1), tick=True):
        results = twice_at_once(publish_reviews)
    assert sorted(results) == [0, 1]
    order.seller.refresh_from_db()
    assert order.seller.rating_count == 1
    assert Notification.objects.filter(kind=NotificationKind.REVIEWS_PUBLISHED).count() == 2


def test_both_sides_reviewing_at_once_publish_once(monkeypatch):
    # Each passes its checks, then waits: without the order's lock neither
    # would see the other's review, and neither would publish.
    slowed(monkeypatch, review_services, "review_check_allowed")
    order = OrderFactory(state=State.COMPLETED, completed_at=timezone.now())
    outcomes = race_outcomes(
        lambda: review_as_buyer(order, stars=3), lambda: review_as_seller(order)
    )
    assert outcomes == ["ok", "ok"]
    assert Review.objects.filter(order=order, published_at__isnull=False).count() == 2
    order.seller.refresh_from_db()
    assert order.seller.rating_count == 1


def _plan(call):
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [explain(q["sql"], seqscan=False) for q in ctx.captured_queries]


def test_the_publishing_scan_reads_its_partial_index():
    [plan] = _plan(lambda: reviews_past_window(now=timezone.now(), limit=10))
    assert "review_scan_window" in plan


def test_a_sellers_published_reviews_read_their_index():
    order = OrderFactory(state=State.COMPLETED, completed_at=timezone.now())
    review_as_buyer(order, stars=4)
    review_as_seller(order)
    order.seller.refresh_from_db()
    # The count and the breakdown are the seller's row's: only the page is read.
    [rows] = _plan(lambda: list(seller_reviews(order.seller)))
    assert "review_seller_published" in rows
    assert _plan(lambda: seller_rating_breakdown(order.seller)) == []
    count, rows = _plan(lambda: list(seller_reviews(order.seller, job=order.job)))
    assert "review_seller_published" in rows
