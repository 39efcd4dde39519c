from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

EXTENSION_MIN_DAYS = 1
EXTENSION_MAX_DAYS = 30


class RequestState(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    CLOSED = "closed", "Closed: the order moved on"


def answerer_of(order, requested_by_id):
    """Who must answer a request on ``order``: the party that did not ask."""
    return order.buyer_id if requested_by_id == order.seller_id else order.seller_id


class OrderRequest(FSMModelMixin, models.Model):
    """A question one party asks the other in the Resolution Center.

    One request of each kind may be open per order; the rest is history.
    """

    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The other party, who must answer: filled from the order when the
    # request is made. "Requests waiting on me" then read one index, instead
    # of every open request checked against its order.
    answerer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    state = FSMField(default=RequestState.OPEN, choices=RequestState.choices, protected=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def save(self, *args, **kwargs):
        if self.answerer_id is None:
            self.answerer_id = answerer_of(self.order, self.requested_by_id)
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.state == RequestState.OPEN

    @property
    def expires_at(self):
        from datetime import timedelta

        return self.created_at + timedelta(hours=settings.REQUEST_ANSWER_HOURS)

    def _close(self, *, by, now):
        self.answered_by = by
        self.answered_at = now

    @transition(field=state, source=RequestState.OPEN, target=RequestState.DECLINED)
    def decline(self, *, by, now):
        self._close(by=by, now=now)

    @transition(field=state, source=RequestState.OPEN, target=RequestState.WITHDRAWN)
    def withdraw(self, *, by, now):
        self._close(by=by, now=now)

    @transition(field=state, source=RequestState.OPEN, target=RequestState.EXPIRED)
    def expire(self, *, now):
        self._close(by=None, now=now)

    @transition(field=state, source=RequestState.OPEN, target=RequestState.CLOSED)
    def close(self, *, now):
        """The order moved on (delivered, completed, canceled): moot."""
        self._close(by=None, now=now)


class ExtensionRequest(OrderRequest):
    """The seller asks the buyer for more days on an active order."""

    order = models.ForeignKey(
        "sales.Order", on_delete=models.CASCADE, related_name="extension_requests"
    )
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(EXTENSION_MIN_DAYS), MaxValueValidator(EXTENSION_MAX_DAYS)]
    )
    due_before = models.DateTimeField(null=True, blank=True)
    due_after = models.DateTimeField(null=True, blank=True)

    class Meta(OrderRequest.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="open"), name="one_open_extension_per_order"
            ),
            models.CheckConstraint(
                condition=Q(days__gte=EXTENSION_MIN_DAYS, days__lte=EXTENSION_MAX_DAYS),
                name="extension_days_in_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(state="open"), name="extension_open_created"
            ),
            models.Index(
                fields=["answerer"],
                include=["order"],
                condition=Q(state="open"),
                name="extension_open_answerer",
            ),
        ]

    def __str__(self):
        return f"{self.days} more days on {self.order}"

    @transition(field="state", source=RequestState.OPEN, target=RequestState.APPROVED)
    def approve(self, *, by, now, due_before, due_after):
        self._close(by=by, now=now)
        self.due_before = due_before
        self.due_after = due_after


class CancellationRequest(OrderRequest):
    """Either party asks to cancel by mutual agreement."""

    order = models.ForeignKey(
        "sales.Order", on_delete=models.CASCADE, related_name="cancellation_requests"
    )

    class Meta(OrderRequest.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="open"), name="one_open_cancellation_per_order"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(state="open"), name="cancellation_open_created"
            ),
            models.Index(
                fields=["answerer"],
                include=["order"],
                condition=Q(state="open"),
                name="cancellation_open_answerer",
            ),
        ]

    def __str__(self):
        return f"Cancel {self.order}"

    @transition(field="state", source=RequestState.OPEN, target=RequestState.APPROVED)
    def accept(self, *, by, now):
        self._close(by=by, now=now)


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
