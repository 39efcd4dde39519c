"""Tickets under real concurrency (PostgreSQL, threads): the reply locks the
ticket row, so a close or another reply at the same instant waits for it."""

import pytest

from resolution import tickets
from resolution.models import TicketStatus
from testing.factories import UserFactory
from testing.racing import race, slowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_reply(monkeypatch):
    # Pause between "the ticket is not closed" and writing the new status.
    slowed(monkeypatch, tickets, "_ticket_message_add")


def test_a_staff_reply_and_a_close_at_once_leave_the_ticket_closed(slow_reply):
    staff = UserFactory(is_staff=True)
    ticket = tickets.ticket_create(user=UserFactory(), subject="Refund", body="Where?")

    (reply, _), (close, _) = race(
        lambda: tickets.ticket_reply(ticket=ticket, author=staff, body="On its way."),
        lambda: tickets.ticket_close(ticket=ticket, staff=staff),
    )

    ticket.refresh_from_db()
    assert close == "ok"
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    assert ticket.messages.filter(from_staff=True).count() == (1 if reply == "ok" else 0)


def test_a_user_and_a_staff_reply_at_once_are_both_kept_and_the_later_one_sets_the_status(
    slow_reply,
):
    user, staff = UserFactory(), UserFactory(is_staff=True)
    ticket = tickets.ticket_create(user=user, subject="Refund", body="Where?")

    outcomes = race(
        lambda: tickets.ticket_reply(ticket=ticket, author=user, body="Any news?"),
        lambda: tickets.ticket_reply(ticket=ticket, author=staff, body="On its way."),
    )

    assert [status for status, _ in outcomes] == ["ok", "ok"]
    ticket.refresh_from_db()
    messages = list(ticket.messages.all())
    assert len(messages) == 3
    last = messages[-1]
    assert ticket.last_message_at == last.created_at
    assert ticket.status == (
        TicketStatus.WAITING_FOR_USER if last.from_staff else TicketStatus.OPEN
    )
