"""Every write to a review: leaving one, replying to one, publishing them.

Each locks the order row first (``order_lock``), then reads or writes its
reviews, then the seller's row for the rating: always in that order, so
two publications of the same seller's orders queue on the seller's row
and both count.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from messaging.models import NotificationKind
from messaging.outbox import notify

from .models import Order, State
from .reviews import (
    REPLY_TEXT_MAX,
    REVIEW_TEXT_MAX,
    STARS_MAX,
    STARS_MIN,
    Review,
    ReviewRole,
    review_window_ends_at,
)
from .services import OrderActionError, order_lock


class ReviewError(OrderActionError):
    """A refusal, worded for the person who asked."""


def _role_of(order, actor):
    role = order.role_of(actor) if actor is not None else None
    if role is None:
        raise ReviewError("Only the buyer and the seller of this order can review it.")
    return role


def review_check_allowed(*, order: Order, actor, now=None) -> None:
    """Raise ``ReviewError`` unless the actor may review this order now: its
    buyer or seller, once each, on a completed order, within the window.
    The page asks it to offer the form; the service again under the lock."""
    role = _role_of(order, actor)
    if order.state == State.CANCELED:
        raise ReviewError("A canceled order can't be reviewed.")
    if order.state != State.COMPLETED:
        raise ReviewError("You can review this order once it is completed.")
    now = now or timezone.now()
    ends_at = review_window_ends_at(order)
    if ends_at is None:
        raise ReviewError("You can review this order once it is completed.")
    if now >= ends_at:
        raise ReviewError(
            f"The time to review this order is over: reviews are left within "
            f"{settings.REVIEW_WINDOW_DAYS} days of completion."
        )
    written = dict(Review.objects.filter(order=order).values_list("role", "published_at"))
    if role in written:
        raise ReviewError("You already reviewed this order.")
    if any(written.values()):
        # Published by the window's end as it stood when it was written: a
        # review now would be written with the other's in view.
        raise ReviewError("The reviews of this order are published: the time to review is over.")


def _stars(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or not STARS_MIN <= value <= STARS_MAX:
        raise ReviewError(f"Rate {what} from {STARS_MIN} to {STARS_MAX} stars.")
    return value


def _text(text, limit, missing):
    text = (text or "").strip()
    if not text:
        raise ReviewError(missing)
    if len(text) > limit:
        raise ReviewError(f"Keep it to {limit} characters (this one has {len(text)}).")
    return text


def review_leave(
    *,
    order: Order,
    actor,
    stars: int,
    text: str,
    communication: int | None = None,
    as_described: int | None = None,
    would_recommend: bool | None = None,
    now=None,
) -> Review:
    """The buyer or the seller reviews the completed order, once. The buyer
    also rates communication and "as described" and says whether they would
    recommend the seller; the seller gives stars and a text.

    When the other side has reviewed already, both reviews are published now.
    Raises ``ReviewError``; locks the order (and, on publication, the seller).
    """
    now = now or timezone.now()
    details = {}
    if order.role_of(actor) == "buyer":
        details = {
            "communication": _stars(communication, "the communication"),
            "as_described": _stars(as_described, "how the work matched its description"),
        }
        if not isinstance(would_recommend, bool):
            raise ReviewError("Say whether you would recommend this seller.")
        details["would_recommend"] = would_recommend
    stars = _stars(stars, "the order overall")
    text = _text(text, REVIEW_TEXT_MAX, "Write a few words for your review.")
    with transaction.atomic():
        order = order_lock(order)
        review_check_allowed(order=order, actor=actor, now=now)
        role = order.role_of(actor)
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    order=order,
                    role=role,
                    author=actor,
                    subject=order.other_party(actor),
                    stars=stars,
                    text=text,
                    created_at=now,
                    window_ends_at=review_window_ends_at(order),
                    **details,
                )
        except IntegrityError:  # the unique rule: once per role
            raise ReviewError("You already reviewed this order.") from None
        if Review.objects.filter(order=order).count() == 2:
            _publish(order, now=now)
    return review


def review_reply(*, review: Review, actor, text: str, now=None) -> Review:
    """The seller answers the buyer's published review in public, once.

    Raises ``ReviewError``; locks the order, then the review.
    """
    text = _text(text, REPLY_TEXT_MAX, "Write your reply.")
    with transaction.atomic():
        order = order_lock(review.order)
        review = Review.objects.select_for_update().get(pk=review.pk, order=order)
        review_reply_check_allowed(review=review, actor=actor)
        review.reply = text
        review.replied_at = now or timezone.now()
        review.save(update_fields=["reply", "replied_at"])
    return review


def review_reply_check_allowed(*, review: Review, actor) -> None:
    """Raise ``ReviewError`` unless the actor may reply to this review now."""
    if actor is None or actor.pk != review.subject_id or review.role != ReviewRole.BUYER:
        raise ReviewError("Only the seller can reply to the buyer's review.")
    if not review.is_published:
        raise ReviewError("You can reply once the review is published.")
    if review.replied_at is not None:
        raise ReviewError("You already replied to this review.")


def reviews_publish_due(*, order_id, now=None) -> bool:
    """Publish an order's reviews whose window ended (the scan's step).

    Locks the order and claims its hidden reviews with a conditional update,
    so a second run, or a review written meanwhile that published them,
    publishes and notifies nothing. Returns True if this call published.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = order_lock(Order(pk=order_id))
        due = Review.objects.filter(order=order, published_at=None, window_ends_at__lte=now)
        if not due.exists():
            return False
        return _publish(order, now=now)


def _publish(order, *, now) -> bool:
    """Publish the order's hidden reviews, count the buyer's in the seller's
    rating, and tell both sides. The order must be locked."""
    hidden = list(
        Review.objects.select_for_update()
        .filter(order=order, published_at=None)
        .values_list("pk", "role", "stars")
    )
    claimed = Review.objects.filter(pk__in=[pk for pk, _, _ in hidden], published_at=None).update(
        published_at=now
    )
    if not claimed:
        return False
    for _, role, stars in hidden:
        if role == ReviewRole.BUYER:
            seller_rating_add(seller_id=order.seller_id, stars=stars)
    notify(
        recipients=[order.buyer, order.seller],
        kind=NotificationKind.REVIEWS_PUBLISHED,
        key=f"reviews:{order.pk}:published",
        order=order,
        url=f"{order.get_absolute_url()}#reviews",
        text=f"The reviews of order #{order.number} are published: see what was said.",
    )
    return True


def seller_rating_add(*, seller_id, stars) -> None:
    """Count one published review's overall stars in the seller's rating.

    The count, the sum and the count of its stars move with F() in one
    UPDATE, which takes the
    seller's row lock until commit, so two publications at once both count;
    the average is then worked out from the row as it stands under that lock.
    """
    User.objects.filter(pk=seller_id).update(
        rating_count=F("rating_count") + 1,
        rating_total=F("rating_total") + stars,
        **{f"rating_{stars}": F(f"rating_{stars}") + 1},
    )
    row = (
        User.objects.select_for_update()
        .filter(pk=seller_id)
        .values("rating_count", "rating_total")
        .get()
    )
    average = (Decimal(row["rating_total"]) / row["rating_count"]).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    User.objects.filter(pk=seller_id).update(rating_avg=average)
