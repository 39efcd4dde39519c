"""Reads of reviews: the order page's panel, a seller's published reviews
and their breakdown, the rating's trend, and the publishing scan's
candidates. Only a published review is ever shown to anyone but its author."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .reviews import Review, ReviewRole, review_window_ends_at

SELLER_REVIEWS_PAGE_SIZE = 10


@dataclass(frozen=True)
class OrderReviews:
    """What one viewer of an order may see of its reviews."""

    mine: Review | None
    # The other side's review, once published; before that only whether it
    # was written (never what it says).
    theirs: Review | None
    theirs_written: bool
    window_ends_at: datetime | None

    @property
    def published(self):
        return any(r is not None and r.is_published for r in (self.mine, self.theirs))

    @property
    def by_buyer(self):
        return next((r for r in (self.mine, self.theirs) if r is not None and r.by_buyer), None)

    @property
    def by_seller(self):
        return next((r for r in (self.mine, self.theirs) if r is not None and not r.by_buyer), None)


def order_reviews(order, viewer) -> OrderReviews:
    """The reviews of ``order`` as ``viewer`` (its buyer or seller) may see
    them: their own always, the other's only once published. One query."""
    role = order.role_of(viewer)
    mine, theirs = None, None
    for review in Review.objects.filter(order=order):
        # The authors are the order's buyer and seller, already loaded.
        review.author = order.buyer if review.by_buyer else order.seller
        review.subject = order.seller if review.by_buyer else order.buyer
        if review.role == role:
            mine = review
        else:
            theirs = review
    return OrderReviews(
        mine=mine,
        theirs=theirs if theirs is not None and theirs.is_published else None,
        theirs_written=theirs is not None,
        window_ends_at=review_window_ends_at(order),
    )


def review_for_participant(order, viewer, pk) -> Review | None:
    """One review of the order if the viewer may read it: its author, or the
    other party once it is published. None otherwise (the view's 404)."""
    review = Review.objects.filter(order=order, pk=pk).select_related("author", "subject").first()
    if review is None:
        return None
    if review.author_id == viewer.pk or (review.is_published and order.role_of(viewer)):
        return review
    return None


def _seller_published(seller):
    return Review.objects.filter(subject=seller, role=ReviewRole.BUYER, published_at__isnull=False)


def seller_reviews(seller, page=1, per_page=SELLER_REVIEWS_PAGE_SIZE, job=None):
    """A page (Django's ``Page``) of the buyers' published reviews of
    ``seller``, newest first, each with its reply, the reviewer and the
    order's title; only those of one Job's orders when ``job`` is given.
    ``page`` is a page number (a bad one gives the nearest page). One
    query, the page (and the count first, for one Job's)."""
    reviews = _seller_published(seller)
    if job is not None:
        reviews = reviews.filter(order__job=job)
    reviews = (
        reviews.select_related("author", "subject", "order")
        .only(
            "author",
            "subject",
            "order",
            "stars",
            "communication",
            "as_described",
            "would_recommend",
            "text",
            "published_at",
            "reply",
            "replied_at",
            "role",
            "author__username",
            "author__first_name",
            "author__last_name",
            "subject__username",
            "subject__first_name",
            "subject__last_name",
            "order__number",
            "order__title",
        )
        .order_by("-published_at", "-id")
    )
    paginator = Paginator(reviews, per_page)
    if job is None:
        # The seller's row counts their published reviews: no need to.
        paginator.count = seller.rating_count
    return paginator.get_page(page)


def seller_rating_breakdown(seller) -> dict[int, int]:
    """How many published reviews gave ``seller`` each number of stars,
    5 down to 1 (zeros included), as the seller's row keeps them."""
    return seller.rating_breakdown


def seller_published_reviews(seller, month=None):
    """The published reviews the seller's rating is computed from, newest
    first; only those published in ``month`` (a date: its year and month,
    in the seller's time zone) when given."""
    reviews = _seller_published(seller)
    if month is not None:
        start = timezone.make_aware(datetime(month.year, month.month, 1), seller.zoneinfo)
        following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
        end = timezone.make_aware(following, seller.zoneinfo)
        reviews = reviews.filter(published_at__gte=start, published_at__lt=end)
    return reviews.select_related("author", "order").order_by("-published_at", "-id")


def rating_by_month(seller, months=6, now=None):
    """The rating per month of publication, the last ``months`` months
    (in the seller's time zone), oldest first: each month's start, count
    and average (None when no review came that month)."""
    now = timezone.localtime(now or timezone.now(), seller.zoneinfo)
    firsts = []
    year, month = now.year, now.month
    for _ in range(months):
        firsts.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    start = timezone.make_aware(datetime(*firsts[0], 1), seller.zoneinfo)
    rows = (
        _seller_published(seller)
        .filter(published_at__gte=start)
        .annotate(month=TruncMonth("published_at", tzinfo=seller.zoneinfo))
        .values("month")
        .annotate(count=Count("pk"), average=Avg("stars"))
    )
    by_month = {(row["month"].year, row["month"].month): row for row in rows}
    trend = []
    for year, month in firsts:
        row = by_month.get((year, month), {})
        average = row.get("average")
        trend.append(
            {
                "month": datetime(year, month, 1).date(),
                "count": row.get("count", 0),
                "average": round(average, 2) if average is not None else None,
            }
        )
    return trend


def reviews_past_window(*, now, limit):
    """Ids of orders with a review still hidden after its window ended: the
    publishing scan's candidates, read from the ``review_scan_window`` index."""
    ids = (
        Review.objects.filter(published_at__isnull=True, window_ends_at__lte=now)
        .order_by("window_ends_at")
        .values_list("order_id", flat=True)[:limit]
    )
    return list(dict.fromkeys(ids))
