"""On PostgreSQL, the Sales page's search reads only what matches: the
people a word names come from a trigram index, and the orders from the
buyer and Job indexes, never by reading all of a seller's orders."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from sales.models import Order, State
from testing.db import explain
from testing.factories import JobFactory, OrderFactory, UserFactory

# As in test_admin_postgres: the rows are committed and then flushed, and the
# statistics are taken in a transaction that is rolled back, so nothing is
# left to sway other tests' plans.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seller_and_buyer():
    """A seller with a few thousand orders from many buyers, two of them
    from Marguerite, on the Job 'Podcast editing'; statistics taken, so
    the planner chooses as it would on real data."""
    job = JobFactory(title="Podcast editing")
    buyer = UserFactory(username="marguerite_d", first_name="Marguerite", last_name="Duras")
    for state in (State.ACTIVE, State.COMPLETED):
        OrderFactory(job=job, buyer=buyer, state=state)
    other_job = JobFactory(seller=job.seller, title="Logo design")
    others = User.objects.bulk_create(
        User(username=f"someone{i}", email=f"someone{i}@example.com") for i in range(60)
    )
    Order.objects.bulk_create(
        Order(
            job=other_job,
            seller=job.seller,
            buyer=others[i % len(others)],
            title=other_job.title,
            price=other_job.price,
            delivery_days=3,
            revisions_included=1,
            state=State.COMPLETED,
        )
        for i in range(3000)
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in ("sales_order", "accounts_user", "jobs_job"):
                cursor.execute(f"ANALYZE {table}")
        yield job.seller, buyer
        transaction.set_rollback(True)


@pytest.mark.parametrize("q", ["marguer", "Duras", "podcast"])
def test_a_name_or_title_search_reads_only_the_matching_orders(client, seller_and_buyer, q):
    seller, buyer = seller_and_buyer
    client.force_login(seller)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("sales:sales"), {"q": q})
    assert {o.buyer_id for o in response.context["page"].object_list} == {buyer.pk}
    assert len(response.context["page"].object_list) == 2
    sqls = [c["sql"] for c in ctx.captured_queries]
    people = next(sql for sql in sqls if 'FROM "accounts_user"' in sql and "LIKE" in sql)
    user_plan = explain(people, seqscan=False)
    assert "_trgm" in user_plan, user_plan
    orders = next(sql for sql in sqls if sql.startswith('SELECT "sales_order"'))
    order_plan = explain(orders, seqscan=True)
    assert "Seq Scan on sales_order" not in order_plan, order_plan
    # No index walk over all of the seller's orders: the buyer or the Job leads.
    seller_walks = re.findall(r"Index Cond: \(seller_id = \d+\)", order_plan)
    assert not seller_walks, order_plan
