"""The Priority tab and its strip: what needs the viewer now, why, and by when.
The strip's counts and the tab's rows come from one definition per reason."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sales import selectors
from sales.models import State
from sales.request_services import cancellation_request_create, extension_request_create
from sales.services import message_send, order_deliver
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

ANSWERED = {"seller_first_message_at": timezone.now() - timedelta(days=2)}


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def job():
    return JobFactory()


def _strip(html):
    """{reason: count} as the strip shows it."""
    return {k: int(n) for k, n in re.findall(r'data-priority="(\w+)">(\d+)<', html)}


def _rows(html):
    """{order number: [reasons]} in the Priority tab as shown."""
    rows = re.findall(r'<tr class="order-row" data-order="(\w+)">(.*?)</tr>', html, re.S)
    return {number: re.findall(r'data-reason="(\w+)"', body) for number, body in rows}


def _deadline(html, number, reason):
    row = re.search(rf'data-order="{number}">.*?</tr>', html, re.S).group()
    return re.search(rf'<li data-deadline="{reason}">(.*?)</li>', row, re.S).group(1)


def _seller_case(reason, job, now):
    """An order that needs the seller for exactly this one reason."""
    if reason == "new":
        return OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=3))
    if reason == "revision":
        return OrderFactory(
            job=job,
            state=State.ACTIVE,
            due_at=now + timedelta(days=2),
            revisions_included=2,
            revisions_used=1,
            **ANSWERED,
        )
    if reason == "cancellation":
        order = OrderFactory(
            job=job, state=State.ACTIVE, due_at=now + timedelta(days=4), **ANSWERED
        )
        cancellation_request_create(order=order, actor=order.buyer, reason="Plans changed.")
        return order
    if reason == "late":
        return OrderFactory(
            job=job, state=State.ACTIVE, due_at=now - timedelta(hours=3), **ANSWERED
        )
    assert reason == "due_soon"
    return OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(hours=5), **ANSWERED)


SELLER_REASONS = ["new", "revision", "cancellation", "late", "due_soon"]
SELLER_DEADLINES = {
    "new": "Reply by",
    "revision": "Due",
    "cancellation": "Answer by",
    "late": "Was due",
    "due_soon": "Due",
}


@pytest.mark.parametrize("reason", SELLER_REASONS)
def test_each_reason_alone_shows_once_on_the_strip_and_once_in_the_tab(
    client, job, now, reason, settings
):
    settings.DUE_SOON_HOURS = 24
    # Orders that need nothing: on time, answered, delivered, finished.
    OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=5), **ANSWERED)
    OrderFactory(job=job, state=State.COMPLETED)
    OrderFactory(job=job, state=State.CANCELED)
    order = _seller_case(reason, job, now)
    client.force_login(job.seller)

    response = client.get(reverse("sales:sales"))  # lands on Priority

    assert response.context["query"].tab == "priority"
    html = response.content.decode()
    assert _strip(html) == {r: int(r == reason) for r in SELLER_REASONS}
    assert 'data-count="priority">1<' in html
    assert _rows(html) == {order.number: [reason]}
    deadline = _deadline(html, order.number, reason)
    assert deadline.startswith(SELLER_DEADLINES[reason])
    if reason == "new":
        expected = order.created_at + timedelta(hours=settings.RESPONSE_HOURS)
    elif reason == "cancellation":
        expected = order.cancellation_requests.get().expires_at
    else:
        expected = order.due_at
    assert f'datetime="{timezone.localtime(expected).isoformat()}"' in deadline
    # The strip's link shows the same order alone.
    flagged = client.get(reverse("sales:sales"), {"flag": reason})
    assert _rows(flagged.content.decode()) == {order.number: [reason]}


def test_an_order_that_no_longer_needs_the_seller_leaves_strip_and_tab(client, job, now):
    new = _seller_case("new", job, now)
    late = _seller_case("late", job, now)
    client.force_login(job.seller)
    html = client.get(reverse("sales:sales")).content.decode()
    assert set(_rows(html)) == {new.number, late.number}

    message_send(order=new, sender=job.seller, body="Got it, starting today.")
    order_deliver(order=late, actor=job.seller, message="Here it is.", files=[])

    response = client.get(reverse("sales:sales"))
    assert response.context["query"].tab == "active"  # lands on the first state tab
    html = response.content.decode()
    assert _strip(html) == {}  # nothing counted: the strip says so in words
    assert "Nothing needs you right now." in html
    html = client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode()
    assert _rows(html) == {}


def test_an_order_with_several_reasons_is_one_row_with_each_reason(client, job, now):
    order = OrderFactory(job=job, state=State.ACTIVE, due_at=now - timedelta(hours=1))
    cancellation_request_create(order=order, actor=order.buyer, reason="Too late for me.")
    client.force_login(job.seller)
    html = client.get(reverse("sales:sales")).content.decode()
    assert _rows(html) == {order.number: ["new", "cancellation", "late"]}
    assert 'data-count="priority">1<' in html
    assert _strip(html) == {"new": 1, "revision": 0, "cancellation": 1, "late": 1, "due_soon": 0}


def test_strip_counts_and_rows_agree_on_a_mix(client, job, now, settings):
    settings.SALES_PAGE_SIZE = 100
    for i in range(30):
        reason = SELLER_REASONS[i % 5]
        _seller_case(reason, job, now - timedelta(minutes=i))
    for _ in range(10):  # quiet ones
        OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=9), **ANSWERED)
    client.force_login(job.seller)
    html = client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode()
    rows = _rows(html)
    strip = _strip(html)
    for reason in SELLER_REASONS:
        assert strip[reason] == sum(reason in why for why in rows.values())
    assert f'data-count="priority">{len(rows)}<' in html


def test_counts_past_the_cap_show_as_over_it_and_every_row_stays(
    client, job, now, settings, monkeypatch
):
    monkeypatch.setattr(selectors, "PRIORITY_COUNT_CAP", 3)
    settings.SALES_PAGE_SIZE = 100
    late = [_seller_case("late", job, now - timedelta(minutes=i)) for i in range(5)]
    due_soon = [_seller_case("due_soon", job, now) for _ in range(2)]
    client.force_login(job.seller)

    html = client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode()

    assert re.search(r'data-priority="late">3\+<', html)
    assert _strip(html)["due_soon"] == 2
    assert 'data-count="priority">3+<' in html
    assert set(_rows(html)) == {o.number for o in late + due_soon}
    assert "data-total" not in html  # no exact total to show past the cap
    # A state tab counts in the database what the landing counts here.
    active = client.get(reverse("sales:sales"), {"tab": "active"}).content.decode()
    assert _strip(active) == _strip(html)
    assert 'data-count="priority">3+<' in active


def test_counts_at_the_cap_are_exact(client, job, now, monkeypatch):
    monkeypatch.setattr(selectors, "PRIORITY_COUNT_CAP", 3)
    for i in range(3):
        _seller_case(SELLER_REASONS[i], job, now)
    client.force_login(job.seller)

    html = client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode()

    assert 'data-count="priority">3<' in html
    assert '<span data-total="3">' in html


def test_a_request_the_seller_made_does_not_need_the_seller(client, job, now):
    order = OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=4), **ANSWERED)
    cancellation_request_create(order=order, actor=job.seller, reason="I can't do it.")
    client.force_login(job.seller)
    html = client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode()
    assert _rows(html) == {}
    # The buyer, asked, has it waiting with the time it is carried out.
    client.force_login(order.buyer)
    html = client.get(reverse("sales:my_orders")).content.decode()
    assert _rows(html) == {order.number: ["request"]}
    assert _deadline(html, order.number, "request").startswith("Answer by")


BUYER_REASONS = ["requirements", "review", "request"]


@pytest.mark.parametrize("reason", BUYER_REASONS)
def test_the_buyer_sees_what_waits_for_them(client, job, now, reason):
    buyer = UserFactory()
    OrderFactory(job=job, buyer=buyer, state=State.ACTIVE, due_at=now + timedelta(days=5))
    OrderFactory(job=job, buyer=buyer, state=State.COMPLETED)
    if reason == "requirements":
        order = OrderFactory(job=job, buyer=buyer, state=State.PENDING)
        expected, label = order.created_at, "Ordered"
    elif reason == "review":
        order = OrderFactory(
            job=job, buyer=buyer, state=State.DELIVERED, delivered_at=now - timedelta(days=1)
        )
        expected, label = order.review_ends_at, "Completes by itself"
    else:
        order = OrderFactory(
            job=job, buyer=buyer, state=State.ACTIVE, due_at=now + timedelta(days=1), **ANSWERED
        )
        request = extension_request_create(order=order, actor=job.seller, days=2, reason="More.")
        expected, label = request.expires_at, "Answer by"
    client.force_login(buyer)

    response = client.get(reverse("sales:my_orders"))

    assert response.context["query"].tab == "priority"
    html = response.content.decode()
    assert _strip(html) == {r: int(r == reason) for r in BUYER_REASONS}
    assert _rows(html) == {order.number: [reason]}
    deadline = _deadline(html, order.number, reason)
    assert deadline.startswith(label)
    assert f'datetime="{timezone.localtime(expected).isoformat()}"' in deadline
    # The seller's priorities are not the buyer's.
    client.force_login(job.seller)
    seller_rows = _rows(client.get(reverse("sales:sales"), {"tab": "priority"}).content.decode())
    assert all(reason not in why for why in seller_rows.values())


def test_a_named_tab_is_kept_even_when_priority_has_orders(client, job, now):
    _seller_case("late", job, now)
    client.force_login(job.seller)
    response = client.get(reverse("sales:sales"), {"tab": "completed"})
    assert response.context["query"].tab == "completed"


@pytest.mark.parametrize("flag", ["revision", "<script>", "", "late"])
def test_a_reason_of_the_other_role_or_a_bad_one_falls_back(client, job, now, flag):
    buyer = UserFactory()
    OrderFactory(job=job, buyer=buyer, state=State.PENDING)
    client.force_login(buyer)
    response = client.get(reverse("sales:my_orders"), {"flag": flag})
    assert response.status_code == 200
    assert response.context["query"].flag == ""
    assert response.context["query"].tab == "priority"


def test_the_reasons_are_the_ones_the_counts_use():
    keys = {role: [r.key for r in selectors.reasons_for(role)] for role in ("seller", "buyer")}
    assert keys == {"seller": SELLER_REASONS, "buyer": BUYER_REASONS}


def _walk(client, url, params, key):
    """Every row of a list, page by page through its Next links, then
    page by page back from its Last link: (forward, backward) numbers."""
    forward, cursor = [], None
    while True:
        html = client.get(url, {**params, **({"after": cursor} if cursor else {})}).content.decode()
        forward += list(_rows(html))
        found = re.search(rf"{key}=([\w-]+)\" hx-get", html.split("Next</a>")[0][-400:])
        if "Next</a>" not in html or not found:
            break
        cursor = found.group(1)
    backward = []
    html = client.get(url, {**params, "last": "1"}).content.decode()
    while True:
        backward = list(_rows(html)) + backward
        found = re.search(r"before=([\w-]+)\" hx-get", html.split("Previous</a>")[0][-400:])
        if "Previous</a>" not in html or not found:
            break
        html = client.get(url, {**params, "before": found.group(1)}).content.decode()
    return forward, backward


def test_the_priority_tab_pages_through_every_reason_once_most_urgent_first(
    client, job, now, settings
):
    """The tab reads each reason's page of orders and merges them: walked
    both ways, page by page, every order that needs the seller comes once,
    in the order of its clock (due date, or when it was ordered)."""
    settings.SALES_PAGE_SIZE = 3
    needing = []
    for i in range(4):
        for reason in SELLER_REASONS:
            needing.append(_seller_case(reason, job, now - timedelta(minutes=7 * i)))
    # Two reasons at once: counted once, listed once.
    both = OrderFactory(job=job, state=State.ACTIVE, due_at=now - timedelta(hours=1))
    cancellation_request_create(order=both, actor=both.buyer, reason="Too late for me.")
    needing.append(both)
    OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=9), **ANSWERED)
    expected = [o.number for o in sorted(needing, key=lambda o: (o.due_at or o.created_at, o.pk))]
    client.force_login(job.seller)
    forward, backward = _walk(client, reverse("sales:sales"), {"tab": "priority"}, "after")
    assert forward == expected
    assert backward == expected
    html = client.get(reverse("sales:sales")).content.decode()
    assert f'data-count="priority">{len(expected)}<' in html


def test_the_landing_page_cut_from_the_counts_equals_the_walked_page(
    client, job, now, settings, monkeypatch
):
    """The Priority tab's first page is cut from what the strip counted;
    the same page walked reason by reason (as later pages are) has the same
    rows with the same reasons and deadlines, orders with several reasons
    included."""
    settings.SALES_PAGE_SIZE = 4
    for i in range(3):
        for reason in SELLER_REASONS:
            _seller_case(reason, job, now - timedelta(minutes=5 * i))
        both = OrderFactory(job=job, state=State.ACTIVE, due_at=now - timedelta(hours=2 + i))
        cancellation_request_create(order=both, actor=both.buyer, reason="Too late for me.")
    client.force_login(job.seller)

    def landing():
        html = client.get(reverse("sales:sales")).content.decode()
        rows = _rows(html)
        return rows, {n: _deadline(html, n, why[0]) for n, why in rows.items()}

    cut = landing()
    on_a_tab = client.get(reverse("sales:sales"), {"tab": "completed"}).content.decode()
    assert _strip(on_a_tab) == _strip(client.get(reverse("sales:sales")).content.decode())
    monkeypatch.setattr(selectors, "PRIORITY_COUNT_CAP", 3)  # below the page: walked
    walked = landing()

    assert len(cut[0]) == 4
    assert any(len(why) > 1 for why in cut[0].values())
    assert cut == walked
