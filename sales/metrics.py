"""The Sales page's numbers: the seed's tips turned into measurements.

Every figure is computed from one written rule over the seller's orders of
the last METRICS_WINDOW_DAYS, and every figure has a page listing exactly
the orders it counted (``metric_orders``), so a seller can check it.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from . import review_selectors
from .models import Order, State


@dataclass(frozen=True)
class MetricRule:
    key: str
    label: str
    tip: str  # the seed's advice it measures
    definition: str

    @property
    def text(self):
        """The definition with this site's window and response hours."""
        return self.definition.format(
            window=settings.METRICS_WINDOW_DAYS,
            hours=settings.RESPONSE_HOURS,
            review_days=settings.REVIEW_WINDOW_DAYS,
        )


RULES = {
    rule.key: rule
    for rule in [
        MetricRule(
            "response",
            "Response rate",
            "Message the buyer right away.",
            "Of the orders placed in the last {window} days, the share you wrote to within "
            "{hours} hours of the order. Orders younger than {hours} hours that you have not "
            "written to yet are left out until their time is up.",
        ),
        MetricRule(
            "response_time",
            "Average first response",
            "Message the buyer right away.",
            "For the orders placed in the last {window} days that you wrote to, the average "
            "time from the order to your first message.",
        ),
        MetricRule(
            "on_time",
            "On-time delivery",
            "Deliver the completed work on time.",
            "Of the orders you first delivered in the last {window} days, the share whose "
            "first delivery came before the due time in force then (an approved extension "
            "moves it; a revision does not count as a new delivery).",
        ),
        MetricRule(
            "completion",
            "Completion rate",
            "Communication is the key.",
            "Of the orders that ended in the last {window} days, the share completed. "
            "Cancellations count only when they count against you: you asked for the "
            "cancellation, or the order was late (in progress, past its due date) when "
            "it was canceled. A buyer who cancels an order that is on time, or support "
            "canceling one, does not count against you.",
        ),
        MetricRule(
            "cancellations",
            "Cancellations",
            "",
            "Every order canceled in the last {window} days, and whether it counts against "
            "you: it does when you asked for the cancellation, or when the order was late "
            "(in progress, past its due date) when it was canceled.",
        ),
        MetricRule(
            "rating",
            "Rating",
            "Deliver the completed work on time.",
            "The average of the overall stars buyers gave you in their published reviews, "
            "all of them. A review is published once you have both reviewed the order, or "
            "{review_days} days after it completed; the trend shows each month's reviews "
            "by when they were published.",
        ),
        MetricRule(
            "earnings",
            "Earnings this month",
            "",
            "The price of the orders completed since the first day of this month, in "
            "your time zone.",
        ),
        MetricRule(
            "active_value",
            "Active orders",
            "",
            "The price of the orders in progress now (the ACTIVE tab).",
        ),
    ]
}


def _window(now):
    return now - timedelta(days=settings.METRICS_WINDOW_DAYS)


def _month_start(seller, now):
    local = timezone.localtime(now, seller.zoneinfo)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def metric_filters(seller, now):
    """For each figure: (orders counted, orders that count as good). The same
    filters compute the figure and list its orders."""
    start = _window(now)
    judged_after = now - timedelta(hours=settings.RESPONSE_HOURS)
    in_time = Q(
        seller_first_message_at__lte=F("created_at") + timedelta(hours=settings.RESPONSE_HOURS)
    )
    placed = Q(created_at__gte=start)
    ended = Q(state=State.COMPLETED, completed_at__gte=start) | Q(
        state=State.CANCELED, canceled_at__gte=start, seller_at_fault=True
    )
    return {
        "response": (
            placed & (Q(seller_first_message_at__isnull=False) | Q(created_at__lte=judged_after)),
            in_time,
        ),
        "response_time": (placed & Q(seller_first_message_at__isnull=False), Q()),
        "on_time": (Q(first_delivered_at__gte=start), Q(first_delivery_late=False)),
        "completion": (ended, Q(state=State.COMPLETED)),
        "cancellations": (
            Q(state=State.CANCELED, canceled_at__gte=start),
            Q(seller_at_fault=False),
        ),
        "earnings": (Q(state=State.COMPLETED, completed_at__gte=_month_start(seller, now)), Q()),
        "active_value": (Q(state=State.ACTIVE), Q()),
    }


@dataclass
class Figure:
    rule: MetricRule
    value: str
    detail: str


def seller_figures(seller, now=None):
    """The figures: six from one aggregate query, the rating from the seller's row."""
    now = now or timezone.now()
    f = metric_filters(seller, now)
    response_time = ExpressionWrapper(
        F("seller_first_message_at") - F("created_at"), output_field=DurationField()
    )
    # Only the orders some figure counts: not the seller's whole history.
    counted_anywhere = reduce(or_, (counted for counted, _ in f.values()))
    totals = (
        Order.objects.filter(seller=seller)
        .filter(counted_anywhere)
        .aggregate(
            response_n=Count("pk", filter=f["response"][0]),
            response_ok=Count("pk", filter=f["response"][0] & f["response"][1]),
            response_avg=Avg(response_time, filter=f["response_time"][0]),
            on_time_n=Count("pk", filter=f["on_time"][0]),
            on_time_ok=Count("pk", filter=f["on_time"][0] & f["on_time"][1]),
            completion_n=Count("pk", filter=f["completion"][0]),
            completion_ok=Count("pk", filter=f["completion"][0] & f["completion"][1]),
            earnings=Sum("price", filter=f["earnings"][0]),
            earnings_n=Count("pk", filter=f["earnings"][0]),
            active_value=Sum("price", filter=f["active_value"][0]),
            active_n=Count("pk", filter=f["active_value"][0]),
        )
    )

    def rate(key):
        n, ok = totals[f"{key}_n"], totals[f"{key}_ok"]
        if not n:
            return "-", "no orders yet"
        return f"{round(100 * ok / n)}%", f"{ok} of {n} orders"

    def money(value):
        return f"${value or Decimal('0'):,.2f}"

    avg = totals["response_avg"]
    # Kept on the seller when each review is published: no review is read.
    rated = seller.rating_count
    return [
        Figure(RULES["response"], *rate("response")),
        Figure(
            RULES["response_time"],
            duration(avg) if avg is not None else "-",
            "average" if avg is not None else "no replies yet",
        ),
        Figure(RULES["on_time"], *rate("on_time")),
        Figure(RULES["completion"], *rate("completion")),
        Figure(
            RULES["rating"],
            f"{seller.rating_avg} ★" if rated else "-",
            f"{rated} review{'s' if rated != 1 else ''}" if rated else "no reviews yet",
        ),
        Figure(
            RULES["earnings"],
            money(totals["earnings"]),
            f"{totals['earnings_n']} completed order{'s' if totals['earnings_n'] != 1 else ''}",
        ),
        Figure(
            RULES["active_value"],
            money(totals["active_value"]),
            f"{totals['active_n']} order{'s' if totals['active_n'] != 1 else ''} in progress",
        ),
    ]


def rating_reviews(seller, month=None):
    """The published reviews the Rating figure is computed from (those of
    one month of the trend when ``month`` is given)."""
    return review_selectors.seller_published_reviews(seller, month=month)


def rating_trend(seller, months=6, now=None):
    """The rating per month, for the Numbers page."""
    return review_selectors.rating_by_month(seller, months=months, now=now)


def duration(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def metric_orders(seller, key, now=None):
    """The orders a figure counted, each with whether it counted as good."""
    now = now or timezone.now()
    counted, good = metric_filters(seller, now)[key]
    return (
        Order.objects.filter(seller=seller)
        .filter(counted)
        .annotate(
            good=ExpressionWrapper(good, output_field=BooleanField()) if good else Value(True)
        )
        .select_related("buyer")
        .order_by("-created_at", "-pk")
    )


def weekly_earnings(seller, weeks=12, now=None):
    """Earnings and completed orders per week (weeks start on Monday in the
    seller's time zone), oldest first, zeros included."""
    now = now or timezone.now()
    local_now = timezone.localtime(now, seller.zoneinfo)
    this_week = (local_now - timedelta(days=local_now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first = this_week - timedelta(weeks=weeks - 1)
    rows = (
        Order.objects.filter(seller=seller, state=State.COMPLETED, completed_at__gte=first)
        .annotate(week=TruncWeek("completed_at", tzinfo=seller.zoneinfo))
        .values("week")
        .annotate(earnings=Sum("price"), completed=Count("pk"))
    )
    by_week = {row["week"].date(): row for row in rows}
    result = []
    for i in range(weeks):
        start = (first + timedelta(weeks=i)).date()
        row = by_week.get(start, {})
        result.append(
            {
                "start": start,
                "earnings": row.get("earnings") or Decimal("0"),
                "completed": row.get("completed") or 0,
            }
        )
    return result
