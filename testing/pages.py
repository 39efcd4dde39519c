"""Pages as tests reach and read them: where a page is, the messages it
shows, the order page as one of its viewers sees it, and what a page costs
in queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def ticket_admin_url(ticket):
    """The support ticket's page in the admin."""
    return reverse("admin:resolution_supportticket_change", args=[ticket.pk])


def order_transition_url(order, name="cancel"):
    """The support admin's form for one transition of the order."""
    return reverse("admin:sales_order_transition", args=[order.pk, name])


def messages_of(response):
    """The texts of the messages (django.contrib.messages) the response shows."""
    return [str(m) for m in response.context["messages"]]


def order_page(client, user, order):
    """The order page, as ``user`` is answered (a stranger gets a 404)."""
    client.force_login(user)
    return client.get(reverse("sales:order_detail", args=[order.number]))


def order_page_html(client, user, order):
    """The order page's HTML, for one of the order's own parties."""
    response = order_page(client, user, order)
    assert response.status_code == 200
    return response.content.decode()


def page_queries(client, url, params=None):
    """How many queries a GET of ``url`` costs; the page must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, params
    return len(ctx.captured_queries)
