"""The deadline-scan scenario: many open orders not due, a fixed number due."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.models import User
from bench.load import _copy, _number, _reset_sequences
from jobs.models import Job
from messaging.models import Notification
from resolution import selectors as resolution_selectors
from resolution.tasks import carry_out_cancellation_requests, expire_extension_requests
from sales import selectors
from sales.counts import order_counts_rebuild
from sales.models import Order, OrderEvent
from sales.requests import CancellationRequest, ExtensionRequest
from sales.tasks import auto_complete_deliveries, flag_due_soon, flag_late, flag_very_late

SCANS = {
    "due soon": (
        lambda now, limit: selectors.orders_owing_notice("due_soon", now=now, limit=limit),
        flag_due_soon,
    ),
    "late": (
        lambda now, limit: selectors.orders_owing_notice("late", now=now, limit=limit),
        flag_late,
    ),
    "very late": (
        lambda now, limit: selectors.orders_owing_notice("very_late", now=now, limit=limit),
        flag_very_late,
    ),
    "auto-complete": (selectors.deliveries_past_review, auto_complete_deliveries),
    "extension expiry": (
        resolution_selectors.extension_requests_unanswered,
        expire_extension_requests,
    ),
    "cancellation carry-out": (
        resolution_selectors.cancellation_requests_unanswered,
        carry_out_cancellation_requests,
    ),
}
DUE_MARK = "bench due"


def add_open_orders(count, *, due, start):
    """COPY ``count`` active orders due weeks from now; the first call also
    adds ``due`` orders for each scan (late, due soon, past review, requests)."""
    now = timezone.now()
    if start == 0:
        seller = User.objects.create(username="scan_seller", email="scan_seller@example.com")
        buyer = User.objects.create(username="scan_buyer", email="scan_buyer@example.com")
        Job.objects.create(
            seller=seller,
            title="I will be scanned often",
            description="x",
            price=Decimal("10"),
            delivery_days=3,
        )
    seller, buyer = (
        User.objects.get(username="scan_seller"),
        User.objects.get(username="scan_buyer"),
    )
    job = Job.objects.get(seller=seller)
    base = {
        "job_id": job.pk,
        "seller_id": seller.pk,
        "buyer_id": buyer.pk,
        "price": Decimal("10"),
        "delivery_days": 3,
        "revisions_included": 1,
        "revisions_used": 0,
        "questions": [],
        "requirements": [],
        "canceled_by": "",
        "cancel_reason": "",
    }
    first_id = (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def rows():
        i = first_id
        specs = [("active", now - timedelta(hours=30), None)] * due  # late and very late
        specs += [("active", now + timedelta(hours=10), None)] * due  # due soon
        specs += [("delivered", now - timedelta(days=1), now - timedelta(days=4))] * due
        specs += [("active", now + timedelta(days=5), None)] * (2 * due)  # for the requests
        for state, due_at, delivered in specs if start == 0 else []:
            yield base | {
                "id": i,
                "number": _number(10_000_000 + i),
                "title": DUE_MARK,
                "state": state,
                "created_at": now - timedelta(days=5),
                "started_at": now - timedelta(days=5),
                "due_at": due_at,
                "delivered_at": delivered,
            }
            i += 1
        for k in range(count):
            yield base | {
                "id": i,
                "number": _number(10_000_000 + i),
                "title": "not due",
                "state": "active",
                "created_at": now - timedelta(days=2),
                "started_at": now - timedelta(days=2),
                "due_at": now + timedelta(days=20 + k % 10),
            }
            i += 1

    total = count + (5 * due if start == 0 else 0)
    _copy(Order, rows(), total, f"open orders ({start:,} → {start + count:,})")
    if start == 0:
        request_orders = list(
            Order.objects.filter(title=DUE_MARK, due_at__gt=now + timedelta(days=4))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        old = now - timedelta(days=3)
        ExtensionRequest.objects.bulk_create(
            ExtensionRequest(
                order_id=pk,
                requested_by=seller,
                answerer=buyer,
                days=1,
                reason="bench",
                created_at=old,
            )
            for pk in request_orders[:due]
        )
        CancellationRequest.objects.bulk_create(
            CancellationRequest(
                order_id=pk, requested_by=buyer, answerer=seller, reason="bench", created_at=old
            )
            for pk in request_orders[due:]
        )
    _reset_sequences(Order)
    order_counts_rebuild()


def reset_due():
    """Put every due order back as it was before the scans acted."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sales_order SET due_soon_notified_at = NULL, late_notified_at = NULL, "
            "very_late_notified_at = NULL WHERE title = %s",
            [DUE_MARK],
        )
        cursor.execute(
            "UPDATE sales_order SET state = 'delivered', completed_at = NULL "
            "WHERE title = %s AND delivered_at IS NOT NULL",
            [DUE_MARK],
        )
        cursor.execute(
            "UPDATE sales_order SET state = 'active', canceled_at = NULL, canceled_by = '', "
            "cancel_reason = '', seller_at_fault = NULL "
            "WHERE title = %s AND state = 'canceled'",
            [DUE_MARK],
        )
    for model in (ExtensionRequest, CancellationRequest):
        model.objects.update(
            state="open", answered_at=None, answered_by=None, created_at=now - timedelta(days=3)
        )
    OrderEvent.objects.all().delete()
    Notification.objects.all().delete()
    # The states were put back round the services: recount the tabs.
    order_counts_rebuild()
