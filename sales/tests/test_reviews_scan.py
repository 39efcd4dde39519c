"""The beat task that publishes reviews when their window ends: once, however
often it runs, with one notice per side and the rating counted once."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from sales import review_services
from sales.models import State
from sales.reviews import Review
from sales.tasks import publish_reviews
from testing.factories import OrderFactory
from testing.reviews import review_as_buyer

pytestmark = pytest.mark.django_db


def _completed(**kwargs):
    return OrderFactory(state=State.COMPLETED, completed_at=timezone.now(), **kwargs)


def _published_notices(order):
    return Notification.objects.filter(order=order, kind=NotificationKind.REVIEWS_PUBLISHED)


def test_the_window_end_publishes_a_lone_review_once_however_often_the_task_runs(settings):
    settings.REVIEW_WINDOW_DAYS = 10
    order = _completed()
    review = review_as_buyer(order, stars=3)
    ends = review.window_ends_at

    with time_machine.travel(ends - timedelta(seconds=1), tick=False):
        assert publish_reviews() == 0
    assert Review.objects.get(pk=review.pk).published_at is None

    with time_machine.travel(ends, tick=False):
        assert publish_reviews() == 1
        assert publish_reviews() == 0  # the second run finds nothing left to do
        out = io.StringIO()
        call_command("run_deadlines", stdout=out)
    assert "0  orders' reviews published" in out.getvalue()

    review.refresh_from_db()
    assert review.published_at == ends
    assert sorted(_published_notices(order).values_list("recipient_id", flat=True)) == sorted(
        [order.buyer_id, order.seller_id]
    )
    order.seller.refresh_from_db()
    assert (order.seller.rating_count, order.seller.rating_total) == (1, 3)
    assert order.seller.rating_avg == Decimal("3.00")


def test_a_lone_sellers_review_is_published_without_touching_any_rating():
    order = _completed()
    review = review_services.review_leave(
        order=order, actor=order.seller, stars=2, text="Slow to answer."
    )
    with time_machine.travel(review.window_ends_at + timedelta(minutes=1), tick=False):
        assert publish_reviews() == 1
    assert Review.objects.get(pk=review.pk).published_at is not None
    order.seller.refresh_from_db()
    order.buyer.refresh_from_db()
    assert order.seller.rating_count == 0 and order.buyer.rating_count == 0


def test_reviews_published_by_both_sides_are_left_alone_by_the_scan():
    order = _completed()
    review_as_buyer(order, stars=5)
    review_services.review_leave(order=order, actor=order.seller, stars=5, text="Thanks.")
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert publish_reviews() == 0
    assert _published_notices(order).count() == 2
    order.seller.refresh_from_db()
    assert order.seller.rating_count == 1


def test_orders_nobody_reviewed_are_not_announced():
    order = _completed()
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert publish_reviews() == 0
    assert not _published_notices(order).exists()


def test_the_scan_works_through_batches(settings):
    settings.SCAN_BATCH_SIZE = 2
    orders = [_completed() for _ in range(5)]
    for order in orders:
        review_as_buyer(order, stars=4)
    with time_machine.travel(timezone.now() + timedelta(days=11), tick=False):
        assert publish_reviews() == 5
        assert publish_reviews() == 0
    assert not Review.objects.filter(published_at=None).exists()
    assert Notification.objects.filter(kind=NotificationKind.REVIEWS_PUBLISHED).count() == 10


def test_the_task_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "sales.tasks.publish_reviews" in tasks
