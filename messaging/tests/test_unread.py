"""Unread counts on the Sales page and My orders, and what they cost."""

import re

import pytest
from django.urls import reverse

from messaging.models import Message
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.pages import page_queries

pytestmark = pytest.mark.django_db


def _post(client, user, order, body):
    client.force_login(user)
    response = client.post(reverse("sales:message_send", args=[order.number]), {"body": body})
    assert response.status_code == 302


def _row(html, order):
    match = re.search(rf'<tr class="order-row" data-order="{order.number}">.*?</tr>', html, re.S)
    assert match, f"no row for {order.number}"
    return match.group(0)


def _list(client, user, name, tab="active"):
    client.force_login(user)
    return client.get(reverse(name), {"tab": tab}).content.decode()


def test_buyers_message_shows_unread_on_the_sellers_row_only(client):
    job = JobFactory()
    order = OrderFactory(job=job, state=State.ACTIVE)
    quiet = OrderFactory(job=job, state=State.ACTIVE)
    written_by_seller = OrderFactory(job=job, state=State.ACTIVE)
    _post(client, order.buyer, order, "Hello, any news?")
    _post(client, job.seller, written_by_seller, "Started on it.")

    html = _list(client, job.seller, "sales:sales")

    assert 'data-unread="1"' in _row(html, order)
    assert "data-unread" not in _row(html, quiet)
    assert "data-unread" not in _row(html, written_by_seller)  # own messages are never unread


def test_unread_counts_every_new_message(client):
    order = OrderFactory(state=State.ACTIVE)
    for body in ("One", "Two", "Three"):
        _post(client, order.buyer, order, body)
    assert 'data-unread="3"' in _row(_list(client, order.seller, "sales:sales"), order)


def test_opening_the_order_marks_it_read(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, "Hello?")
    client.force_login(order.seller)
    assert client.get(order.get_absolute_url()).status_code == 200

    assert "data-unread" not in _row(_list(client, order.seller, "sales:sales"), order)

    # A later message is unread again.
    _post(client, order.buyer, order, "Are you there?")
    assert 'data-unread="1"' in _row(_list(client, order.seller, "sales:sales"), order)


def test_the_buyer_opening_the_order_does_not_mark_it_read_for_the_seller(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, "Hello?")
    client.force_login(order.buyer)
    client.get(order.get_absolute_url())
    assert 'data-unread="1"' in _row(_list(client, order.seller, "sales:sales"), order)


def test_buyers_my_orders_shows_unread_seller_messages(client):
    buyer = UserFactory()
    order = OrderFactory(buyer=buyer, state=State.ACTIVE)
    other = OrderFactory(buyer=buyer, state=State.ACTIVE)
    _post(client, order.seller, order, "I have a question about the colours.")
    _post(client, buyer, other, "Buyer's own message.")

    html = _list(client, buyer, "sales:my_orders")
    assert 'data-unread="1"' in _row(html, order)
    assert "data-unread" not in _row(html, other)

    client.get(order.get_absolute_url())
    assert "data-unread" not in _row(_list(client, buyer, "sales:my_orders"), order)


def test_sales_page_query_count_does_not_grow_with_orders_and_messages(client, settings):
    job = JobFactory()
    buyer = UserFactory()

    def add(n):
        orders = [OrderFactory(job=job, buyer=buyer, state=State.ACTIVE) for _ in range(n)]
        Message.objects.bulk_create(
            Message(order=o, sender=sender, body=f"Message {i}")
            for i, o in enumerate(orders)
            for sender in (buyer, buyer, job.seller)
        )

    client.force_login(job.seller)
    url = reverse("sales:sales")
    add(3)
    small = page_queries(client, url, {"tab": "active"})
    add(297)
    large = page_queries(client, url, {"tab": "active"})

    assert small == large
    html = client.get(url, {"tab": "active"}).content.decode()
    # A full page of rows, each with the buyer's two messages unread.
    assert html.count('data-unread="2"') == settings.SALES_PAGE_SIZE
