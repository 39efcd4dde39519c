"""The e-mail to SUPPORT_EMAIL about a user's ticket message: sent at most
once, the message row being the outbox."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .models import TicketMessage


def support_email_send(message_id) -> bool:
    """E-mail SUPPORT_EMAIL about one user's message, at most once. Returns
    True if it was sent now.

    Claimed with a conditional update (a lease of EMAIL_CLAIM_MINUTES), sent,
    then stamped, as notices are; a failed send gives the claim back and
    raises, so the caller can retry."""
    address = settings.SUPPORT_EMAIL
    if not address:
        return False
    now = timezone.now()
    lease_over = now - timedelta(minutes=settings.EMAIL_CLAIM_MINUTES)
    claimed = (
        TicketMessage.objects.filter(pk=message_id, support_email_due=True, support_emailed_at=None)
        .filter(Q(support_email_claimed_at=None) | Q(support_email_claimed_at__lt=lease_over))
        .update(support_email_claimed_at=now)
    )
    if not claimed:
        return False
    message = TicketMessage.objects.select_related("ticket", "ticket__order", "author").get(
        pk=message_id
    )
    try:
        _support_email(message, address)
    except Exception:
        TicketMessage.objects.filter(pk=message_id, support_email_claimed_at=now).update(
            support_email_claimed_at=None
        )
        raise
    TicketMessage.objects.filter(pk=message_id).update(support_emailed_at=timezone.now())
    return True


def support_emails_unsent(*, now, limit):
    """User messages whose e-mail to support is still due (older than a
    minute, so the after-commit task gets its chance first), oldest first."""
    lease_over = now - timedelta(minutes=settings.EMAIL_CLAIM_MINUTES)
    return list(
        TicketMessage.objects.filter(
            support_email_due=True,
            support_emailed_at=None,
            created_at__lte=now - timedelta(minutes=1),
        )
        .filter(Q(support_email_claimed_at=None) | Q(support_email_claimed_at__lt=lease_over))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def _support_email(message, address):
    ticket, user = message.ticket, message.author
    first = not ticket.messages.filter(pk__lt=message.pk).exists()
    what = "New support ticket" if first else "Reply on support ticket"
    about = f" about order #{ticket.order.number}" if ticket.order else ""
    site = settings.SITE_URL.rstrip("/")
    body = (
        f"{user.display_name} ({user.username}, {user.email or 'no e-mail'}) wrote{about}:\n\n"
        f"{message.body}\n\n"
        f"Answer it in the admin: "
        f"{site}{reverse('admin:resolution_supportticket_change', args=[ticket.pk])}\n"
        f"Every ticket waiting for staff: "
        f"{site}{reverse('admin:resolution_supportticket_changelist')}\n"
    )
    send_mail(
        # One line: a subject typed with a line break would make send_mail refuse it.
        subject=" ".join(f"{what}: {ticket.subject}".split())[:120],
        message=body,
        from_email=None,
        recipient_list=[address],
    )
