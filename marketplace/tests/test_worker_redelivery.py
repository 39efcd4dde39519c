"""A Celery worker killed mid-task: the message is redelivered (acks_late)
and the work is done once (every task claims its rows under a lock or with a
conditional update, inside one transaction).

The real thing, SIGKILL to a worker process, is in test_celery_faults.py.
These pin the contract at exact points instead, with the kill simulated by
an exception nothing catches: the configuration that makes the broker
redeliver, and what a redelivered task does after a worker died (a) before
its transaction committed and (b) after it committed but before the message
was acknowledged.
"""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from marketplace.celery import app
from messaging import notifications, outbox
from messaging.models import Notification, NotificationKind
from messaging.tasks import send_notification_email
from sales import services as sales_services
from sales.models import EventKind, OrderEvent, State
from sales.services import message_send
from sales.tasks import auto_complete_deliveries, flag_late
from testing.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way catches it."""


def test_tasks_are_acknowledged_only_after_they_finish():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    for task in (auto_complete_deliveries, flag_late, send_notification_email):
        assert task.acks_late is True, task.name


def test_auto_complete_killed_before_commit_leaves_nothing_and_the_redelivery_acts_once(
    monkeypatch,
):
    orders = OrderFactory.create_batch(
        3, state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=4)
    )
    real_notify_event = sales_services._notify_event
    calls = []

    def die_on_the_second_order(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilled  # half-way through the second order's transaction
        return real_notify_event(*args, **kwargs)

    monkeypatch.setattr(sales_services, "_notify_event", die_on_the_second_order)
    with pytest.raises(WorkerKilled):
        auto_complete_deliveries.run()

    # The first order committed; the second rolled back whole; the third untouched.
    assert OrderEvent.objects.filter(kind=EventKind.AUTO_COMPLETED).count() == 1
    monkeypatch.setattr(sales_services, "_notify_event", real_notify_event)

    assert auto_complete_deliveries.run() == 2  # the redelivered message
    assert auto_complete_deliveries.run() == 0  # and once more, for good measure
    for order in orders:
        order.refresh_from_db()
        assert order.state == State.COMPLETED
        assert OrderEvent.objects.filter(order=order, kind=EventKind.AUTO_COMPLETED).count() == 1
        assert (
            Notification.objects.filter(
                order=order, recipient=order.seller, kind=NotificationKind.COMPLETED
            ).count()
            == 1
        )


def test_a_late_scan_redelivered_after_it_committed_notifies_once():
    order = OrderFactory(
        state=State.ACTIVE,
        started_at=timezone.now() - timedelta(days=5),
        due_at=timezone.now() - timedelta(hours=2),
    )

    assert flag_late.run() == 1
    # The worker died before acknowledging: the broker hands the task out again.
    assert flag_late.run() == 0

    late = Notification.objects.filter(order=order, kind=NotificationKind.LATE)
    assert late.filter(recipient=order.seller).count() == 1
    assert late.filter(recipient=order.buyer).count() == 1


def test_an_email_task_redelivered_after_it_sent_does_not_send_again(monkeypatch):
    order = OrderFactory(state=State.ACTIVE)
    # Keep the after-commit task from running: the tests below play the worker.
    monkeypatch.setattr(outbox, "enqueue_emails", lambda pks: None)
    message_send(order=order, sender=order.buyer, body="Hello")
    notice = Notification.objects.get(order=order, kind=NotificationKind.MESSAGE)

    assert send_notification_email.run(notice.pk) is True
    assert send_notification_email.run(notice.pk) is False  # redelivered
    assert len(mail.outbox) == 1


def test_an_email_task_killed_after_its_claim_is_sent_once_by_the_redelivery(monkeypatch, settings):
    settings.EMAIL_CLAIM_MINUTES = 10
    order = OrderFactory(state=State.ACTIVE)
    # Keep the after-commit task from running: the tests below play the worker.
    monkeypatch.setattr(outbox, "enqueue_emails", lambda pks: None)
    message_send(order=order, sender=order.seller, body="Started")
    notice = Notification.objects.get(order=order, kind=NotificationKind.MESSAGE)

    def killed(notification):
        raise WorkerKilled

    real_send = notifications._send
    monkeypatch.setattr(notifications, "_send", killed)
    with pytest.raises(WorkerKilled):
        send_notification_email.run(notice.pk)
    monkeypatch.setattr(notifications, "_send", real_send)

    # SIGKILL runs no cleanup: the claim stays until its lease is over.
    notice.refresh_from_db()
    assert notice.emailed_at is None
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert send_notification_email.run(notice.pk) is True
        assert send_notification_email.run(notice.pk) is False
    assert len(mail.outbox) == 1
