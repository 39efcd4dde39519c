"""Support tickets: conversations between a user and support, and the
e-mail that tells support a user wrote."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from marketplace import outages
from messaging.models import NotificationKind
from messaging.outbox import notify
from sales.models import Order

from .models import TICKET_BODY_MAX, SupportTicket, TicketMessage, TicketStatus
from .tasks import email_support


class TicketError(Exception):
    """A refusal, worded for the person who asked."""


def _ticket_text(text, *, empty, limit=TICKET_BODY_MAX):
    text = (text or "").strip()
    if not text:
        raise TicketError(empty)
    if len(text) > limit:
        raise TicketError(f"Keep it to {limit} characters (it has {len(text)}).")
    return text


def _ticket_message_add(*, ticket, author, from_staff, body, now) -> TicketMessage:
    """Append a message. A user's message is e-mailed to SUPPORT_EMAIL after
    commit; the row is the outbox, so a broker outage delays it, never
    loses it (``support_emails_unsent``)."""
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=author,
        from_staff=from_staff,
        body=body,
        created_at=now,
        support_email_due=not from_staff and bool(settings.SUPPORT_EMAIL),
    )
    if message.support_email_due:
        transaction.on_commit(lambda: _support_email_enqueue(message.pk))
    return message


def ticket_create(*, user, subject: str, body: str, order: Order | None = None) -> SupportTicket:
    """Open a ticket, optionally about one of the user's own orders; the body
    is its first message. It waits for staff, and support is e-mailed."""
    if order is not None and order.role_of(user) is None:
        raise TicketError("You can only link one of your own orders.")
    subject = _ticket_text(
        subject,
        empty="Give your ticket a subject.",
        limit=SupportTicket._meta.get_field("subject").max_length,
    )
    body = _ticket_text(body, empty="Tell us what happened.")
    with transaction.atomic():
        now = timezone.now()
        ticket = SupportTicket.objects.create(
            user=user, subject=subject, order=order, created_at=now, last_message_at=now
        )
        _ticket_message_add(ticket=ticket, author=user, from_staff=False, body=body, now=now)
    return ticket


def ticket_reply(*, ticket: SupportTicket, author, body: str) -> TicketMessage:
    """Add a message to a ticket's conversation and pass the turn.

    The ticket's user replying reopens it (open, waiting for staff; support
    is e-mailed), also when closed. Staff replying (the admin checks their
    permission first) leaves it waiting for the user, who gets one notice per
    reply. Locks the ticket row: two replies at once are both kept, in order,
    and the status follows the later one. Raises ``TicketError`` for an
    empty or too long body, an author who is neither the ticket's user nor
    staff, and a staff reply on a closed ticket."""
    body = _ticket_text(body, empty="Write your reply.")
    with transaction.atomic():
        ticket = SupportTicket.objects.select_for_update().get(pk=ticket.pk)
        if author.pk == ticket.user_id:
            from_staff = False
        elif author.is_staff:
            from_staff = True
        else:
            raise TicketError("You can only reply to your own tickets.")
        if from_staff and ticket.status == TicketStatus.CLOSED:
            raise TicketError("This ticket is closed; it can't be answered any more.")
        now = timezone.now()
        message = _ticket_message_add(
            ticket=ticket, author=author, from_staff=from_staff, body=body, now=now
        )
        ticket.status = TicketStatus.WAITING_FOR_USER if from_staff else TicketStatus.OPEN
        ticket.last_message_at = now
        ticket.closed_at = None
        ticket.save(update_fields=["status", "last_message_at", "closed_at"])
        if from_staff:
            notify(
                recipients=[ticket.user],
                kind=NotificationKind.TICKET_ANSWERED,
                key=f"ticket:{ticket.pk}:msg:{message.pk}",
                order=ticket.order,
                url=reverse("resolution:ticket_detail", args=[ticket.pk]),
                text=f"Customer Support answered your ticket “{ticket.subject}”.",
            )
    return message


def ticket_close(*, ticket: SupportTicket, staff) -> SupportTicket:
    """Staff close a ticket (a user's reply opens it again)."""
    SupportTicket.objects.filter(pk=ticket.pk).exclude(status=TicketStatus.CLOSED).update(
        status=TicketStatus.CLOSED, closed_at=timezone.now()
    )
    ticket.refresh_from_db()
    return ticket


def _support_email_enqueue(pk):
    """After commit. A broker that is down or hangs must not break the
    user's request: one bounded try, then the broker back-off
    (marketplace.outages) starts; the row stays due and the sweep sends it."""
    if outages.broker.skip():
        return
    try:
        email_support.delay(pk)
    except Exception as error:
        outages.broker.failed(error)
    else:
        outages.broker.ok()
