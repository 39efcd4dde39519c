"""The demo's reviews: on the completed orders, both ways, written through
the services at the moments they happened.

Orders whose review window is over have their reviews published (when both
sides wrote, or at the window's end), a few with the seller's reply; the
recent ones show each stage: the buyer's review waiting for the seller's,
the seller's waiting for the buyer's, and orders nobody reviewed yet.
"""

import random
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from sales import review_services
from sales.models import Order, State
from sales.reviews import Review, review_window_ends_at

# Most buyers are happy; a few are not, and one of those gets a reply.
STARS = [5, 5, 5, 5, 4, 5, 4, 5, 3, 5, 4, 5, 2, 5, 4]
BUYER_TEXTS = {
    5: [
        "Exactly what I asked for, and early. Clear updates all the way through.",
        "Second time ordering and it was just as good. Highly recommended.",
        "Listened carefully to the brief and asked the right questions. Great result.",
        "Fast, friendly and precise. I'll be back for the next one.",
    ],
    4: [
        "Good work and easy to talk to; one revision needed, handled quickly.",
        "Solid result. Took the full delivery time, but the quality was there.",
    ],
    3: ["The result is fine, but I had to explain some points twice."],
    2: ["Delivered, but it missed part of the brief and the revision took long."],
}
SELLER_TEXTS = [
    "Clear brief and quick answers. A pleasure to work with.",
    "Knew exactly what they wanted; feedback was precise and kind.",
    "Friendly buyer, answered every question the same day.",
]
REPLIES = {
    2: "Thank you for the honest feedback. I've since changed how I check a brief "
    "against the delivery, so nothing slips through again.",
    5: "Thank you! It was a pleasure working on this with you.",
}


def seed_reviews(now=None):
    """Write the demo's reviews on every completed order, once (an order
    that already has a review is left as it is)."""
    now = now or timezone.now()
    pick = random.Random(20241204)  # the same reviews every time
    orders = (
        Order.objects.filter(state=State.COMPLETED, reviews__isnull=True)
        .select_related("buyer", "seller")
        .order_by("completed_at", "pk")
    )
    recent = []
    for i, order in enumerate(orders):
        if review_window_ends_at(order) > now:
            recent.append(order)
            continue
        _closed_window(order, stars=STARS[i % len(STARS)], pick=pick)
    _open_windows(recent, now=now, pick=pick)
    _mark_notices(now)


def _in_window(order, at):
    """``at``, or just before the window closes if it would fall after."""
    return min(at, review_window_ends_at(order) - timedelta(minutes=1))


def _buyer_review(order, stars, at, pick):
    at = _in_window(order, at)
    return review_services.review_leave(
        order=order,
        actor=order.buyer,
        stars=stars,
        communication=min(5, stars + pick.choice([0, 0, 1])),
        as_described=stars,
        would_recommend=stars >= 4,
        text=pick.choice(BUYER_TEXTS[stars]),
        now=at,
    )


def _seller_review(order, at, pick):
    at = _in_window(order, at)
    return review_services.review_leave(
        order=order,
        actor=order.seller,
        stars=pick.choice([5, 5, 4]),
        text=pick.choice(SELLER_TEXTS),
        now=at,
    )


def _closed_window(order, *, stars, pick):
    """An order whose window is over: most buyers and sellers reviewed, and
    what was written is published."""
    done = order.completed_at
    review = None
    if pick.random() < 0.85:
        review = _buyer_review(order, stars, done + timedelta(hours=pick.randint(2, 60)), pick)
    if pick.random() < 0.7:
        _seller_review(order, done + timedelta(hours=pick.randint(1, 90)), pick)
    review_services.reviews_publish_due(order_id=order.pk, now=review_window_ends_at(order))
    if review is not None and stars in REPLIES and pick.random() < 0.5:
        review.refresh_from_db()
        review_services.review_reply(
            review=review, actor=order.seller, text=REPLIES[stars], now=review.published_at
        )


def _open_windows(orders, *, now, pick):
    """The orders still in their window, newest first: the seller's review
    waits for the buyer's, the buyer's for the seller's (the demo seller
    finds the form, and that the buyer has written), then one with both
    (and a reply); any others stay unreviewed."""
    orders = sorted(orders, key=lambda o: o.completed_at, reverse=True)
    stages = ["seller", "buyer", "both"]
    for order, stage in zip(orders, stages, strict=False):
        at = min(now, order.completed_at + timedelta(hours=6))
        if stage in ("buyer", "both"):
            review = _buyer_review(order, 5, at, pick)
        if stage in ("seller", "both"):
            _seller_review(order, min(now, at + timedelta(hours=3)), pick)
        if stage == "both":
            review.refresh_from_db()
            review_services.review_reply(
                review=review, actor=order.seller, text=REPLIES[5], now=review.published_at
            )


def _mark_notices(now):
    """The publication notices at the moment of publication, read when they
    are more than a day old; none of them is e-mailed (the demo's addresses
    are example.com's)."""
    for review in Review.objects.filter(published_at__isnull=False).distinct():
        moment = review.published_at
        Notification.objects.filter(
            kind=NotificationKind.REVIEWS_PUBLISHED, key=f"reviews:{review.order_id}:published"
        ).update(
            created_at=moment,
            read_at=moment + timedelta(hours=2) if moment < now - timedelta(days=1) else None,
        )
    Notification.objects.filter(emailed_at=None).update(emailed_at=F("created_at"))
