"""On PostgreSQL, the Priority counts on every Sales page, and the Priority
tab's rows, read each reason's orders through that reason's own index
(never all of a big seller's open orders), and the request rules look up
the few requests waiting on the viewer, not one request per order."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sales import selectors
from sales.models import Order, State
from sales.request_services import cancellation_request_create
from testing.factories import JobFactory, OrderFactory

# The rows are committed, so VACUUM can mark their pages all-visible, as
# autovacuum keeps a live table: without that an index-only scan would visit
# the table anyway and cost what any index on the seller costs. Statistics
# are taken in a transaction that is rolled back, and the flush after the
# test truncates the table (which resets what VACUUM recorded), so nothing
# is left to sway other tests' plans.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("VACUUM sales_order")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE sales_order")
        # A small table would be read whole: ask whether the indexes serve it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


@pytest.fixture
def busy_seller():
    """A seller with an order needing them for each reason, among many
    closed ones, as on a site that has run for a while."""
    job = JobFactory()
    now = timezone.now()
    order = OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=1))
    OrderFactory(job=job, buyer=order.buyer, state=State.DELIVERED, delivered_at=now)
    OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=3), revisions_used=1)
    cancellation_request_create(order=order, actor=order.buyer, reason="Plans changed.")
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
            seller_first_message_at=now,
        )
        for i in range(2000)
    )
    return job.seller, order.buyer


SELLER_INDEXES = [
    "using order_seller_awaiting_reply",  # new
    "using order_seller_revised",  # revision
    "Index Only Scan using order_seller_state_due",  # late, due soon
    "using cancellation_open_answerer",  # the requests waiting on the seller
]


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_priority_counts_read_each_reason_through_its_index(busy_seller, role):
    viewer = busy_seller[0] if role == "seller" else busy_seller[1]
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.order_tab_counts(viewer, role)
    assert counts[selectors.PRIORITY] >= 1
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "sales_order"' in q["sql"]]
    plan = _plan(sql)
    assert "Seq Scan" not in plan and "Bitmap Heap Scan on sales_order" not in plan, plan
    if role == "seller":
        for index in SELLER_INDEXES:
            assert index in plan, plan
    # The requests waiting on the viewer are looked up once, then their
    # orders by primary key: never a request probed per order.
    assert "order_id = sales_order.id" not in plan, plan
    assert "Hash Semi Join" not in plan, plan


def test_the_priority_tab_reads_a_page_of_each_reason(busy_seller, settings):
    """Past the first page (or for one reason), the tab walks each reason's
    index for a page of its orders."""
    seller, _ = busy_seller
    settings.SALES_PAGE_SIZE = 1
    counts = selectors.order_tab_counts(seller, "seller")
    query = selectors.OrderListQuery(tab=selectors.PRIORITY, sort="urgent")
    first = selectors.orders_page(seller, "seller", query, counts)
    query.after = first.next_cursor
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.orders_page(seller, "seller", query, counts)
    assert page.object_list
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "sales_order"' in q["sql"]]
    plan = _plan(sql)
    assert "Seq Scan" not in plan and "Bitmap Heap Scan on sales_order" not in plan, plan
    for index in SELLER_INDEXES:
        assert index in plan, plan
    # Each reason's part stops at a page and a row, not at all its orders.
    assert plan.count("Limit") >= len(selectors.reasons_for("seller")) + 1, plan


def test_the_priority_landing_page_reads_its_rows_by_primary_key(busy_seller):
    """The first page is cut from what the counts read: its rows are then
    looked up by id."""
    seller, _ = busy_seller
    query = selectors.OrderListQuery(tab=selectors.PRIORITY, sort="urgent")
    counts = selectors.order_tab_counts(seller, "seller")
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.orders_page(seller, "seller", query, counts)
    assert page.object_list
    [sql] = [q["sql"] for q in ctx.captured_queries if 'FROM "sales_order"' in q["sql"]]
    plan = _plan(sql)
    assert "Index Scan using sales_order_pkey on sales_order" in plan, plan
    assert "Seq Scan" not in plan and "Bitmap Heap Scan on sales_order" not in plan, plan
