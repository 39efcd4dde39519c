"""Support hears of each new ticket and each user's reply by e-mail at
SUPPORT_EMAIL: written as due with the message, sent after commit, claimed
before sending so it goes once, and swept up when the broker was down."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from resolution import support_email as sender
from resolution import tasks, tickets
from resolution.models import TicketMessage
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

SUPPORT_ADDRESS = "help-desk@example.com"
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def support_email(settings):
    settings.SUPPORT_EMAIL = SUPPORT_ADDRESS
    return settings


def _create(user=None, **kwargs):
    return tickets.ticket_create(
        user=user or UserFactory(first_name="Ann", last_name="Lee"),
        subject=kwargs.pop("subject", "Refund"),
        body=kwargs.pop("body", "Where is my money?"),
        **kwargs,
    )


def test_a_new_ticket_and_each_user_reply_are_emailed_once(
    support_email, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _create(order.buyer, order=order)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_reply(
            ticket=ticket, author=UserFactory(is_staff=True), body="Looking into it."
        )
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_reply(ticket=ticket, author=order.buyer, body="Any news?")

    to_support = [m for m in mail.outbox if m.to == [SUPPORT_ADDRESS]]
    assert [m.subject for m in to_support] == [
        "New support ticket: Refund",
        "Reply on support ticket: Refund",
    ]
    first = to_support[0].body
    assert "Where is my money?" in first
    assert f"about order #{order.number}" in first
    assert f"/admin/resolution/supportticket/{ticket.pk}/change/" in first
    assert "Any news?" in to_support[1].body
    user_messages = ticket.messages.filter(from_staff=False)
    assert all(m.support_emailed_at is not None for m in user_messages)
    assert not ticket.messages.filter(from_staff=True, support_email_due=True).exists()
    # Run again (a redelivered task, the sweep): nothing more goes out.
    for message in user_messages:
        assert sender.support_email_send(message.pk) is False
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert tasks.sweep_support_emails.run() == 0
    assert len([m for m in mail.outbox if m.to == [SUPPORT_ADDRESS]]) == 2


def test_without_support_email_nothing_is_due_or_sent(settings, django_capture_on_commit_callbacks):
    settings.SUPPORT_EMAIL = ""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _create()

    assert not ticket.messages.get().support_email_due
    assert mail.outbox == []


def test_a_subject_on_two_lines_makes_a_one_line_email_subject(
    support_email, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _create(subject="Refund\r\nBcc: someone@example.com")

    assert [m.subject for m in mail.outbox] == [
        "New support ticket: Refund Bcc: someone@example.com"
    ]
    assert mail.outbox[0].to == [SUPPORT_ADDRESS] and not mail.outbox[0].bcc


def test_with_the_broker_down_the_ticket_lands_and_the_sweep_sends_later(
    support_email, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(*args):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.email_support, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _create()

    message = ticket.messages.get()
    assert message.support_email_due and message.support_emailed_at is None
    assert mail.outbox == []
    assert "e-mails wait in the outbox for the sweep" in caplog.text

    assert tasks.sweep_support_emails.run() == 0  # the after-commit task gets its minute
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.sweep_support_emails.run() == 1
        assert tasks.sweep_support_emails.run() == 0
    assert [m.to for m in mail.outbox] == [[SUPPORT_ADDRESS]]


def test_a_failed_send_gives_the_claim_back_and_is_sent_once_later(support_email, monkeypatch):
    message = _create().messages.get()

    def server_gone(*args, **kwargs):
        raise SMTPServerDisconnected("gone")

    monkeypatch.setattr(sender, "send_mail", server_gone)
    with pytest.raises(SMTPServerDisconnected):
        sender.support_email_send(message.pk)
    message.refresh_from_db()
    assert (message.support_email_claimed_at, message.support_emailed_at) == (None, None)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.sweep_support_emails.run() == 0  # the server is still down: it stops

    monkeypatch.undo()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert tasks.sweep_support_emails.run() == 1
    assert len(mail.outbox) == 1


def test_a_message_claimed_by_a_dead_worker_is_sent_once_after_the_lease(support_email):
    support_email.EMAIL_CLAIM_MINUTES = 10
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message = _create().messages.get()
        TicketMessage.objects.filter(pk=message.pk).update(support_email_claimed_at=start)

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert tasks.sweep_support_emails.run() == 0  # the lease still holds
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert tasks.sweep_support_emails.run() == 1
        assert sender.support_email_send(message.pk) is False
    assert len(mail.outbox) == 1


def test_a_bad_support_email_stops_the_start(tmp_path):
    env = os.environ | {"SUPPORT_EMAIL": "not an address", "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SUPPORT_EMAIL must be an e-mail address; got 'not an address'." in result.stderr
