"""Reviews, both ways, once an order is completed: the buyer rates the
seller's work, the seller rates the buyer. Part of the order they are about:
they are written under the order's lock, and a published buyer's review
moves the seller's rating.

A review stays hidden from the other party until both have reviewed or the
review window ends, so neither writes with the other's verdict in view."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

STARS_MIN = 1
STARS_MAX = 5
REVIEW_TEXT_MAX = 2000
REPLY_TEXT_MAX = 1000


class ReviewRole(models.TextChoices):
    """Who wrote the review: the buyer reviews the seller, and back."""

    BUYER = "buyer", "Buyer's review of the seller"
    SELLER = "seller", "Seller's review of the buyer"


def review_window_ends_at(order):
    """When the order's review window closes: REVIEW_WINDOW_DAYS after it
    completed. None for an order that is not completed."""
    if order.completed_at is None:
        return None
    return order.completed_at + timedelta(days=settings.REVIEW_WINDOW_DAYS)


def _stars_between(field):
    return Q(**{f"{field}__gte": STARS_MIN, f"{field}__lte": STARS_MAX})


class Review(models.Model):
    """One party's review of the other on a completed order, one per role.

    The buyer's review carries the detail (communication, as described,
    would recommend) and may get one public reply from the seller.
    """

    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE, related_name="reviews")
    role = models.CharField(max_length=6, choices=ReviewRole.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The person reviewed: the seller for a buyer's review. The seller's
    # published reviews are read through it, newest first.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    stars = models.PositiveSmallIntegerField(help_text="Overall, 1 to 5.")
    communication = models.PositiveSmallIntegerField(null=True, blank=True)
    as_described = models.PositiveSmallIntegerField(null=True, blank=True)
    would_recommend = models.BooleanField(null=True, blank=True)
    text = models.TextField(max_length=REVIEW_TEXT_MAX)
    created_at = models.DateTimeField(editable=False)
    # Copied from the order when the review is written: the scan that
    # publishes what the window's end reveals reads this column alone.
    window_ends_at = models.DateTimeField(editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply = models.TextField(max_length=REPLY_TEXT_MAX, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "role"], name="review_once_per_role"),
            models.CheckConstraint(condition=_stars_between("stars"), name="review_stars_1_to_5"),
            # The buyer's review has every detail; the seller's has none.
            models.CheckConstraint(
                condition=(
                    Q(role=ReviewRole.BUYER)
                    & _stars_between("communication")
                    & _stars_between("as_described")
                    & Q(would_recommend__isnull=False)
                )
                | Q(
                    role=ReviewRole.SELLER,
                    communication__isnull=True,
                    as_described__isnull=True,
                    would_recommend__isnull=True,
                ),
                name="review_details_by_role",
            ),
            # Only a published buyer's review is answered.
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True)
                | Q(role=ReviewRole.BUYER, published_at__isnull=False),
                name="review_reply_on_published_buyer_review",
            ),
        ]
        indexes = [
            # A seller's published reviews, newest first (profile, Job page,
            # the Numbers page's rating and its trend).
            models.Index(
                fields=["subject", "-published_at", "-id"],
                condition=Q(role="buyer", published_at__isnull=False),
                name="review_seller_published",
            ),
            # The scan: reviews still hidden, by when their window ends.
            models.Index(
                fields=["window_ends_at"],
                condition=Q(published_at__isnull=True),
                name="review_scan_window",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} on {self.order}"

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def by_buyer(self):
        return self.role == ReviewRole.BUYER
