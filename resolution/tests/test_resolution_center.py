"""The Resolution Center page: what waits for the user, what they asked, tickets."""

import pytest
from django.urls import reverse

from resolution import tickets
from sales import request_services as services
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.pages import page_queries

pytestmark = pytest.mark.django_db

URL = reverse("resolution:center")


def _html(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_buyer_sees_what_waits_for_their_answer(client):
    order = OrderFactory(state=State.ACTIVE)
    services.extension_request_create(order=order, actor=order.seller, days=2, reason="Time")
    services.cancellation_request_create(order=order, actor=order.seller, reason="Stop")

    html = _html(client, order.buyer)

    waiting = _section(html, "answer-h")
    assert f"#{order.number}</a>: {order.seller.username} asks for 2 more days." in waiting
    assert f"#{order.number}</a>: {order.seller.username} asks to cancel." in waiting
    assert "No open requests." in _section(html, "sent-h")


def test_seller_sees_their_open_requests(client):
    order = OrderFactory(state=State.ACTIVE)
    services.extension_request_create(order=order, actor=order.seller, days=1, reason="Time")
    services.cancellation_request_create(order=order, actor=order.seller, reason="Stop")

    html = _html(client, order.seller)

    sent = _section(html, "sent-h")
    assert f"#{order.number}</a>: 1 more day, waiting for the buyer." in sent
    assert f"#{order.number}</a>: cancellation, waiting for an answer." in sent
    assert "Nothing waits for you." in _section(html, "answer-h")


def test_a_cancellation_asked_by_the_buyer_waits_for_the_seller(client):
    order = OrderFactory(state=State.DELIVERED)
    services.cancellation_request_create(order=order, actor=order.buyer, reason="Stop")

    assert "asks to cancel." in _section(_html(client, order.seller), "answer-h")
    assert "cancellation, waiting for an answer." in _section(_html(client, order.buyer), "sent-h")


def test_answered_requests_leave_the_page(client):
    order = OrderFactory(state=State.ACTIVE)
    extension = services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="Time"
    )
    cancellation = services.cancellation_request_create(
        order=order, actor=order.seller, reason="Stop"
    )
    services.extension_request_decline(request=extension, actor=order.buyer)
    services.cancellation_request_withdraw(request=cancellation, actor=order.seller)

    for user in (order.buyer, order.seller):
        html = _html(client, user)
        assert order.number not in html


def test_vacation_link_is_offered_to_sellers_with_active_orders(client):
    seller = UserFactory()
    assert "Going away?" not in _html(client, seller)
    OrderFactory(state=State.ACTIVE, job=JobFactory(seller=seller))
    assert "Going away?" in _html(client, seller)


def test_own_tickets_are_listed(client):
    user = UserFactory()
    tickets.ticket_create(user=user, subject="Where is my refund?", body="...")
    tickets.ticket_create(user=UserFactory(), subject="Someone else's", body="...")

    section = _section(_html(client, user), "tickets-h")

    assert "Where is my refund?" in section
    assert "Someone else" not in section


def test_queries_do_not_grow_with_the_number_of_requests(client):
    user = UserFactory()

    def add():
        bought = OrderFactory(state=State.ACTIVE, buyer=user)
        services.extension_request_create(order=bought, actor=bought.seller, days=2, reason="x")
        services.cancellation_request_create(order=bought, actor=bought.seller, reason="x")
        sold = OrderFactory(state=State.ACTIVE, job=JobFactory(seller=user))
        services.extension_request_create(order=sold, actor=user, days=2, reason="x")
        services.cancellation_request_create(order=sold, actor=user, reason="x")

    add()
    client.force_login(user)
    one = page_queries(client, URL)
    for _ in range(4):
        add()
    client.force_login(user)
    assert page_queries(client, URL) == one


def test_queries_do_not_grow_with_the_number_of_tickets(client):
    user = UserFactory()

    def add():
        order = OrderFactory(buyer=user)
        tickets.ticket_create(user=user, subject="About my order", body="x", order=order)

    add()
    client.force_login(user)
    one = page_queries(client, URL)
    for _ in range(4):
        add()
    client.force_login(user)
    assert page_queries(client, URL) == one
