"""Notifications that clear themselves: opening an order, or acting on it,
marks the viewer's notices about that order read; the list groups notices
by order and still pages; "Mark all as read" clears everything."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from messaging.outbox import notify
from resolution import tickets as resolution_tickets
from sales import request_services as resolution
from sales import services as sales
from sales.models import State
from sales.services import message_send
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _badge(html):
    """The unread count the menu shows (0 when there is no badge)."""
    match = re.search(r"data-unread-notifications>(\d+)<", html)
    return int(match.group(1)) if match else 0


def _badge_now(client):
    return _badge(client.get(reverse("home")).content.decode())


def _unread(user, order=None):
    qs = Notification.objects.filter(recipient=user, read_at=None)
    return qs.filter(order=order).count() if order is not None else qs.count()


def _another_order(user, role):
    """An order elsewhere on which ``user`` has the same role, with a notice
    for them from the other party."""
    if role == "seller":
        other = OrderFactory(job=JobFactory(seller=user), state=State.ACTIVE)
        message_send(order=other, sender=other.buyer, body="A question elsewhere.")
    else:
        other = OrderFactory(buyer=user, state=State.ACTIVE)
        message_send(order=other, sender=other.seller, body="A question elsewhere.")
    return other


def _scene(order, actor):
    """Unread notices for the actor on ``order`` and on another order, and
    one for the other party on ``order``. Returns the other order."""
    party = order.other_party(actor)
    message_send(order=order, sender=party, body="Any news?")
    message_send(order=order, sender=actor, body="Working on it.")
    elsewhere = _another_order(actor, order.role_of(actor))
    assert _unread(actor, order) >= 1 and _unread(party, order) >= 1
    return elsewhere


def _assert_cleared_for(actor, order, elsewhere, party_unread_before):
    party = order.other_party(actor)
    assert _unread(actor, order) == 0
    assert _unread(actor, elsewhere) == 1
    # The other party's notices stay (plus any the action sent them).
    assert _unread(party, order) >= party_unread_before


# -- opening the order ------------------------------------------------------------


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_opening_the_order_clears_its_notices_for_the_viewer_only(client, role):
    order = OrderFactory(state=State.ACTIVE)
    viewer = getattr(order, role)
    party = order.other_party(viewer)
    elsewhere = _scene(order, viewer)
    notify(
        recipients=[viewer],
        kind=NotificationKind.LATE,
        key="late:test",
        order=order,
        text=f"Order #{order.number} is late.",
    )
    party_before = _unread(party, order)
    client.force_login(viewer)
    assert _badge_now(client) == 3

    html = client.get(order.get_absolute_url()).content.decode()

    assert _badge(html) == 1  # the page just opened already counts them read
    _assert_cleared_for(viewer, order, elsewhere, party_before)
    assert _unread(party, order) == party_before


def test_polling_the_open_order_clears_what_arrives_meanwhile(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    client.get(order.get_absolute_url())
    message_send(order=order, sender=order.buyer, body="One more thing.")
    assert _unread(order.seller, order) == 1

    response = client.get(reverse("sales:order_live", args=[order.number]), {"v": "old"})

    assert response.status_code == 200
    assert _unread(order.seller, order) == 0


def test_stranger_opening_another_order_gets_404_and_clears_nothing(client):
    order = OrderFactory(state=State.ACTIVE)
    _scene(order, order.seller)
    stranger = UserFactory()
    _another_order(stranger, "buyer")
    before = list(Notification.objects.order_by("pk").values_list("pk", "read_at"))
    client.force_login(stranger)

    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(reverse("sales:order_live", args=[order.number])).status_code == 404

    assert list(Notification.objects.order_by("pk").values_list("pk", "read_at")) == before
    assert _badge_now(client) == 1


def test_opening_the_order_leaves_a_ticket_answer_about_it_unread(client):
    # The answer is read on the ticket's page, which the order page doesn't show.
    order = OrderFactory(state=State.ACTIVE)
    ticket = resolution_tickets.ticket_create(
        user=order.buyer, subject="Refund?", body="Can I get a refund?", order=order
    )
    resolution_tickets.ticket_reply(ticket=ticket, author=UserFactory(is_staff=True), body="Yes.")
    client.force_login(order.buyer)

    assert _badge(client.get(order.get_absolute_url()).content.decode()) == 1
    assert Notification.objects.get(recipient=order.buyer).kind == NotificationKind.TICKET_ANSWERED


def test_opening_the_order_costs_the_same_queries_however_many_notices(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(order.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    message_send(order=order, sender=order.buyer, body="Hello")
    one = queries()
    for i in range(20):
        message_send(order=order, sender=order.buyer, body=f"Note {i}")
    assert queries() == one
    assert _unread(order.seller) == 0


# -- acting on the order ------------------------------------------------------------


def _act(client, actor, url, data=None):
    """Post as ``actor`` without following to the order page (which would
    clear the notices itself), then read the badge on another page."""
    client.force_login(actor)
    response = client.post(url, data or {})
    assert response.status_code == 302
    return _badge_now(client)


@pytest.mark.parametrize(
    "answer,role",
    [("approve", "buyer"), ("decline", "buyer"), ("withdraw", "seller")],
)
def test_answering_an_extension_request_clears_the_actors_notices(client, answer, role):
    order = OrderFactory(state=State.ACTIVE)
    actor = getattr(order, role)
    request = resolution.extension_request_create(
        order=order, actor=order.seller, days=2, reason="The files came late."
    )
    elsewhere = _scene(order, actor)
    party_before = _unread(order.other_party(actor), order)
    url = reverse("resolution:extension_answer", args=[order.number, request.pk, answer])

    assert _act(client, actor, url) == 1

    request.refresh_from_db()
    assert request.state != "open"
    _assert_cleared_for(actor, order, elsewhere, party_before)


@pytest.mark.parametrize(
    "answer,requester,actor_role",
    [
        ("accept", "seller", "buyer"),
        ("accept", "buyer", "seller"),
        ("decline", "seller", "buyer"),
        ("decline", "buyer", "seller"),
        ("withdraw", "seller", "seller"),
        ("withdraw", "buyer", "buyer"),
    ],
)
def test_answering_a_cancellation_request_clears_the_actors_notices(
    client, answer, requester, actor_role
):
    order = OrderFactory(state=State.ACTIVE)
    actor = getattr(order, actor_role)
    request = resolution.cancellation_request_create(
        order=order, actor=getattr(order, requester), reason="We agreed to stop."
    )
    elsewhere = _scene(order, actor)
    party_before = _unread(order.other_party(actor), order)
    url = reverse("resolution:cancellation_answer", args=[order.number, request.pk, answer])

    assert _act(client, actor, url) == 1

    request.refresh_from_db()
    assert request.state != "open"
    _assert_cleared_for(actor, order, elsewhere, party_before)


def test_accepting_a_delivery_clears_the_buyers_notices(client):
    order = OrderFactory(state=State.ACTIVE)
    elsewhere = _scene(order, order.buyer)
    sales.order_deliver(order=order, actor=order.seller, message="Here it is.")
    party_before = _unread(order.seller, order)

    # What is left: the notice elsewhere, and the invitation to review
    # this order, which waits until the buyer opens it.
    assert _act(client, order.buyer, reverse("sales:order_accept", args=[order.number])) == 2

    order.refresh_from_db()
    assert order.state == State.COMPLETED
    unread = Notification.objects.filter(recipient=order.buyer, order=order, read_at=None)
    assert list(unread.values_list("kind", flat=True)) == [NotificationKind.REVIEW_INVITED]
    assert _unread(order.buyer, elsewhere) == 1
    # The seller is told, and invited to review: both wait for them.
    assert _unread(order.seller, order) == party_before + 2


def test_asking_for_a_revision_clears_the_buyers_notices(client):
    order = OrderFactory(state=State.ACTIVE)
    elsewhere = _scene(order, order.buyer)
    sales.order_deliver(order=order, actor=order.seller, message="Here it is.")
    party_before = _unread(order.seller, order)
    url = reverse("sales:order_request_revision", args=[order.number])

    assert _act(client, order.buyer, url, {"message": "Bigger logo, please."}) == 1

    order.refresh_from_db()
    assert order.state == State.ACTIVE
    _assert_cleared_for(order.buyer, order, elsewhere, party_before)


def test_submitting_requirements_clears_the_buyers_notices(client):
    order = OrderFactory(state=State.PENDING)
    elsewhere = _scene(order, order.buyer)
    party_before = _unread(order.seller, order)
    url = reverse("sales:order_submit_requirements", args=[order.number])

    assert _act(client, order.buyer, url, {"answer_0": "A blue logo."}) == 1

    order.refresh_from_db()
    assert order.state == State.ACTIVE
    _assert_cleared_for(order.buyer, order, elsewhere, party_before)


def test_a_refused_answer_clears_nothing(client):
    order = OrderFactory(state=State.ACTIVE)
    request = resolution.extension_request_create(
        order=order, actor=order.seller, days=2, reason="The files came late."
    )
    _scene(order, order.seller)
    before = _unread(order.seller, order)
    url = reverse("resolution:extension_answer", args=[order.number, request.pk, "approve"])

    assert _act(client, order.seller, url) == before + 1  # only the buyer may approve

    assert _unread(order.seller, order) == before


def test_the_page_after_an_answer_shows_the_badge_without_them(client):
    order = OrderFactory(state=State.ACTIVE)
    request = resolution.extension_request_create(
        order=order, actor=order.seller, days=2, reason="The files came late."
    )
    _another_order(order.buyer, "buyer")
    client.force_login(order.buyer)
    assert _badge_now(client) == 2
    url = reverse("resolution:extension_answer", args=[order.number, request.pk, "approve"])

    response = client.post(url, follow=True)

    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert _badge(response.content.decode()) == 1


# -- the list -----------------------------------------------------------------------


def _notice(user, text, *, order=None, minutes_ago=0):
    notify(
        recipients=[user],
        kind=NotificationKind.MESSAGE,
        key=text,
        text=text,
        order=order,
        url="" if order else "/support/",
    )
    Notification.objects.filter(recipient=user, key=text).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def _sections(html):
    """[(group, its html)] in the order the page shows them."""
    return re.findall(r'<section[^>]*data-notice-group="([^"]+)"(.*?)</section>', html, re.S)


def _groups(html):
    """[(group, [notice texts])] in the order the page shows them."""
    return [(group, re.findall(r"(Notice [^<]+)</div>", body)) for group, body in _sections(html)]


def test_the_list_groups_notices_under_their_order_newest_group_first(client):
    me = UserFactory()
    first = OrderFactory(buyer=me, state=State.ACTIVE)
    second = OrderFactory(buyer=me, state=State.ACTIVE)
    _notice(me, "Notice A1", order=first, minutes_ago=50)
    _notice(me, "Notice B1", order=second, minutes_ago=40)
    _notice(me, "Notice T1", minutes_ago=30)
    _notice(me, "Notice A2", order=first, minutes_ago=10)
    client.force_login(me)

    html = client.get(reverse("messaging:notifications")).content.decode()

    assert _groups(html) == [
        (first.number, ["Notice A2", "Notice A1"]),
        ("none", ["Notice T1"]),
        (second.number, ["Notice B1"]),
    ]
    assert f"Order #{first.number}" in html and first.title in html
    assert "Not about an order" in html


def test_the_grouped_list_still_pages(client):
    me = UserFactory()
    order = OrderFactory(buyer=me, state=State.ACTIVE)
    for i in range(20):
        _notice(me, f"Notice O{i:02d}", order=order, minutes_ago=100 - i)
    for i in range(11):  # 31 in all, 30 a page
        _notice(me, f"Notice T{i:02d}", minutes_ago=50 - i)
    client.force_login(me)
    url = reverse("messaging:notifications")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert [(g, len(texts)) for g, texts in _groups(first)] == [("none", 11), (order.number, 19)]
    assert _groups(second) == [(order.number, ["Notice O00"])]


def test_the_list_marks_what_is_unread_and_opening_the_order_clears_its_group(client):
    order = OrderFactory(state=State.ACTIVE)
    elsewhere = _scene(order, order.seller)
    client.force_login(order.seller)
    url = reverse("messaging:notifications")

    before = client.get(url).content.decode()
    client.get(order.get_absolute_url())
    after = client.get(url).content.decode()

    assert before.count("list-group-item-warning") == 2
    assert after.count("list-group-item-warning") == 1
    assert [g for g, body in _sections(after) if "list-group-item-warning" in body] == [
        elsewhere.number
    ]
    assert _badge(after) == 1


def test_mark_all_read_clears_every_group(client):
    order = OrderFactory(state=State.ACTIVE)
    _scene(order, order.seller)
    _notice(order.seller, "Notice about support")
    client.force_login(order.seller)
    assert _badge_now(client) == 3

    response = client.post(reverse("messaging:notifications_read"), follow=True)

    html = response.content.decode()
    assert _unread(order.seller) == 0
    assert _badge(html) == 0
    assert "list-group-item-warning" not in html
    assert "Mark all as read" not in html  # nothing left to mark
    assert len(_groups(html)) == 3
    assert _unread(order.buyer) == 1  # the other party's are theirs


def test_marking_another_users_notice_is_404_and_changes_nothing(client):
    order = OrderFactory(state=State.ACTIVE)
    _scene(order, order.seller)
    theirs = Notification.objects.get(recipient=order.buyer, order=order)
    client.force_login(order.seller)
    before = list(Notification.objects.order_by("pk").values_list("pk", "read_at"))

    response = client.post(reverse("messaging:notification_read", args=[theirs.pk]))
    missing = client.post(reverse("messaging:notification_read", args=[theirs.pk + 1000]))

    assert response.status_code == 404 and missing.status_code == 404
    assert list(Notification.objects.order_by("pk").values_list("pk", "read_at")) == before
