"""One e-mail per notice, also when the database fails right after the mail
server took it; and a Message-ID that stays the same for every copy."""

import pickle
from contextlib import suppress
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone

from messaging import notifications, tasks
from messaging.models import Notification
from messaging.tasks import send_notification_email, sweep_unsent_notifications
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory


@pytest.fixture
def no_pauses(monkeypatch):
    pauses = []
    monkeypatch.setattr(notifications, "_sleep", pauses.append, raising=False)
    return pauses


def _database_blip(sent, failures, tries=None):
    """Fail the next ``failures`` writes of ``emailed_at`` once ``sent`` (the
    outbox) holds an e-mail, the way a restarting database does. Each failed
    write is appended to ``tries``."""
    left = [failures]
    tries = [] if tries is None else tries

    def blip(execute, sql, params, many, context):
        if sent and left[0] and sql.startswith("UPDATE") and '"emailed_at"' in sql:
            left[0] -= 1
            tries.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return blip


def _sweep_after_the_lease(settings):
    later = timezone.now() + timedelta(minutes=settings.EMAIL_CLAIM_MINUTES + 5)
    with time_machine.travel(later, tick=False):
        sweep_unsent_notifications()
        sweep_unsent_notifications()


@pytest.mark.parametrize(
    "failures",
    [1, 10],  # 10: more than the tries one run makes, so the task retries the mark
    ids=["a blip", "longer than the task's own tries"],
)
@pytest.mark.django_db(transaction=True)
def test_a_database_error_after_the_mail_server_took_it_sends_one_email(
    mailoutbox, settings, no_pauses, failures
):
    order = OrderFactory(state=State.ACTIVE)

    with connection.execute_wrapper(_database_blip(mailoutbox, failures)):
        message_send(order=order, sender=order.buyer, body="Are you on it?")

    _sweep_after_the_lease(settings)  # nothing left for the sweep to send again
    assert [m.to for m in mailoutbox] == [[order.seller.email]]
    assert Notification.objects.get(order=order, kind="message").emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_database_error_during_the_sweep_sends_one_email(mailoutbox, settings, no_pauses):
    order = OrderFactory(state=State.ACTIVE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        Notification.objects.create(
            recipient=order.seller, kind="message", key="k", order=order, text="News"
        )
    with (
        time_machine.travel(start + timedelta(minutes=2), tick=False),
        connection.execute_wrapper(_database_blip(mailoutbox, 1)),
    ):
        sweep_unsent_notifications()

    _sweep_after_the_lease(settings)
    assert len(mailoutbox) == 1
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_every_copy_of_a_notice_carries_the_same_message_id(mailoutbox, settings):
    settings.SITE_URL = "https://market.example.com"
    order = OrderFactory(state=State.ACTIVE)
    notice, other = (
        Notification.objects.create(recipient=order.seller, kind="message", key=k, order=order)
        for k in ("a", "b")
    )
    notifications.email_notification(notice.pk)
    # Sent again (a worker died before the mark): same notice, same id.
    Notification.objects.filter(pk=notice.pk).update(emailed_at=None, email_claimed_at=None)
    notifications.email_notification(notice.pk)
    notifications.email_notification(other.pk)

    ids = [m.message()["Message-ID"] for m in mailoutbox]
    assert ids[0] == ids[1]
    assert ids[0].startswith(f"<notice-{notice.pk}.") and ids[0].endswith("@market.example.com>")
    assert ids[2] != ids[0]  # another notice, another id


@pytest.mark.django_db(transaction=True)
def test_the_mark_is_retried_only_while_the_claim_lasts(mailoutbox, settings, no_pauses):
    order = OrderFactory(state=State.ACTIVE)
    notice = Notification.objects.create(
        recipient=order.seller,
        kind="message",
        key="k",
        order=order,
        email_claimed_at=timezone.now(),
    )
    sent_at = timezone.now() - timedelta(minutes=settings.EMAIL_CLAIM_MINUTES, seconds=1)

    tries = []
    with connection.execute_wrapper(_database_blip(["sent"], failures=1000, tries=tries)):
        result = send_notification_email.apply(
            kwargs={"notification_id": notice.pk, "sent_at": sent_at.isoformat()}
        )

    assert result.successful()
    assert len(tries) == len(notifications.MARK_RETRY_DELAYS) + 1  # one run's tries, no more
    assert mailoutbox == []  # and a mark-only run never sends


@pytest.mark.django_db(transaction=True)
def test_the_mark_is_retried_after_the_send_used_up_its_retries(mailoutbox, settings, no_pauses):
    # The send's own retries (max_retries=8) are spent: the mark still gets
    # the claim's tries, not an at-once failure that leaves the notice unmarked.
    order = OrderFactory(state=State.ACTIVE)
    notice = Notification.objects.create(
        recipient=order.seller, kind="message", key="k", order=order
    )
    now = timezone.now().isoformat()

    tries = []
    with connection.execute_wrapper(_database_blip(["sent"], failures=1000, tries=tries)):
        result = send_notification_email.apply(
            kwargs={"notification_id": notice.pk, "sent_at": now, "claimed_at": now},
            retries=8,
        )

    assert result.successful()
    runs = tasks._mark_tries_max() + 1
    assert len(tries) == runs * (len(notifications.MARK_RETRY_DELAYS) + 1)
    assert mailoutbox == []


def test_a_sent_but_unmarked_error_survives_pickling():
    # Celery pickles a task's error; the retry needs what it carries.
    now = timezone.now()
    error = pickle.loads(pickle.dumps(notifications.SentNotMarked(7, now, now)))
    assert (error.pk, error.sent_at, error.claimed_at) == (7, now, now)
    assert "notification 7" in str(error)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_after_the_send_is_reopened_for_the_mark(
    mailoutbox, settings, no_pauses, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    order = OrderFactory(state=State.ACTIVE)
    send = EmailBackend.send_messages

    def send_then_lose_the_database(backend, messages):
        sent = send(backend, messages)
        # The server ends this very session, as a restart or fail-over does.
        with suppress(OperationalError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return sent

    monkeypatch.setattr(EmailBackend, "send_messages", send_then_lose_the_database)
    message_send(order=order, sender=order.buyer, body="Are you on it?")
    monkeypatch.setattr(EmailBackend, "send_messages", send)

    _sweep_after_the_lease(settings)
    assert [m.to for m in mailoutbox] == [[order.seller.email]]
    assert Notification.objects.get(order=order, kind="message").emailed_at is not None
