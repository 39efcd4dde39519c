"""The Sales page and My orders: tabs, counts, the priority strip, search,
sorting, paging, and the number of queries they cost."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.pages import page_queries

pytestmark = pytest.mark.django_db

MIX = {State.PENDING: 2, State.ACTIVE: 3, State.DELIVERED: 1, State.COMPLETED: 4, State.CANCELED: 2}


@pytest.fixture
def seller_with_orders():
    job = JobFactory()
    orders = {
        state: [OrderFactory(job=job, state=state) for _ in range(n)] for state, n in MIX.items()
    }
    # Another seller's orders must never show.
    for state in MIX:
        OrderFactory(state=state)
    return job.seller, orders


def _numbers(response):
    return {o.number for o in response.context["page"].object_list}


@pytest.mark.parametrize("tab", list(MIX))
def test_each_tab_lists_exactly_its_orders(client, seller_with_orders, tab):
    seller, orders = seller_with_orders
    client.force_login(seller)

    response = client.get(reverse("sales:sales"), {"tab": tab})

    assert _numbers(response) == {o.number for o in orders[tab]}
    assert response.context["counts"][tab] == MIX[tab]
    html = response.content.decode()
    for state, n in MIX.items():
        assert f'data-count="{state}">{n}</span>' in html


def test_seller_never_sees_another_sellers_orders(client, seller_with_orders):
    seller, _ = seller_with_orders
    stranger_order = OrderFactory(state=State.ACTIVE)
    client.force_login(seller)
    for tab in MIX:
        html = client.get(reverse("sales:sales"), {"tab": tab}).content.decode()
        assert stranger_order.number not in html
    found = client.get(reverse("sales:sales"), {"tab": "active", "q": stranger_order.number})
    assert _numbers(found) == set()


def test_tabs_show_the_seeds_descriptions(client, seller_with_orders):
    client.force_login(seller_with_orders[0])
    html = client.get(reverse("sales:sales"), {"tab": "delivered"}).content.decode()
    assert "Orders you&#x27;ve delivered but that are not yet marked as completed" in html
    html = client.get(reverse("sales:sales"), {"tab": "canceled"}).content.decode()
    assert "mutual cancellation or Customer Support cancellation" in html


def test_priority_strip_counts_late_due_soon_and_new(client, settings):
    settings.DUE_SOON_HOURS = 24
    job = JobFactory()
    now = timezone.now()
    answered = {"seller_first_message_at": now - timedelta(days=1)}
    late = OrderFactory(job=job, state=State.ACTIVE, due_at=now - timedelta(hours=2), **answered)
    soon = OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(hours=5), **answered)
    OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=3), **answered)
    OrderFactory(job=job, state=State.PENDING, **answered)
    OrderFactory(job=job, state=State.COMPLETED)  # finished: never "not answered"
    new = OrderFactory(job=job, state=State.PENDING)
    client.force_login(job.seller)

    response = client.get(reverse("sales:sales"))
    counts = response.context["counts"]
    assert (counts["late"], counts["due_soon"], counts["new"]) == (1, 1, 1)

    for flag, order in [("late", late), ("due_soon", soon), ("new", new)]:
        response = client.get(reverse("sales:sales"), {"flag": flag})
        assert _numbers(response) == {order.number}


def test_search_by_buyer_job_and_number(client):
    job = JobFactory(title="I will paint your portrait")
    alice = UserFactory(username="alice_w")
    a = OrderFactory(job=job, buyer=alice, state=State.ACTIVE)
    b = OrderFactory(
        job=JobFactory(seller=job.seller, title="I will mix your song"), state=State.ACTIVE
    )
    client.force_login(job.seller)
    url = reverse("sales:sales")

    assert _numbers(client.get(url, {"q": "ALICE"})) == {a.number}
    assert _numbers(client.get(url, {"q": "song"})) == {b.number}
    assert _numbers(client.get(url, {"q": f"#{b.number.lower()}"})) == {b.number}
    response = client.get(url, {"q": "nothing-like-this"})
    assert _numbers(response) == set()
    assert "No orders match “nothing-like-this”" in response.content.decode()


def test_search_finds_orders_in_every_state_each_with_its_state(client):
    job = JobFactory(title="I will paint your portrait")
    alice = UserFactory(username="alice_w", first_name="Alice", last_name="Walker")
    by_state = {state: OrderFactory(job=job, buyer=alice, state=state) for state in MIX}
    other = OrderFactory(job=job, state=State.ACTIVE)  # another buyer
    client.force_login(job.seller)

    for text in ("walker", "Alice W", "alice walker portrait", "alice_w"):
        response = client.get(reverse("sales:sales"), {"tab": "completed", "q": text})
        assert _numbers(response) == {o.number for o in by_state.values()}
    response = client.get(reverse("sales:sales"), {"q": "alice song"})
    assert _numbers(response) == set()  # every word must match
    response = client.get(reverse("sales:sales"), {"tab": "completed", "q": "alice_w"})
    html = response.content.decode()
    for state, order in by_state.items():
        row = re.search(rf'<tr class="order-row" data-order="{order.number}">.*?</tr>', html, re.S)
        assert f">{state.label}</span>" in row.group()
    assert other.number not in html
    # The search form keeps each parameter once, and pages carry no tab.
    assert 'name="tab"' not in html
    assert response.context["query"].base == "q=alice_w&sort=newest"


def test_sort_by_due_date_and_by_newest(client):
    job = JobFactory()
    now = timezone.now()
    first_due = OrderFactory(
        job=job,
        state=State.ACTIVE,
        due_at=now + timedelta(days=1),
        created_at=now - timedelta(days=5),
    )
    newest = OrderFactory(
        job=job,
        state=State.ACTIVE,
        due_at=now + timedelta(days=4),
        created_at=now - timedelta(hours=1),
    )
    client.force_login(job.seller)
    url = reverse("sales:sales")

    by_due = client.get(url, {"tab": "active", "sort": "due"}).context["page"].object_list
    assert [o.number for o in by_due] == [first_due.number, newest.number]
    by_new = client.get(url, {"tab": "active", "sort": "newest"}).context["page"].object_list
    assert [o.number for o in by_new] == [newest.number, first_due.number]


def _cursor_links(html):
    return {
        name: link.replace("&amp;", "&")
        for link, name in re.findall(r'<a class="page-link" href="([^"]+)"[^>]*>(\w+)</a>', html)
    }


@pytest.mark.parametrize("sort", ["newest", "due"])
def test_pages_walk_the_whole_tab_forward_and_back(client, settings, sort):
    settings.SALES_PAGE_SIZE = 2
    job = JobFactory()
    now = timezone.now()
    # Two share a timestamp, so the tie-break by id is exercised.
    orders = [
        OrderFactory(
            job=job,
            state=State.DELIVERED,
            created_at=now - timedelta(hours=i // 2 * 2),
            due_at=now + timedelta(hours=i // 2 * 2),
        )
        for i in range(5)
    ]
    client.force_login(job.seller)
    url = reverse("sales:sales")

    seen, params = [], {"tab": "delivered", "sort": sort}
    response = client.get(url, params)
    while True:
        assert response.context["page"].total == 5
        seen += [o.number for o in response.context["page"].object_list]
        links = _cursor_links(response.content.decode())
        if "Next" not in links:
            break
        response = client.get(url + links["Next"])
    assert sorted(seen) == sorted(o.number for o in orders) and len(seen) == 5

    # Pages are cut at keys: the last page is the last two, the one before it
    # the two before those.
    last = client.get(url, {**params, "last": "1"})
    assert [o.number for o in last.context["page"].object_list] == seen[-2:]
    assert "Next" not in _cursor_links(last.content.decode())
    back = client.get(url + _cursor_links(last.content.decode())["Previous"])
    assert [o.number for o in back.context["page"].object_list] == seen[1:3]
    first = _cursor_links(back.content.decode())["First"]
    assert [o.number for o in client.get(url + first).context["page"].object_list] == seen[:2]


def test_a_forged_cursor_shows_the_first_page(client, seller_with_orders):
    client.force_login(seller_with_orders[0])
    for bad in ("not-a-cursor", "MjAyMC0wMS0wMQ", "%00%01", "x" * 500):
        response = client.get(reverse("sales:sales"), {"tab": "completed", "after": bad})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == MIX[State.COMPLETED]


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "bogus"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"sort": "drop table"},
        {"flag": "<script>"},
        {"q": "x" * 5000},
    ],
)
def test_bad_query_parameters_fall_back_to_defaults(client, seller_with_orders, params):
    client.force_login(seller_with_orders[0])
    response = client.get(reverse("sales:sales"), params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1].split("</main>")[
        0
    ].replace("<script src", "")


def test_htmx_request_gets_only_the_panel(client, seller_with_orders):
    client.force_login(seller_with_orders[0])
    response = client.get(reverse("sales:sales"), {"tab": "completed"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="order-panel">')
    assert "<nav" not in html.split('<div id="order-panel">')[0]
    assert "HX-Request" in response["Vary"]


def test_rows_link_to_their_order(client, seller_with_orders):
    seller, orders = seller_with_orders
    client.force_login(seller)
    html = client.get(reverse("sales:sales"), {"tab": "active"}).content.decode()
    for order in orders[State.ACTIVE]:
        assert f'href="/orders/{order.number}/"' in html


def test_rows_show_the_other_party_and_the_due_date_in_the_viewers_time_zone(client):
    seller = UserFactory(username="sam_seller", first_name="Sam", timezone="Asia/Tokyo")
    buyer = UserFactory(username="bea_buyer", timezone="America/New_York")  # no name given
    due = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
    OrderFactory(job=JobFactory(seller=seller), buyer=buyer, state=State.ACTIVE, due_at=due)

    def row(user, name):
        client.force_login(user)
        html = client.get(reverse(name), {"tab": "active"}).content.decode()
        return re.search(r'<tr class="order-row".*?</tr>', html, re.S).group()

    seen_by_seller = row(seller, "sales:sales")
    assert '<span class="person-name">bea_buyer</span>' in seen_by_seller
    assert (
        '<time datetime="2030-01-15T21:00:00+09:00" title="Tue 15 Jan 2030, 21:00 JST">'
        "15 Jan 2030, 21:00</time>"
    ) in seen_by_seller
    seen_by_buyer = row(buyer, "sales:my_orders")
    assert '<span class="person-name">Sam</span>' in seen_by_buyer
    assert '<span class="avatar avatar-sm avatar-c' in seen_by_buyer
    assert (
        '<time datetime="2030-01-15T07:00:00-05:00" title="Tue 15 Jan 2030, 07:00 EST">'
        "15 Jan 2030, 07:00</time>"
    ) in seen_by_buyer


def test_anonymous_is_sent_to_log_in(client):
    for name in ("sales:sales", "sales:my_orders"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_my_orders_lists_the_buyers_orders_by_tab(client):
    buyer = UserFactory()
    mine = {state: OrderFactory(buyer=buyer, state=state) for state in MIX}
    OrderFactory(state=State.ACTIVE)  # someone else's
    client.force_login(buyer)
    for state, order in mine.items():
        response = client.get(reverse("sales:my_orders"), {"tab": state})
        assert _numbers(response) == {order.number}
        assert response.context["counts"][state] == 1


@pytest.mark.parametrize("name", ["sales:sales", "sales:my_orders"])
@pytest.mark.parametrize(
    "params",
    [{"tab": "active"}, {"tab": "completed", "page": "2"}, {"flag": "late"}, {"q": "user"}],
)
def test_query_count_does_not_grow_with_orders(client, name, params):
    seller, buyer = UserFactory(), UserFactory()
    job = JobFactory(seller=seller)
    late = timezone.now() - timedelta(hours=1)
    # Every batch of three has a late active order, a pending and a completed one,
    # so each page asked for has rows at both sizes.
    cycle = [(State.ACTIVE, late), (State.PENDING, None), (State.COMPLETED, None)]

    def add(n):
        for i in range(n):
            state, due = cycle[i % 3]
            OrderFactory(job=job, buyer=buyer, state=state, due_at=due)

    client.force_login(seller if name == "sales:sales" else buyer)
    url = reverse(name)
    add(3)
    small = page_queries(client, url, params)
    add(297)
    large = page_queries(client, url, params)
    assert small == large
    # session, user, the tab counts (and on the seller's page the questions
    # before ordering waiting for an answer, in the same query), the
    # priority counts, the page of rows (unread and open requests are
    # subqueries), the unread-notification badge; a seller's search first
    # looks up the people and the Jobs its words name. (The figures and
    # chart are on the Numbers page.)
    assert large == 6 + (2 if name == "sales:sales" and "q" in params else 0)


COLUMNS = {
    "active": ["Due", "Time left"],
    "pending": ["Waiting for requirements since"],
    "delivered": ["Delivered on", "Completes by itself on"],
    "completed": ["Completed on"],
    "canceled": ["Canceled on", "By", "Counts against you?"],
}


@pytest.mark.parametrize("tab", list(COLUMNS))
def test_each_tab_shows_the_columns_that_matter_in_it(client, seller_with_orders, tab):
    seller, _ = seller_with_orders
    client.force_login(seller)
    html = client.get(reverse("sales:sales"), {"tab": tab}).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    shown = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', header)
    assert shown == ["Order", "Buyer", "Job", "Price", *COLUMNS[tab]]


def test_rows_say_when_a_delivery_completes_and_who_canceled(client):
    job = JobFactory()
    delivered_at = datetime(2030, 3, 1, 9, 30, tzinfo=UTC)
    delivered = OrderFactory(job=job, state=State.DELIVERED, delivered_at=delivered_at)
    faulty = OrderFactory(
        job=job,
        state=State.CANCELED,
        canceled_at=delivered_at,
        canceled_by="buyer_late",
        seller_at_fault=True,
    )
    client.force_login(job.seller)

    html = client.get(reverse("sales:sales"), {"tab": "delivered"}).content.decode()
    row = re.search(rf'data-order="{delivered.number}">.*?</tr>', html, re.S).group()
    assert '<td data-label="Completes on"><time datetime="2030-03-04T09:30:00+00:00"' in row
    html = client.get(reverse("sales:sales"), {"tab": "canceled"}).content.decode()
    row = re.search(rf'data-order="{faulty.number}">.*?</tr>', html, re.S).group()
    assert "Buyer, order very late" in row
    assert 'data-fault="yes"' in row
    # The buyer is not shown the seller's record.
    client.force_login(faulty.buyer)
    html = client.get(reverse("sales:my_orders"), {"tab": "canceled"}).content.decode()
    assert "data-fault" not in html
    assert "Counts against you?" not in html


def test_a_new_seller_is_pointed_at_the_next_step(client):
    seller = UserFactory()
    client.force_login(seller)
    html = client.get(reverse("sales:sales")).content.decode()
    assert "Create your first Job" in html
    JobFactory(seller=seller)
    html = client.get(reverse("sales:sales")).content.decode()
    assert "Create your first Job" not in html
    assert "See your Jobs" in html
    client.force_login(UserFactory())
    assert "Browse Jobs" in client.get(reverse("sales:my_orders")).content.decode()


def test_a_vague_search_still_finds_everything(client, settings, monkeypatch):
    """Past SEARCH_IDS_LIMIT people named by a word, the search reads the
    seller's orders instead: slower, never incomplete."""
    from sales import selectors

    monkeypatch.setattr(selectors, "SEARCH_IDS_LIMIT", 2)
    job = JobFactory(title="Logo design")
    buyers = [UserFactory(first_name="Anna") for _ in range(4)]
    orders = {OrderFactory(job=job, buyer=b, state=State.ACTIVE).number for b in buyers}
    OrderFactory(job=job, state=State.ACTIVE)  # a buyer not named Anna
    client.force_login(job.seller)
    assert _numbers(client.get(reverse("sales:sales"), {"q": "anna"})) == orders
    assert _numbers(client.get(reverse("sales:sales"), {"q": "anna logo"})) == orders


def test_a_word_of_one_or_two_letters_is_a_whole_name_or_a_part_of_a_title(client):
    job = JobFactory(title="Logo design")
    al = OrderFactory(job=job, buyer=UserFactory(first_name="Al"), state=State.ACTIVE)
    OrderFactory(job=job, buyer=UserFactory(first_name="Alice"), state=State.ACTIVE)
    song = OrderFactory(
        job=JobFactory(seller=job.seller, title="I will mix a song"), state=State.ACTIVE
    )
    client.force_login(job.seller)
    url = reverse("sales:sales")

    assert _numbers(client.get(url, {"q": "al"})) == {al.number}
    assert _numbers(client.get(url, {"q": "AL logo"})) == {al.number}
    assert _numbers(client.get(url, {"q": "a song"})) == {song.number}
    assert _numbers(client.get(url, {"q": "mix a song"})) == {song.number}
    assert _numbers(client.get(url, {"q": "mix logo"})) == set()  # every word must match

    # A buyer's search reads words the same way: "al" is Al, not Alice.
    buyer = UserFactory()
    by_al = OrderFactory(buyer=buyer, job=JobFactory(seller__first_name="Al"), state=State.ACTIVE)
    OrderFactory(buyer=buyer, job=JobFactory(seller__first_name="Alice"), state=State.ACTIVE)
    client.force_login(buyer)
    assert _numbers(client.get(reverse("sales:my_orders"), {"q": "al"})) == {by_al.number}


def test_a_search_never_shows_another_sellers_orders_of_the_same_buyer(client):
    buyer = UserFactory(username="shared_buyer")
    mine = OrderFactory(buyer=buyer, state=State.COMPLETED)
    theirs = OrderFactory(buyer=buyer, state=State.COMPLETED)
    client.force_login(mine.seller)
    for q in ("shared_buyer", "shared", theirs.title.split()[-1], f"#{theirs.number}"):
        assert theirs.number not in _numbers(client.get(reverse("sales:sales"), {"q": q}))
    assert _numbers(client.get(reverse("sales:sales"), {"q": "shared"})) == {mine.number}
