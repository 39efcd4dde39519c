"""Periodic work on orders. Tasks take nothing, re-read the database in
batches, and act through services that claim each row, so running a task
twice, or two workers running it at once, acts on each order once."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import review_selectors, review_services, selectors, services
from .models import Order

logger = logging.getLogger(__name__)


def run_scan(find, act):
    """Find candidate ids in batches and act on each; stop when a batch is
    short or brought no progress (every row claimed elsewhere meanwhile)."""
    done = 0
    while True:
        now = timezone.now()
        ids = find(now=now, limit=settings.SCAN_BATCH_SIZE)
        progress = sum(1 for pk in ids if act(pk, now))
        done += progress
        if len(ids) < settings.SCAN_BATCH_SIZE or progress == 0:
            return done


def _notice_scan(notice):
    return run_scan(
        lambda now, limit: selectors.orders_owing_notice(notice, now=now, limit=limit),
        lambda pk, now: services.order_send_deadline_notice(order_id=pk, notice=notice, now=now),
    )


@shared_task
def flag_due_soon():
    """Tell sellers about orders due within DUE_SOON_HOURS."""
    return _notice_scan("due_soon")


@shared_task
def flag_late():
    """Tell both sides when an order passes its due date."""
    return _notice_scan("late")


@shared_task
def flag_very_late():
    """Tell both sides when an order is VERY_LATE_HOURS past due: the buyer that
    they may cancel alone, the seller what that cancellation would count for."""
    return _notice_scan("very_late")


@shared_task
def remind_requirements():
    """Remind buyers who have not submitted the requirements, at each of
    REQUIREMENTS_REMINDERS_HOURS after ordering."""
    return run_scan(
        selectors.orders_owing_requirements_reminder,
        lambda pk, now: services.order_send_requirements_reminder(order_id=pk, now=now),
    )


def _auto_complete(pk, now):
    try:
        # The service locks and re-reads the row; the id is all it needs.
        services.order_auto_complete(order=Order(pk=pk), now=now)
    except services.OrderActionError:
        return False  # the buyer answered meanwhile, or another worker got there first
    return True


@shared_task
def auto_complete_deliveries():
    """Complete deliveries nobody reviewed within ORDER_REVIEW_DAYS."""
    return run_scan(selectors.deliveries_past_review, _auto_complete)


@shared_task
def publish_reviews():
    """Publish the reviews whose window (REVIEW_WINDOW_DAYS after completion)
    ended, even if the other side never wrote one."""
    return run_scan(
        review_selectors.reviews_past_window,
        lambda pk, now: review_services.reviews_publish_due(order_id=pk, now=now),
    )
