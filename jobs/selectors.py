"""Reads about Jobs: the delivery-time insight from the seed's advice.

"If this happens a lot, you find yourself extending your deliveries, we
recommend updating your Job and bumping up the delivery time."
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Subquery

from messaging.models import Message, MessageKind
from sales.models import Order
from sales.requests import ExtensionRequest, RequestState

from .models import MAX_DELIVERY_DAYS, Job


def _days_or_hours(took):
    hours = took.total_seconds() / 3600
    if hours >= 24:
        return f"{hours / 24:.1f} days"
    return f"{round(hours)} h" if hours >= 1 else "under 1 h"


@dataclass
class DeliveryInsight:
    job: Job
    window: int  # started orders looked at
    extended: int  # of those, how many needed an approved extension
    actual: list  # timedeltas from start to first delivery, for delivered ones

    @property
    def actual_times(self):
        """The actual times for people to read: days to one decimal, or hours
        under a day (a delivery within hours is not "0.0 days")."""
        return [_days_or_hours(t) for t in self.actual]

    @property
    def suggested_days(self):
        """The 75th-percentile actual delivery time (nearest rank), rounded up to
        whole days and kept within what a Job may promise."""
        if not self.actual:
            return None
        ordered = sorted(self.actual)
        p75 = ordered[math.ceil(0.75 * len(ordered)) - 1]
        return min(MAX_DELIVERY_DAYS, max(1, math.ceil(p75.total_seconds() / 86400)))

    @property
    def can_raise(self):
        return self.suggested_days is not None and self.suggested_days > self.job.delivery_days


def job_delivery_insight(job) -> DeliveryInsight | None:
    """The insight for one Job, or None when its orders rarely need more time.

    Only orders placed under the Job's current delivery days count: once the
    seller raised them, the orders that needed more time under the old
    promise are answered, and the insight waits for new orders to show the
    same pattern."""
    recent = list(
        Order.objects.filter(job=job, delivery_days=job.delivery_days, started_at__isnull=False)
        .annotate(
            extended=Exists(
                ExtensionRequest.objects.filter(order=OuterRef("pk"), state=RequestState.APPROVED)
            ),
            first_delivery=Subquery(
                Message.objects.filter(order=OuterRef("pk"), kind=MessageKind.DELIVERY)
                .order_by("created_at")
                .values("created_at")[:1]
            ),
        )
        .order_by("-started_at", "-pk")
        .values("started_at", "extended", "first_delivery")[: settings.EXTENSION_INSIGHT_WINDOW]
    )
    extended = sum(1 for o in recent if o["extended"])
    if extended < settings.EXTENSION_INSIGHT_THRESHOLD:
        return None
    actual = [o["first_delivery"] - o["started_at"] for o in recent if o["first_delivery"]]
    return DeliveryInsight(job=job, window=len(recent), extended=extended, actual=actual)


def jobs_needing_more_time(seller) -> list[DeliveryInsight]:
    """Insights for the seller's Jobs whose orders often needed more time.

    Only Jobs with at least THRESHOLD approved extensions on orders placed
    under their current delivery days are looked at closely, so the cost
    follows those Jobs, not the number of orders: one query each, a LIMIT
    on an index. (A single windowed query for all of them would rank every
    order the Jobs ever had.)
    """
    job_ids = (
        ExtensionRequest.objects.filter(
            order__seller=seller,
            state=RequestState.APPROVED,
            order__delivery_days=F("order__job__delivery_days"),
        )
        .values("order__job")
        .annotate(n=Count("order", distinct=True))
        .filter(n__gte=settings.EXTENSION_INSIGHT_THRESHOLD)
        .values("order__job")
    )
    jobs = Job.objects.filter(pk__in=job_ids).order_by("title")
    return [i for job in jobs if (i := job_delivery_insight(job)) is not None]
