"""Migrations 0003-0004: each one-shot ticket's body and answer become its
first messages, and back again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from testing.db import latest_migrations, migrate
from testing.factories import UserFactory

BEFORE = [("resolution", "0002_request_closed_state")]


@pytest.mark.django_db(transaction=True)
def test_each_tickets_body_and_answer_become_its_messages_and_back():
    user, staff = UserFactory(username="ann"), UserFactory(username="sue", is_staff=True)
    old_apps = migrate(BEFORE)
    OldTicket = old_apps.get_model("resolution", "SupportTicket")
    asked = timezone.now() - timedelta(days=3)
    answered_at = asked + timedelta(hours=5)
    waiting = OldTicket.objects.create(
        user_id=user.pk, subject="Open one", body="Help, please.", status="open", created_at=asked
    )
    answered = OldTicket.objects.create(
        user_id=user.pk,
        subject="Answered one",
        body="How do revisions work?",
        status="answered",
        answer="Put every change in one request.",
        answered_by_id=staff.pk,
        answered_at=answered_at,
        created_at=asked,
    )
    closed = OldTicket.objects.create(
        user_id=user.pk,
        subject="Closed one",
        body="Never mind.",
        status="closed",
        created_at=asked,
        closed_at=answered_at,
    )

    try:
        new_apps = migrate(latest_migrations())
        Ticket = new_apps.get_model("resolution", "SupportTicket")
        Message = new_apps.get_model("resolution", "TicketMessage")

        def conversation(ticket):
            return list(
                Message.objects.filter(ticket_id=ticket.pk)
                .order_by("created_at", "pk")
                .values_list("author_id", "from_staff", "body", "created_at")
            )

        assert conversation(waiting) == [(user.pk, False, "Help, please.", asked)]
        assert conversation(answered) == [
            (user.pk, False, "How do revisions work?", asked),
            (staff.pk, True, "Put every change in one request.", answered_at),
        ]
        assert conversation(closed) == [(user.pk, False, "Never mind.", asked)]
        statuses = dict(Ticket.objects.values_list("pk", "status"))
        assert statuses == {
            waiting.pk: "open",
            answered.pk: "waiting_for_user",
            closed.pk: "closed",
        }
        activity = dict(Ticket.objects.values_list("pk", "last_message_at"))
        assert activity == {waiting.pk: asked, answered.pk: answered_at, closed.pk: asked}
        # Nothing converted is e-mailed to support now.
        assert not Message.objects.filter(support_email_due=True).exists()

        old_apps = migrate(BEFORE)
        OldTicket = old_apps.get_model("resolution", "SupportTicket")
        back = OldTicket.objects.get(pk=answered.pk)
        assert (back.body, back.answer, back.answered_by_id, back.answered_at, back.status) == (
            "How do revisions work?",
            "Put every change in one request.",
            staff.pk,
            answered_at,
            "answered",
        )
    finally:
        migrate(latest_migrations())
