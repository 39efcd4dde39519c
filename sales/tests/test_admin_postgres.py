"""On PostgreSQL, every way support looks at the Order list is served by an
index: the newest-first ordering, an order number, a username or e-mail
(the people first, then their orders by id), part of a Job title (trigram),
the state and clock filters. Checked on analyzed data, with sequential
scans allowed: the planner picks the index because it is the cheaper plan,
as it would at a million orders."""

import random
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from sales.models import Order, State
from testing.db import explain
from testing.factories import JobFactory, OrderFactory, UserFactory

# The rows are committed and then flushed (the flush truncates the tables, so
# no dead pages are left behind), and the statistics are taken in a
# transaction that is rolled back: nothing is left to sway other tests' plans.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LIST = reverse("admin:sales_order_changelist")
ORDERS = 20_000
PEOPLE = 2_000


@pytest.fixture
def many_orders():
    """20,000 orders of 2,000 buyers from 20 sellers over a year, in the
    benchmark's mix of states; two of them Marguerite's, on a Job nobody else
    sells."""
    rng = random.Random(7)
    now = timezone.now()
    jobs = [JobFactory(title="Logo design") for _ in range(20)]
    buyers = User.objects.bulk_create(
        User(username=f"buyer{i}", email=f"buyer{i}@example.com") for i in range(PEOPLE)
    )
    states = [State.COMPLETED] * 70 + [State.CANCELED] * 7 + [State.ACTIVE] * 12
    states += [State.DELIVERED] * 6 + [State.PENDING] * 5
    rows = []
    for i in range(ORDERS):
        state = rng.choice(states)
        due = now + timedelta(hours=rng.uniform(-48, 96)) if state == State.ACTIVE else None
        job = jobs[i % len(jobs)]
        rows.append(
            Order(
                job=job,
                seller=job.seller,
                buyer=buyers[i % PEOPLE],
                title=job.title,
                price=job.price,
                delivery_days=3,
                revisions_included=1,
                state=state,
                created_at=now - timedelta(minutes=26 * i),
                due_at=due,
            )
        )
    Order.objects.bulk_create(rows, batch_size=2000)
    marguerite = UserFactory(
        username="marguerite_d",
        email="marguerite@example.com",
        first_name="Marguerite",
        last_name="Duras",
    )
    podcast = JobFactory(title="I will edit your podcast episode")
    wanted = [
        OrderFactory(job=podcast, buyer=marguerite, state=s)
        for s in (State.ACTIVE, State.COMPLETED)
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in ("sales_order", "accounts_user", "resolution_extensionrequest"):
                cursor.execute(f"ANALYZE {table}")
        yield wanted
        transaction.set_rollback(True)


@pytest.fixture
def support(client, support):
    """The Support member, logged in: every test here reads the list as them."""
    client.force_login(support)
    return support


def _order_queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries if '"sales_order"' in q["sql"]]


def _searches(wanted):
    number = wanted[0].number
    return {
        "#number": {"q": f"#{number.lower()}"},
        "number": {"q": number},
        "username": {"q": "MARGUERITE_D"},
        "e-mail": {"q": "Marguerite@Example.com"},
        "name": {"q": "Duras"},
        "title": {"q": "podcast"},
    }


def test_each_search_reads_orders_by_an_index(client, support, many_orders):
    for kind, params in _searches(many_orders).items():
        response, sqls = _order_queries(client, params)
        found = {o.number for o in response.context["cl"].result_list}
        if kind.endswith("number"):
            assert found == {many_orders[0].number}, kind
        else:
            assert found == {o.number for o in many_orders}, kind
        assert sqls
        # Never "the newest 1,001 matches": for a rare term that walks the
        # newest-first index of every order to its end.
        assert not [sql for sql in sqls if "ORDER BY" in sql and "LIMIT 1001" in sql], kind
        for sql in sqls:
            plan = explain(sql, seqscan=True)
            assert "Seq Scan on sales_order" not in plan, (kind, plan)
        if kind == "title":
            assert any("order_title_trgm" in explain(sql, seqscan=True) for sql in sqls)
        if kind.endswith("number"):
            # The unique index on number, or its twin for LIKE: both exact.
            # The page is then read by those ids, the primary key.
            plans = [explain(sql, seqscan=True) for sql in sqls]
            assert "sales_order_number_" in plans[0], (kind, plans[0])
            for plan in plans[1:]:
                assert "sales_order_number_" in plan or "sales_order_pkey" in plan, (kind, plan)


def test_people_are_found_by_an_index(client, support, many_orders):
    indexes = {
        "MARGUERITE_D": "user_username_upper",
        "Marguerite@Example.com": "user_email_upper",
        "Duras": "_trgm",
    }
    for q, index in indexes.items():
        with CaptureQueriesContext(connection) as ctx:
            client.get(LIST, {"q": q})
        people = [
            c["sql"]
            for c in ctx.captured_queries
            if c["sql"].startswith('SELECT "accounts_user"."id" AS "pk"')
        ]
        # 2,000 people are few enough to read whole; the question is whether
        # the index fits the lookup, so sequential scans are taken away.
        plan = explain(people[-1], seqscan=False)
        assert index in plan, (q, plan)
        assert "Seq Scan on accounts_user" not in plan, (q, plan)


LISTS = [
    ({}, "order_new"),
    # 1,400 canceled orders are few enough to read whole through the index
    # of canceled orders and sort.
    ({"state__exact": "canceled"}, ("order_state_new", "order_canceled_by_new")),
    ({"state__exact": "active"}, "order_state_new"),
    ({"clock": "late"}, "order_active_due"),
    ({"clock": "very_late"}, "order_active_due"),
    ({"clock": "due_soon"}, "order_active_due"),
    ({"canceled_by": "support"}, "order_canceled_by_new"),
]


def test_the_list_and_its_filters_read_by_an_index(client, support, many_orders):
    for params, index in LISTS:
        _, sqls = _order_queries(client, params)
        # A filtered list first reads up to 1,001 of its matches, unordered,
        # which PostgreSQL may read from the table itself when matches are
        # common: it stops at the cap either way.
        probes = [sql for sql in sqls if "LIMIT 1001" in sql and "ORDER BY" not in sql]
        pages = [sql for sql in sqls if sql not in probes]
        assert len(probes) == (1 if params else 0), params
        # No page to read when nothing matches (the fixture's active orders
        # have not started: no clock reads late on them).
        assert len(pages) <= 1, (params, sqls)
        plans = [explain(sql, seqscan=True) for sql in sqls]
        for page in pages:
            plan = explain(page, seqscan=True)
            assert "Seq Scan on sales_order" not in plan, (params, plan)
        names = [index] if isinstance(index, str) else index
        assert any(name in plan for name in names for plan in plans), (params, plans)
        if not params:
            page = explain(pages[0], seqscan=True)
            # The list's own order comes from the index, not from a sort; and
            # the whole list is never counted: PostgreSQL's estimate stands in.
            assert "Sort" not in page, page
