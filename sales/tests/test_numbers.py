"""The Sales page's numbers: each rule, the orders behind each figure, the
cancellation fault rule, the weekly chart."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sales import metrics, services
from sales import request_services as resolution
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.pages import page_queries

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 6, 20, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def seller(settings):
    settings.METRICS_WINDOW_DAYS = 60
    settings.RESPONSE_HOURS = 24
    settings.VERY_LATE_HOURS = 24
    return JobFactory().seller


def _order(seller, **fields):
    return OrderFactory(job=JobFactory(seller=seller), **fields)


def _figures(seller):
    with time_machine.travel(NOW, tick=False):
        return {f.rule.key: f for f in metrics.seller_figures(seller)}


def test_response_rate_and_first_response_time(seller):
    placed = NOW - 3 * D
    _order(seller, created_at=placed, seller_first_message_at=placed + 2 * H)  # in time
    _order(seller, created_at=placed, seller_first_message_at=placed + 30 * H)  # too late
    _order(seller, created_at=placed)  # never answered, old enough to judge
    _order(seller, created_at=NOW - H)  # too young to judge yet
    _order(seller, created_at=NOW - 70 * D, seller_first_message_at=NOW - 70 * D + H)  # too old
    _order(UserFactory(), created_at=placed)  # someone else's

    figures = _figures(seller)

    assert (figures["response"].value, figures["response"].detail) == ("33%", "1 of 3 orders")
    assert figures["response_time"].value == "16 h"


def test_on_time_delivery_counts_the_first_delivery_against_the_due_date_then(seller):
    due = NOW - 5 * D
    on_time = _order(seller, state=State.ACTIVE, started_at=due - 3 * D, due_at=due)
    late = _order(seller, state=State.ACTIVE, started_at=due - 3 * D, due_at=due)
    extended = _order(seller, state=State.ACTIVE, started_at=due - 3 * D, due_at=due)
    with time_machine.travel(due - H, tick=False):
        services.order_deliver(order=on_time, actor=seller, message="Early")
        request = resolution.extension_request_create(
            order=extended, actor=seller, days=2, reason="More time"
        )
        resolution.extension_request_approve(request=request, actor=extended.buyer)
    with time_machine.travel(due + D, tick=False):
        services.order_deliver(order=late, actor=seller, message="Late")
        services.order_deliver(order=extended, actor=seller, message="Within the extension")
    # A later revision and an on-time redelivery do not wash out a late first delivery.
    with time_machine.travel(due + 2 * D, tick=False):
        services.order_request_revision(order=late, actor=late.buyer, message="Fix")
        services.order_deliver(order=late, actor=seller, message="Fixed")

    assert _figures(seller)["on_time"].value == "67%"
    with time_machine.travel(NOW, tick=False):
        verdicts = {o.pk: bool(o.good) for o in metrics.metric_orders(seller, "on_time")}
    assert verdicts == {on_time.pk: True, late.pk: False, extended.pk: True}


def test_canceled_at_the_due_minute_counts_as_late_as_the_badge_says(seller):
    support = UserFactory(is_staff=True, is_superuser=True)
    due = NOW - 10 * D
    order = _order(seller, state=State.ACTIVE, started_at=due - 3 * D, due_at=due)
    with time_machine.travel(due, tick=False):
        assert order.clock() == "late"
        services.order_cancel(order=order, actor=support, reason="Buyer called")
    order.refresh_from_db()
    assert order.seller_at_fault is True


def test_cancellations_follow_the_fault_rule(seller):
    support = UserFactory(is_staff=True, is_superuser=True)
    due = NOW - 10 * D
    active = {"state": State.ACTIVE, "started_at": due - 3 * D, "due_at": due}
    very_late = _order(seller, **active)
    buyer_on_time = _order(seller, **active)
    seller_asked = _order(seller, **active)
    support_on_time = _order(seller, **active)
    support_late = _order(seller, **active)
    _order(seller, state=State.COMPLETED, completed_at=NOW - D)
    _order(seller, state=State.COMPLETED, completed_at=NOW - 2 * D)

    with time_machine.travel(due + 2 * D, tick=False):
        services.order_cancel_very_late(order=very_late, actor=very_late.buyer, reason="Too late")
        services.order_cancel(order=support_late, actor=support, reason="Buyer called")
    with time_machine.travel(due - D, tick=False):
        r = resolution.cancellation_request_create(
            order=buyer_on_time, actor=buyer_on_time.buyer, reason="Not needed any more"
        )
        resolution.cancellation_request_accept(request=r, actor=seller)
        r = resolution.cancellation_request_create(
            order=seller_asked, actor=seller, reason="I can't do it"
        )
        resolution.cancellation_request_accept(request=r, actor=seller_asked.buyer)
        services.order_cancel(order=support_on_time, actor=support, reason="Payment reversed")

    faults = {
        o.pk: o.seller_at_fault
        for o in (very_late, buyer_on_time, seller_asked, support_on_time, support_late)
        if not o.refresh_from_db()
    }
    assert faults == {
        very_late.pk: True,
        buyer_on_time.pk: False,
        seller_asked.pk: True,
        support_on_time.pk: False,
        support_late.pk: True,
    }
    completion = _figures(seller)["completion"]
    assert (completion.value, completion.detail) == ("40%", "2 of 5 orders")


def test_earnings_this_month_in_the_sellers_time_zone_and_active_value(seller):
    seller.timezone = "Asia/Tokyo"  # 1 June 00:00 JST is 31 May 15:00 UTC
    seller.save()
    june_start = datetime(2030, 5, 31, 15, 0, tzinfo=UTC)
    _order(seller, state=State.COMPLETED, completed_at=june_start + H, price=Decimal("100"))
    _order(seller, state=State.COMPLETED, completed_at=june_start - H, price=Decimal("999"))
    _order(seller, state=State.ACTIVE, price=Decimal("40"))
    _order(seller, state=State.ACTIVE, price=Decimal("2.50"))
    _order(seller, state=State.DELIVERED, price=Decimal("70"))

    figures = _figures(seller)

    assert figures["earnings"].value == "$100.00"
    assert figures["active_value"].value == "$42.50"
    assert figures["active_value"].detail == "2 orders in progress"


def test_no_orders_shows_dashes_not_zero_percent(seller):
    figures = _figures(seller)
    assert figures["response"].value == "-"
    assert figures["on_time"].value == "-"
    assert figures["earnings"].value == "$0.00"


@pytest.mark.parametrize("key", list(metrics.RULES))
def test_each_figure_lists_only_the_sellers_counted_orders(client, seller, key):
    mine = _order(
        seller,
        state=State.COMPLETED,
        created_at=NOW - 2 * D,
        completed_at=NOW - D,
        seller_first_message_at=NOW - 2 * D + H,
        first_delivered_at=NOW - 1.5 * D,
        first_delivery_late=False,
    )
    theirs = OrderFactory(
        state=State.COMPLETED,
        created_at=NOW - 2 * D,
        completed_at=NOW - D,
        seller_first_message_at=NOW - 2 * D + H,
    )
    with time_machine.travel(NOW, tick=False):
        client.force_login(seller)
        response = client.get(reverse("sales:metric_detail", args=[key]))
    assert response.status_code == 200
    html = response.content.decode()
    assert theirs.number not in html
    counted = key in ("response", "response_time", "on_time", "completion", "earnings")
    assert (mine.number in html) is counted


def test_unknown_figure_is_404_and_anonymous_is_sent_to_log_in(client, seller):
    assert client.get(reverse("sales:numbers")).status_code == 302
    assert client.get(reverse("sales:numbers")).status_code == 302
    client.force_login(seller)
    assert client.get(reverse("sales:metric_detail", args=["bogus"])).status_code == 404


def test_the_numbers_page_defines_every_figure(client, seller):
    client.force_login(seller)
    html = client.get(reverse("sales:numbers")).content.decode()
    for rule in metrics.RULES.values():
        assert rule.label in html
        assert reverse("sales:metric_detail", args=[rule.key]) in html
    assert "counts against the seller" in html or "counts against you" in html


def test_weekly_chart_sums_each_week_and_has_a_text_alternative(client, seller):
    # 20 June 2030 is a Thursday; its week starts Monday 17 June.
    _order(seller, state=State.COMPLETED, completed_at=NOW - H, price=Decimal("30"))
    _order(seller, state=State.COMPLETED, completed_at=NOW - 2 * D, price=Decimal("20"))
    _order(seller, state=State.COMPLETED, completed_at=NOW - 7 * D, price=Decimal("5"))
    _order(seller, state=State.COMPLETED, completed_at=NOW - 100 * D, price=Decimal("500"))

    with time_machine.travel(NOW, tick=False):
        weeks = metrics.weekly_earnings(seller)
        client.force_login(seller)
        html = client.get(reverse("sales:numbers")).content.decode()

    assert len(weeks) == 12
    assert weeks[-1] == {
        "start": datetime(2030, 6, 17).date(),
        "earnings": Decimal("50"),
        "completed": 2,
    }
    assert weeks[-2]["earnings"] == Decimal("5")
    assert sum(w["earnings"] for w in weeks) == Decimal("55")
    assert 'role="img"' in html and "<desc" in html
    assert "<table" in html and "17 Jun 2030" in html and "$50" in html


def test_numbers_panel_queries_do_not_grow_with_orders(client, seller):
    client.force_login(seller)
    url = reverse("sales:numbers")
    for _ in range(3):
        _order(seller, state=State.COMPLETED, completed_at=NOW - D)
    small = page_queries(client, url)
    for _ in range(150):
        _order(seller, state=State.COMPLETED, completed_at=NOW - D)
    assert page_queries(client, url) == small


def test_no_chart_until_an_order_completes(client, seller):
    client.force_login(seller)
    html = client.get(reverse("sales:numbers")).content.decode()
    assert "<svg" not in html
    assert "appears once an order completes" in html
    _order(seller, state=State.COMPLETED, completed_at=timezone.now() - D)
    html = client.get(reverse("sales:numbers")).content.decode()
    assert "<svg" in html
    assert "data-no-chart" not in html


def test_the_sales_page_links_the_numbers_and_shows_no_figures(client, seller):
    client.force_login(seller)
    html = client.get(reverse("sales:sales")).content.decode()
    assert f'href="{reverse("sales:numbers")}"' in html
    assert "data-figure" not in html
