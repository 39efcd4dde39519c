"""``any_of``: the rows pointing at any of a list of ids, one parameter on
PostgreSQL, ``IN`` elsewhere; the same rows either way."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from sales.models import Order
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():
    return [OrderFactory() for _ in range(4)]


def test_finds_the_rows_pointing_at_any_of_the_ids(orders):
    buyers = [orders[0].buyer_id, orders[2].buyer_id, UserFactory().pk]
    found = Order.objects.filter(buyer__any_of=buyers)
    assert {o.pk for o in found} == {orders[0].pk, orders[2].pk}


def test_no_ids_find_nothing_and_leave_the_rest_of_an_or(orders):
    assert not Order.objects.filter(buyer__any_of=[]).exists()
    either = Order.objects.filter(Q(buyer__any_of=[]) | Q(pk=orders[1].pk))
    assert [o.pk for o in either] == [orders[1].pk]


def test_a_thousand_ids_are_one_parameter_on_postgresql(orders):
    ids = [orders[3].buyer_id, *range(10**6, 10**6 + 1000)]
    with CaptureQueriesContext(connection) as ctx:
        found = list(Order.objects.filter(buyer__any_of=ids))
    assert [o.pk for o in found] == [orders[3].pk]
    sql = ctx.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        # In the column's own type: bigint = ANY(int2[]) can't hash the ids.
        assert "= ANY('{" in sql and "::bigint[]" in sql
    else:
        assert " IN (" in sql
