from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TICKET_BODY_MAX = 5000


class TicketStatus(models.TextChoices):
    """Whose turn it is. The labels are support's words (the admin);
    ``USER_WORDS`` says the same to the user."""

    OPEN = "open", "Waiting for staff"
    WAITING_FOR_USER = "waiting_for_user", "Waiting for the user"
    CLOSED = "closed", "Closed"


USER_WORDS = {
    TicketStatus.OPEN: "Waiting for Customer Support",
    TicketStatus.WAITING_FOR_USER: "Customer Support answered: your reply?",
    TicketStatus.CLOSED: "Closed",
}


class SupportTicket(models.Model):
    """'Create a support ticket': a conversation between a user and support.

    A user's message (the first one, or a reply) leaves it open, waiting for
    staff; a staff reply leaves it waiting for the user; staff close it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_tickets"
    )
    order = models.ForeignKey(
        "sales.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=120)
    status = models.CharField(
        max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the newest message was written: for an open ticket, since when it
    # has been waiting for staff.
    last_message_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-last_message_at"], name="ticket_user_activity"),
            # Support's queue in the admin: one status, oldest waiting first.
            models.Index(fields=["status", "last_message_at"], name="ticket_status_waiting"),
        ]

    def __str__(self):
        return self.subject

    @property
    def status_for_user(self):
        return USER_WORDS[self.status]


class TicketMessage(models.Model):
    """One message of a ticket's conversation: the user's or support's."""

    ticket = models.ForeignKey(SupportTicket, on_delete=models.CASCADE, related_name="messages")
    # RESTRICT: deleting a user deletes their tickets with every message in
    # them, but not a staff member whose replies sit in others' tickets.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    # Written as Customer Support (in the admin), not as the ticket's user.
    from_staff = models.BooleanField(default=False)
    body = models.TextField(max_length=TICKET_BODY_MAX)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The e-mail to SUPPORT_EMAIL about a user's message, an outbox like the
    # notices': due when written, claimed by one sender with a lease (so a
    # retried task never sends twice), sent, then stamped.
    support_email_due = models.BooleanField(default=False, editable=False)
    support_email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    support_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(support_email_due=True, support_emailed_at__isnull=True),
                name="ticket_message_support_unsent",
            ),
        ]

    def __str__(self):
        return f"{'Support' if self.from_staff else 'User'} on ticket {self.ticket_id}"
