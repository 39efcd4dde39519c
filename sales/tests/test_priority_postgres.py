"""On PostgreSQL, the Priority counts on every Sales page read the seller's
open orders from the covering index alone, and the request rules are one
uncorrelated subquery each, not a probe per order."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resolution.services import cancellation_request_create
from sales import selectors
from sales.models import Order, State
from testing.factories import JobFactory, OrderFactory

# The rows are committed, so VACUUM can mark their pages all-visible, as
# autovacuum keeps a live table: without that an index-only scan would visit
# the table anyway and cost what any index on the seller costs. Statistics
# are taken in a transaction that is rolled back, and the flush after the
# test truncates the table (which resets what VACUUM recorded), so nothing
# is left to sway other tests' plans.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_priority_counts_are_an_index_only_scan(role):
    job = JobFactory()
    now = timezone.now()
    order = OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=1))
    OrderFactory(job=job, buyer=order.buyer, state=State.DELIVERED, delivered_at=now)
    cancellation_request_create(order=order, actor=order.buyer, reason="Plans changed.")
    # Orders enough that the plan is the one a real seller or buyer gets:
    # most of them closed, as on a site that has run for a while.
    Order.objects.bulk_create(
        Order(
            job=job,
            seller=job.seller,
            buyer=order.buyer,
            title=job.title,
            price=job.price,
            delivery_days=3,
            revisions_included=1,
            state=State.COMPLETED if i % 10 else State.ACTIVE,
            due_at=now + timedelta(days=i % 5),
        )
        for i in range(2000)
    )
    viewer = job.seller if role == "seller" else order.buyer
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.order_tab_counts(viewer, role)
    assert counts[selectors.PRIORITY] >= 1
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "sales_order"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM sales_order")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE sales_order")
        # A small table would be read whole: ask whether the index serves it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    if role == "seller":
        assert "Index Only Scan using order_seller_state_due" in plan, plan
    # The request rules: evaluated once, not per order.
    assert "resolution_cancellationrequest.order_id = sales_order.id" not in plan, plan
    assert "u0.order_id = sales_order.id" not in plan, plan
