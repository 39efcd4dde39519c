"""Support's admin for orders: the list finds any order by what support
knows, at a cost that does not grow with the orders; an order's page says
what is late and what happened, in sentences, with nothing to save; the
admin refuses cleanly."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from demo.management.commands.seed_demo import SUPPORT_PERMISSIONS
from resolution.models import SupportTicket
from sales import admin as sales_admin
from sales import request_services as resolution_services
from sales import services
from sales.models import EventKind, Order, OrderEvent, State
from sales.requests import CancellationRequest
from testing.factories import JobFactory, OrderFactory, SupportFactory, UserFactory
from testing.pages import order_transition_url, page_queries

pytestmark = pytest.mark.django_db

LIST = reverse("admin:sales_order_changelist")
MAX_LIST_QUERIES = 8


@pytest.fixture
def support():
    """Sam Help of the Support group: the admin pages here name who acted."""
    return SupportFactory(username="support_sam", first_name="Sam", last_name="Help")


@pytest.fixture
def bare_staff():
    return UserFactory(username="staff_nobody", is_staff=True)


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _change_url(order):
    return reverse("admin:sales_order_change", args=[order.pk])


def _numbers(response):
    return {o.number for o in response.context["cl"].result_list}


# -- search -----------------------------------------------------------------------


@pytest.fixture
def alice_order():
    alice = UserFactory(
        username="alice_buys", email="Alice.Buys@Example.com", first_name="Alice", last_name="Marsh"
    )
    job = JobFactory(title="I will edit your podcast episode")
    order = OrderFactory(job=job, buyer=alice, state=State.ACTIVE)
    Order.objects.filter(pk=order.pk).update(number="ABC234XYZ9")
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(
    "q",
    [
        "#abc234xyz9",
        "#ABC234XYZ9",
        "abc234xyz9",
        "ABC234XYZ9",
        " #Abc234Xyz9 ",
        "alice_buys",
        "ALICE_BUYS",
        "alice.buys@example.com",
        "Alice.Buys@Example.com",
        "Alice Marsh",
        "marsh",
        "podcast",
        "PODCAST EPISODE",
    ],
)
def test_each_kind_of_search_finds_the_order(client, support, alice_order, q):
    other = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    assert _numbers(response) == {alice_order.number}
    assert other.number not in _numbers(response)


def test_a_seller_is_found_by_username_and_email(client, support, alice_order):
    seller = alice_order.seller
    client.force_login(support)
    for q in (seller.username, seller.email.upper()):
        assert _numbers(client.get(LIST, {"q": q})) == {alice_order.number}


@pytest.mark.parametrize("q", ["#", "#nope", "zz", "nobody_at_all", "#ABC234XYZ", "ABC234XYZ0"])
def test_a_search_for_nothing_finds_nothing(client, support, alice_order, q):
    client.force_login(support)
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    assert _numbers(response) == set()


def test_a_name_that_matches_too_many_people_says_so(client, support, alice_order, monkeypatch):
    monkeypatch.setattr(sales_admin, "PEOPLE_LIMIT", 2)
    for i in range(3):
        UserFactory(username=f"marsh_{i}")
    client.force_login(support)
    response = client.get(LIST, {"q": "marsh"})
    assert response.status_code == 200
    assert "Type more of the name" in response.content.decode()
    # The exact username still finds its orders.
    assert _numbers(client.get(LIST, {"q": "alice_buys"})) == {alice_order.number}


# -- filters ---------------------------------------------------------------------


def test_clock_filters_use_the_one_definition(client, support):
    now = timezone.now()
    soon = OrderFactory(state=State.ACTIVE, due_at=now + timedelta(hours=3))
    late = OrderFactory(state=State.ACTIVE, due_at=now - timedelta(hours=3))
    very_late = OrderFactory(state=State.ACTIVE, due_at=now - timedelta(hours=30))
    OrderFactory(state=State.ACTIVE, due_at=now + timedelta(days=3))
    OrderFactory(state=State.DELIVERED, due_at=now - timedelta(hours=30))
    client.force_login(support)

    assert _numbers(client.get(LIST, {"clock": "due_soon"})) == {soon.number}
    assert _numbers(client.get(LIST, {"clock": "late"})) == {late.number, very_late.number}
    assert _numbers(client.get(LIST, {"clock": "very_late"})) == {very_late.number}
    # The most overdue first.
    late_list = client.get(LIST, {"clock": "late"}).context["cl"].result_list
    assert [o.number for o in late_list] == [very_late.number, late.number]


def test_request_waiting_filters_list_the_longest_waiting_first(client, support):
    extension = OrderFactory(state=State.ACTIVE)
    resolution_services.extension_request_create(
        order=extension, actor=extension.seller, days=2, reason="More time"
    )
    first, second = OrderFactory(state=State.ACTIVE), OrderFactory(state=State.ACTIVE)
    for order in (first, second):
        resolution_services.cancellation_request_create(
            order=order, actor=order.buyer, reason="Plans changed"
        )
    CancellationRequest.objects.filter(order=first).update(
        created_at=timezone.now() - timedelta(hours=30)
    )
    answered = OrderFactory(state=State.ACTIVE)
    request = resolution_services.extension_request_create(
        order=answered, actor=answered.seller, days=2, reason="More time"
    )
    resolution_services.extension_request_decline(request=request, actor=answered.buyer)
    client.force_login(support)

    assert _numbers(client.get(LIST, {"open_request": "extension"})) == {extension.number}
    waiting = client.get(LIST, {"open_request": "cancellation"}).context["cl"].result_list
    assert [o.number for o in waiting] == [first.number, second.number]


def test_canceled_by_filter(client, support):
    by_support = OrderFactory(state=State.ACTIVE)
    services.order_cancel(order=by_support, actor=support, reason="Fraud")
    OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    assert _numbers(client.get(LIST, {"canceled_by": "support"})) == {by_support.number}
    assert _numbers(client.get(LIST, {"canceled_by": "mutual"})) == set()


# -- query counts ------------------------------------------------------------------


def _lists(number, username, email):
    return [
        {},
        {"state__exact": "active"},
        {"clock": "due_soon"},
        {"clock": "late"},
        {"clock": "very_late"},
        {"open_request": "extension"},
        {"open_request": "cancellation"},
        {"canceled_by": "support"},
        {"q": f"#{number.lower()}"},
        {"q": number},
        {"q": username},
        {"q": email},
        {"q": "alice"},
        {"q": "podcast"},
        {"p": "2"},
    ]


def _add_orders(n):
    now = timezone.now()
    for i in range(n):
        OrderFactory(
            state=[State.ACTIVE, State.COMPLETED, State.PENDING][i % 3],
            due_at=now + timedelta(hours=(i % 7) * 10 - 30),
        )


def _list_query_counts(client, order):
    lists = _lists(order.number, order.buyer.username, order.buyer.email)
    return [page_queries(client, LIST, params) for params in lists]


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_the_order_list_costs_the_same_queries_at_any_size(
    client, support, superuser, alice_order, who, settings
):
    client.force_login({"support": support, "superuser": superuser}[who])
    # Each state with each due date, 30 hours late to 30 hours ahead: every
    # clock filter finds orders at both sizes (a list with no match skips
    # its page).
    _add_orders(21)
    small = _list_query_counts(client, alice_order)
    _add_orders(40)
    Order.objects.update(created_at=timezone.now() - timedelta(days=1))
    large = _list_query_counts(client, alice_order)
    assert small == large
    assert max(large) <= MAX_LIST_QUERIES


def test_the_whole_list_is_not_counted_where_postgresql_estimates_it(client, support, monkeypatch):
    monkeypatch.setattr(sales_admin, "_estimated_rows", lambda table: 1_000_000)
    OrderFactory.create_batch(3, state=State.ACTIVE)
    client.force_login(support)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    html = response.content.decode()
    assert "about 1,000,000 orders" in html
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # Pages stop where the newest 1,000 end: no OFFSET deep into the table.
    paginator = response.context["cl"].paginator
    assert paginator.num_pages == paginator.cap // paginator.per_page
    assert client.get(LIST, {"p": "500"}).status_code in (200, 302)


def test_a_filtered_list_counts_up_to_the_cap(client, support, monkeypatch):
    monkeypatch.setattr(sales_admin.OrderListPaginator, "cap", 3)
    OrderFactory.create_batch(5, state=State.ACTIVE)
    client.force_login(support)
    response = client.get(LIST, {"state__exact": "active"})
    assert "more than 3 orders" in response.content.decode()
    # Past the cap a page's ids are read first, in the list's order: two
    # pages of two (one page is read without the paginator).
    OrderFactory.create_batch(2, state=State.ACTIVE)
    monkeypatch.setattr(sales_admin.OrderListPaginator, "cap", 5)
    monkeypatch.setattr(sales_admin.OrderAdmin, "list_per_page", 2)
    newest = list(Order.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    for page in (1, 2):
        cl = client.get(LIST, {"state__exact": "active", "p": page}).context["cl"]
        assert [o.pk for o in cl.result_list] == newest[2 * page - 2 : 2 * page]


@pytest.mark.parametrize(
    "params", [{}, {"clock": "late"}, {"state__exact": "active", "q": "alice"}, {"o": "9"}]
)
def test_the_lists_rows_are_djangos_own(client, support, alice_order, params):
    """The list draws its rows in one pass (LeanChangeList): the same HTML
    Django's change list draws, links back to the filtered list included."""
    from django.contrib.admin.templatetags.admin_list import items_for_result

    _add_orders(21)
    OrderFactory(buyer=alice_order.buyer, state=State.ACTIVE, due_at=timezone.now())
    client.force_login(support)
    cl = client.get(LIST, params).context["cl"]
    assert cl.result_list
    for order, row in zip(cl.result_list, cl.rows, strict=True):
        assert row == ["".join(items_for_result(cl, order, None))]
    if params:
        assert "_changelist_filters=" in cl.rows[0][0]


def test_the_header_marks_the_order_the_rows_are_in(client, support):
    _add_orders(21)
    client.force_login(support)

    def sorted_columns(params):
        html = client.get(LIST, params).content.decode()
        return re.findall(r'<th scope="col" class="sortable column-(\w+) sorted', html)

    assert sorted_columns({}) == ["placed_on"]  # newest first
    # Late orders are listed by due date, which no column sorts.
    assert sorted_columns({"clock": "late"}) == []
    assert sorted_columns({"open_request": "extension"}) == []
    assert sorted_columns({"clock": "late", "o": "-8"}) == ["placed_on"]


@pytest.mark.parametrize(
    "params, ordering",
    [
        ({"state__exact": "active"}, ("-created_at", "-pk")),
        ({"clock": "late"}, ("due_at", "pk")),
        ({"state__exact": "active", "o": "8"}, ("created_at", "-pk")),
    ],
)
def test_pages_cut_from_the_matches_keep_the_lists_order(
    client, support, monkeypatch, params, ordering
):
    """Few enough matches are put in order in Python and read by id: the
    pages hold what the database's own order would put there."""
    monkeypatch.setattr(sales_admin.OrderAdmin, "list_per_page", 4)
    now = timezone.now()
    for i in range(11):
        order = OrderFactory(state=State.ACTIVE, due_at=now - timedelta(hours=i % 4 + 1))
        # Equal dates: the key breaks the tie, as in the database.
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=i % 3))
    client.force_login(support)
    listed = []
    for page in (1, 2, 3):
        cl = client.get(LIST, params | {"p": str(page)}).context["cl"]
        assert cl.paginator.matches is not None
        listed += [o.pk for o in cl.result_list]
    matching = Order.objects.filter(state=State.ACTIVE)
    assert listed == list(matching.order_by(*ordering).values_list("pk", flat=True))


def test_a_search_reads_its_matches_once(client, support, alice_order):
    """A search's matches are read once, up to the cap; the count and the
    page come from those ids, not from the search run again."""
    _add_orders(60)
    client.force_login(support)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, {"q": "podcast"})
    orders = [q["sql"] for q in ctx.captured_queries if 'FROM "sales_order"' in q["sql"]]
    by_title = [sql for sql in orders if '"sales_order"."id" IN (' not in sql]
    assert len(orders) == 2 and len(by_title) == 1, orders
    assert _numbers(response) == {alice_order.number}


def test_the_order_page_costs_the_same_queries_whatever_the_thread(client, support):
    from sales.services import message_send

    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_change_url(order)).status_code == 200
        return len(ctx.captured_queries)

    message_send(order=order, sender=order.buyer, body="Hello")
    count()  # caches (content types) warm
    one = count()
    for i in range(sales_admin.NEWEST_MESSAGES + 10):
        message_send(order=order, sender=order.seller, body=f"Update {i}")
    assert count() == one


# -- an order's page -----------------------------------------------------------------


def test_the_page_shows_the_newest_messages_and_links_to_the_rest(client, support):
    from sales.services import message_send

    order = OrderFactory(state=State.ACTIVE)
    for i in range(sales_admin.NEWEST_MESSAGES + 5):
        message_send(order=order, sender=order.seller, body=f"Note number {i:03d}")
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    newest = sales_admin.NEWEST_MESSAGES
    assert "Note number 004" not in html
    assert "Note number 005" in html and f"Note number {newest + 4:03d}" in html
    rest = f"{reverse('admin:messaging_message_changelist')}?order__id__exact={order.pk}"
    assert rest in html
    listing = client.get(rest)
    assert listing.status_code == 200
    assert "Note number 000" in listing.content.decode()


def test_the_page_says_what_is_late_and_what_waits(client, support):
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=30))
    resolution_services.cancellation_request_create(
        order=order, actor=order.buyer, reason="Too slow"
    )
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    assert "Late by 1d 6h" in html or "Late by 1d 5h" in html
    assert "Very late: the buyer may cancel alone." in html
    assert "Cancellation request by" in html
    assert "The seller has not written to the buyer yet." in html


def test_events_read_as_sentences(client, support):
    order = OrderFactory(state=State.DELIVERED, due_at=timezone.now() + timedelta(days=1))
    services.order_request_revision(order=order, actor=order.buyer, message="Bigger letters")
    order.refresh_from_db()
    services.order_cancel(order=order, actor=support, reason="Buyer's card was stolen")
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    assert "Revision requested: Bigger letters" in html
    assert "Canceled (Customer Support): Buyer&#x27;s card was stolen" in html
    assert "Sam Help (support)" in html
    assert "Delivered → Active" in html
    assert "&quot;reason&quot;" not in html and '"reason":' not in html  # no raw JSON


def test_a_moved_due_date_reads_from_and_to(client, support):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = resolution_services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="Sick"
    )
    resolution_services.extension_request_approve(request=request, actor=order.buyer)
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    assert "Due date moved from " in html and " (extension approved)" in html
    assert "Extension of 2 days approved" in html
    assert "Extension of 2 days requested: Sick" in html
    assert before is not None


def test_requirements_read_as_questions_and_answers_without_help_text(client, support):
    order = OrderFactory(
        state=State.ACTIVE,
        requirements=[{"question": "What is your brand?", "answer": "Blue Fox Bakery"}],
    )
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    assert "What is your brand?" in html and "Blue Fox Bakery" in html
    assert "[{question, answer}]" not in html
    assert "The buyer&#x27;s answers" not in html


def test_no_save_or_delete_buttons_and_the_cancel_button_is_a_link(client, support):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    for button in ('name="_save"', 'name="_continue"', 'name="_addanother"', "deletelink"):
        assert button not in html
    assert f'href="{order_transition_url(order)}"' in html
    assert "Cancel order" in html


def test_the_cancel_form_is_clean(client, support):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    response = client.get(order_transition_url(order), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "None" not in html.split('id="content"')[1]
    assert 'value="Apply"' not in html
    assert 'value="Cancel order"' in html
    assert "Both the buyer and the seller see this reason." in html
    assert "Back to the order" in html


def test_the_page_links_to_the_tickets_about_the_order(client, support):
    order = OrderFactory(state=State.ACTIVE)
    ticket = SupportTicket.objects.create(user=order.buyer, order=order, subject="Seller is silent")
    SupportTicket.objects.create(user=order.buyer, subject="About something else")
    client.force_login(support)
    html = client.get(_change_url(order)).content.decode()
    assert reverse("admin:resolution_supportticket_change", args=[ticket.pk]) in html
    assert "Seller is silent" in html
    assert "About something else" not in html


# -- refusing cleanly -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "bare_staff", "superuser"])
@pytest.mark.parametrize(
    "name", ["save", "delete", "clean", "bogus", "submit_requirements", "deliver"]
)
def test_a_name_that_is_not_an_admin_transition_is_404(client, request, who, name):
    user = request.getfixturevalue(who)
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(user)
    assert client.get(order_transition_url(order, name)).status_code == 404
    assert client.post(order_transition_url(order, name), {"reason": "x"}).status_code == 404
    response = client.post(_change_url(order), {"_fsm_transition_to": name})
    assert response.status_code in (403, 404)
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_a_transition_on_an_unknown_order_is_404(client, superuser):
    client.force_login(superuser)
    for object_id in ("999999", "not-a-number"):
        url = reverse("admin:sales_order_transition", args=[object_id, "cancel"])
        assert client.get(url).status_code == 404


def test_permissions_come_before_the_redirect(client, bare_staff):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(bare_staff)
    response = client.get(order_transition_url(order))
    assert response.status_code == 404  # not a redirect to ?seen=


def test_view_only_staff_are_told_they_cannot_cancel(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_order"))
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(viewer)
    response = client.get(order_transition_url(order))
    assert response.status_code == 302
    assert response["Location"] == _change_url(order)
    client.post(order_transition_url(order), {"reason": "Nope"})
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_the_cancel_form_of_a_completed_order_says_so(client, support):
    order = OrderFactory(state=State.COMPLETED)
    client.force_login(support)
    response = client.get(order_transition_url(order), follow=True)
    assert "it can&#x27;t be canceled any more" in response.content.decode()


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_a_post_that_tries_to_change_a_field_changes_nothing(client, request, who):
    user = request.getfixturevalue(who)
    order = OrderFactory(state=State.ACTIVE)
    before = Order.objects.filter(pk=order.pk).values().get()
    client.force_login(user)
    response = client.post(
        _change_url(order),
        {
            "state": State.COMPLETED,
            "price": "1.00",
            "title": "Changed",
            "due_at_0": "2000-01-01",
            "due_at_1": "00:00:00",
            "cancel_reason": "sneaky",
            "buyer": user.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert not OrderEvent.objects.filter(order=order).exists()
    # An older page's Cancel button (a POST) is sent to the cancel form.
    response = client.post(_change_url(order), {"_fsm_transition_to": "cancel"})
    assert response["Location"] == order_transition_url(order)
    assert Order.objects.filter(pk=order.pk).values().get() == before


def _order_urls(order):
    return [
        LIST,
        f"{LIST}?q=%23{order.number}",
        f"{LIST}?clock=late",
        f"{LIST}?clock=bogus",
        f"{LIST}?open_request=cancellation",
        f"{LIST}?open_request=any",
        f"{LIST}?canceled_by=support",
        f"{LIST}?state__exact=nope",
        f"{LIST}?o=3",
        f"{LIST}?p=999",
        f"{LIST}?_facets=1",
        f"{LIST}?all=",
        reverse("admin:sales_order_add"),
        _change_url(order),
        reverse("admin:sales_order_history", args=[order.pk]),
        reverse("admin:sales_order_delete", args=[order.pk]),
        order_transition_url(order),
        f"{order_transition_url(order)}?seen=active",
        order_transition_url(order, "bogus"),
        reverse("admin:sales_order_attachment", args=[order.pk, 999999]),
        reverse("admin:sales_order_change", args=["999999"]),
        reverse("admin:sales_orderevent_changelist"),
        reverse("admin:messaging_message_changelist") + f"?order__id__exact={order.pk}",
    ]


@pytest.mark.parametrize("who", ["support", "bare_staff", "superuser"])
def test_no_admin_url_of_an_order_is_a_server_error(client, request, who):
    user = request.getfixturevalue(who)
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(user)
    for url in _order_urls(order):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code < 500, (method.__name__, url, response.status_code)
    order.refresh_from_db()
    assert order.state == State.ACTIVE


# -- Jobs: read-only to support --------------------------------------------------------


def test_support_can_read_a_job_but_not_change_it(client, support):
    job = JobFactory(title="Logo design")
    client.force_login(support)
    url = reverse("admin:jobs_job_change", args=[job.pk])
    html = client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert 'name="_save"' not in html
    response = client.post(url, {"title": "Hijacked", "price": "1.00", "seller": support.pk})
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.title == "Logo design" and job.seller != support


def test_the_support_group_only_views_jobs():
    assert "change_job" not in SUPPORT_PERMISSIONS
    assert "view_job" in SUPPORT_PERMISSIONS


def test_seed_demo_takes_change_job_from_an_older_support_group():
    from demo.management.commands.seed_demo import Command

    group = Group.objects.create(name="Support")
    group.permissions.set(Permission.objects.filter(codename__in=["view_job", "change_job"]))
    Command()._users()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "change_job" not in codenames and "view_job" in codenames


def test_events_of_support_opening_files_name_the_file():
    order = OrderFactory(state=State.ACTIVE)
    event = OrderEvent.objects.create(
        order=order, kind=EventKind.ATTACHMENT_OPENED, data={"name": "logo.png"}
    )
    assert sales_admin.event_sentence(event) == "Attachment “logo.png” opened by support"
