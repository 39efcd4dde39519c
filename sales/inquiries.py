"""Questions before ordering: a buyer writes to the seller from a Job's
page, before any order exists. One conversation per buyer and Job; its
messages are the conversation store's (``messaging.Message`` with the
inquiry set instead of an order), so they are checked, stored, drawn and
served like an order's.

It lives in this app because it joins a Job, two people and the
conversation store, and because the order placed afterwards links it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .parties import TwoParties


class Inquiry(TwoParties, models.Model):
    """A buyer's questions to a seller about one Job, before ordering it."""

    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="inquiries")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The Job's seller, copied so both lists and the waiting count read
    # this table alone.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_message_at = models.DateTimeField(default=timezone.now)
    # Set while the buyer waits for an answer: when the buyer's first
    # unanswered message was sent. The seller's reply clears it.
    waiting_since = models.DateTimeField(null=True, blank=True)
    buyer_read_at = models.DateTimeField(null=True, blank=True)
    seller_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "question before ordering"
        verbose_name_plural = "questions before ordering"
        constraints = [
            models.UniqueConstraint(fields=["job", "buyer"], name="inquiry_once_per_buyer_job")
        ]
        indexes = [
            # The seller's and the buyer's lists, the newest conversation first.
            models.Index(
                fields=["seller", "-last_message_at", "-id"], name="inquiry_seller_recent"
            ),
            models.Index(fields=["buyer", "-last_message_at", "-id"], name="inquiry_buyer_recent"),
            # The Sales page's "questions waiting for your answer": counted
            # from this index alone, a handful of rows per seller.
            models.Index(
                fields=["seller"],
                condition=Q(waiting_since__isnull=False),
                name="inquiry_seller_waiting",
            ),
        ]

    def __str__(self):
        return f"Question about {self.job_id} from {self.buyer_id}"

    def get_absolute_url(self):
        return reverse("sales:question_detail", args=[self.pk])

    @property
    def is_waiting(self):
        return self.waiting_since is not None
