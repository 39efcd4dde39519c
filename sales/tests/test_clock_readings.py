"""The clock readings (due soon, late, very late) read the same in Python, for
one order in memory, and in SQL, for the lists and the scans, at every
boundary second. Runs on SQLite and, with DATABASE_URL set, on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sales import selectors, services
from sales.models import (
    CLOCK_READINGS,
    Order,
    State,
    cancellation_counts_against_seller,
    clock_q,
)
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

DUE_SOON_HOURS = 24
VERY_LATE_HOURS = 36  # unlike DUE_SOON_HOURS, so a reading using the wrong one shows
SECOND = timedelta(seconds=1)
DUE_SOON = timedelta(hours=DUE_SOON_HOURS)
VERY_LATE = timedelta(hours=VERY_LATE_HOURS)
READINGS = ("due_soon", "late", "very_late")

# A due date on a whole second and one between seconds: SQLite compares the
# stored text, where "12:00:00" and "12:00:00.250000" differ in length.
DUES = {
    "whole_second": datetime(2030, 3, 10, 12, 0, tzinfo=UTC),
    "fraction": datetime(2030, 3, 10, 12, 0, 0, 250000, tzinfo=UTC),
}

# Moments around each boundary, as offsets from the due date, with what the
# clock reads then. Each reading begins at its moment, that moment included.
MOMENTS = {
    "due_soon-1s": (-DUE_SOON - SECOND, set()),
    "due_soon": (-DUE_SOON, {"due_soon"}),
    "due_soon+1s": (-DUE_SOON + SECOND, {"due_soon"}),
    "due-1s": (-SECOND, {"due_soon"}),
    "due": (timedelta(0), {"late"}),
    "due+1s": (SECOND, {"late"}),
    "very_late-1s": (VERY_LATE - SECOND, {"late"}),
    "very_late": (VERY_LATE, {"late", "very_late"}),
    "very_late+1s": (VERY_LATE + SECOND, {"late", "very_late"}),
}


@pytest.fixture(autouse=True)
def _windows(settings):
    settings.DUE_SOON_HOURS = DUE_SOON_HOURS
    settings.VERY_LATE_HOURS = VERY_LATE_HOURS


def _in_sql(order, reading, now):
    return Order.objects.filter(clock_q(reading, now), pk=order.pk).exists()


@pytest.mark.parametrize("due", DUES.values(), ids=DUES.keys())
@pytest.mark.parametrize("offset, expected", MOMENTS.values(), ids=MOMENTS.keys())
def test_python_and_sql_read_the_clock_alike_at_the_boundaries(due, offset, expected):
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    order.refresh_from_db()  # the due date as the database gives it back
    now = due + offset
    in_python = {r for r in READINGS if order.reads(r, now)}
    in_sql = {r for r in READINGS if _in_sql(order, r, now)}
    assert in_python == in_sql == expected
    # The one word the pages show: late (very late included), due soon, or none.
    shown = "late" if "late" in expected else "due_soon" if "due_soon" in expected else None
    assert order.clock(now) == shown


@pytest.mark.parametrize("offset, expected", MOMENTS.values(), ids=MOMENTS.keys())
def test_the_scans_and_the_priority_counts_read_the_clock_alike(offset, expected):
    due = DUES["fraction"]
    order = OrderFactory(state=State.ACTIVE, due_at=due, seller_first_message_at=due)
    now = due + offset
    owing = {r for r in READINGS if order.pk in selectors.orders_owing_notice(r, now=now, limit=5)}
    assert owing == expected
    counts = selectors.order_tab_counts(order.seller, "seller", now)
    assert {r for r in ("due_soon", "late") if counts[r]} == expected - {"very_late"}


@pytest.mark.parametrize("offset, expected", MOMENTS.values(), ids=MOMENTS.keys())
def test_supports_clock_filters_read_the_clock_alike(client, offset, expected):
    due = DUES["fraction"]
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    listed = set()
    with time_machine.travel(due + offset, tick=False):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        for reading in READINGS:
            response = client.get(reverse("admin:sales_order_changelist"), {"clock": reading})
            if order in response.context["cl"].result_list:
                listed.add(reading)
    assert listed == expected


@pytest.mark.parametrize("state", [s for s in State if s != State.ACTIVE])
def test_only_an_active_order_has_a_clock_reading(state):
    due = DUES["whole_second"]
    order = OrderFactory(state=state, due_at=due)
    for offset, _ in MOMENTS.values():
        now = due + offset
        assert not any(order.reads(r, now) or _in_sql(order, r, now) for r in READINGS)
        assert order.clock(now) is None


def test_each_reading_begins_at_its_moment():
    due = DUES["whole_second"]
    begins = {r: CLOCK_READINGS[r].begins_at(due) for r in READINGS}
    assert begins == {"due_soon": due - DUE_SOON, "late": due, "very_late": due + VERY_LATE}


@pytest.mark.parametrize(
    "offset, late",
    [(-SECOND, False), (timedelta(0), True), (SECOND, True)],
    ids=["due-1s", "due", "due+1s"],
)
def test_a_first_delivery_is_late_when_the_clock_read_late(offset, late):
    due = DUES["whole_second"]
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    order.deliver(now=due + offset)
    assert order.first_delivery_late is late


@pytest.mark.parametrize(
    "offset, counts",
    [(-SECOND, False), (timedelta(0), True), (SECOND, True)],
    ids=["due-1s", "due", "due+1s"],
)
def test_a_cancellation_counts_against_the_seller_from_the_due_moment(offset, counts):
    due = DUES["whole_second"]
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    assert cancellation_counts_against_seller(order, requested_by=None, now=due + offset) is counts


@pytest.mark.parametrize("offset, allowed", [(VERY_LATE - SECOND, False), (VERY_LATE, True)])
def test_the_late_cancel_check_reads_the_clock_at_the_moment_given(offset, allowed):
    due = DUES["whole_second"]
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    check = services.order_cancel_very_late_check_allowed
    if allowed:
        check(order=order, actor=order.buyer, now=due + offset)
    else:
        with pytest.raises(services.OrderActionError):
            check(order=order, actor=order.buyer, now=due + offset)


@pytest.mark.parametrize(
    "offset, words", [(-SECOND, "It is not late"), (timedelta(0), "It is late")]
)
def test_supports_cancel_form_says_late_as_the_cancellation_rule_counts_it(client, offset, words):
    due = DUES["whole_second"]
    order = OrderFactory(state=State.ACTIVE, due_at=due)
    with time_machine.travel(due + offset, tick=False):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        url = reverse("admin:sales_order_transition", args=[order.pk, "cancel"])
        html = client.get(url, follow=True).content.decode()
    assert f"{words}, so the cancellation" in html
