"""E-mail through Celery: a real worker on the real broker, a broker that is
down, and a worker that died holding a notice."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from marketplace import outages
from marketplace.celery import app
from messaging import notifications
from messaging.models import Notification
from messaging.tasks import sweep_unsent_notifications
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory
from testing.processes import use_broker, wait_for


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_once():
    from celery.contrib.testing.worker import start_worker

    order = OrderFactory(state=State.ACTIVE)
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        message_send(order=order, sender=order.buyer, body="Are you on it?")
        notice = Notification.objects.get(order=order, kind="message")
        wait_for(
            lambda: Notification.objects.filter(pk=notice.pk, emailed_at__isnull=False).exists(),
            what="the e-mail to be sent",
        )
    assert [m.to for m in mail.outbox] == [[order.seller.email]]
    assert "Are you on it" not in mail.outbox[0].body  # the notice, not the private message
    assert f"#{order.number}" in mail.outbox[0].subject


@pytest.fixture
def broker_down():
    """Point the app at a closed port, for real: publishing fails."""
    old_url = app.conf.broker_url
    app.conf.task_always_eager = False
    use_broker("redis://127.0.0.1:1/0")
    yield
    use_broker(old_url)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_change_lands_and_the_sweep_sends_later(broker_down, caplog):
    order = OrderFactory(state=State.ACTIVE)

    message = message_send(order=order, sender=order.seller, body="Starting now!")

    assert message.pk and order.messages.count() == 1
    notice = Notification.objects.get(order=order, kind="message")
    assert notice.emailed_at is None
    assert mail.outbox == []
    assert "e-mails wait in the outbox for the sweep" in caplog.text

    app.conf.task_always_eager = True
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert sweep_unsent_notifications.run() == 1
        assert sweep_unsent_notifications.run() == 0
    notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[order.buyer.email]]


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_one_request_tries_it_once_not_per_notice(broker_down, monkeypatch):
    # A vacation request notifies the buyer of every active order: with the
    # broker gone, only the first publish is tried (each can take seconds).
    from messaging.tasks import send_notification_email
    from sales.request_services import extension_request_vacation

    seller = OrderFactory(state=State.ACTIVE).seller
    OrderFactory.create_batch(3, state=State.ACTIVE, job__seller=seller)
    tries = []
    real_delay = send_notification_email.delay

    def counted_delay(*args):
        tries.append(args)
        return real_delay(*args)

    monkeypatch.setattr(send_notification_email, "delay", counted_delay)

    created, skipped = extension_request_vacation(seller=seller, days=3, reason="Away")

    assert len(created) == 4 and skipped == []
    assert len(tries) == 1
    assert Notification.objects.filter(emailed_at=None).count() == 4  # the sweep's work
    # After the back-off the broker is tried again. (The back-off's end is
    # moved, not the clock: a frozen time.monotonic would stop kombu's too.)
    assert outages.broker.skip()
    monkeypatch.setattr(outages.broker, "down_until", time.monotonic() - 1)
    message_send(order=created[0].order, sender=seller, body="Back soon")
    assert len(tries) == 2


@pytest.mark.django_db
def test_a_notice_left_claimed_by_a_dead_worker_is_sent_once_after_the_lease(settings):
    settings.EMAIL_CLAIM_MINUTES = 10
    order = OrderFactory(state=State.ACTIVE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message_send(order=order, sender=order.buyer, body="Hello")
        notice = Notification.objects.get(order=order)
        # The worker claimed it and died before sending.
        Notification.objects.filter(pk=notice.pk).update(email_claimed_at=start)

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert sweep_unsent_notifications.run() == 0  # the lease still holds
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert sweep_unsent_notifications.run() == 1
        assert sweep_unsent_notifications.run() == 0
        assert notifications.email_notification(notice.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1
