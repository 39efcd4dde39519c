"""The Resolution Center's requests, part of the order they are about: an
extension moves the order's due date, a cancellation cancels it, and both
take the order's lock. Their tables keep the names they were created with
(``resolution_…``), from when they lived in the resolution app."""

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
        db_table = "resolution_extensionrequest"
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
        db_table = "resolution_cancellationrequest"
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
