"""What the people on an order write in the Resolution Center is shown as
text, never run as markup, wherever the order page shows it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sales import request_services as services
from sales.models import State
from testing.factories import OrderFactory
from testing.pages import order_page_html

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _assert_escaped(html, times):
    assert SCRIPT not in html
    assert html.count(ESCAPED) == times


def test_extension_reason_is_escaped(client):
    order = OrderFactory(state=State.ACTIVE)
    services.extension_request_create(order=order, actor=order.seller, days=2, reason=SCRIPT)

    # the open request, and the timeline's "extension requested" event
    for user in (order.buyer, order.seller):
        _assert_escaped(order_page_html(client, user, order), times=2)


def test_cancellation_reason_is_escaped_while_open_and_once_canceled(client):
    order = OrderFactory(state=State.ACTIVE)
    request = services.cancellation_request_create(order=order, actor=order.buyer, reason=SCRIPT)
    _assert_escaped(order_page_html(client, order.seller, order), times=2)

    services.cancellation_request_accept(request=request, actor=order.seller)

    # the canceled notice, the "requested" event and the "canceled" event
    _assert_escaped(order_page_html(client, order.buyer, order), times=3)


def test_late_cancel_reason_is_escaped(client):
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=30))
    client.force_login(order.buyer)

    client.post(reverse("resolution:late_cancel", args=[order.number]), {"reason": SCRIPT})

    order.refresh_from_db()
    assert order.state == State.CANCELED
    _assert_escaped(order_page_html(client, order.seller, order), times=2)


def test_rejected_reason_is_escaped_when_the_form_comes_back(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    response = client.post(
        reverse("resolution:extension_create", args=[order.number]),
        {"days": "99", "reason": SCRIPT},
    )

    assert response.status_code == 400
    _assert_escaped(response.content.decode(), times=1)


def test_usernames_in_requests_are_escaped(client):
    order = OrderFactory(state=State.ACTIVE)
    order.seller.username = "<b>sam</b>"
    order.seller.save()
    services.extension_request_create(order=order, actor=order.seller, days=2, reason="Time")

    html = order_page_html(client, order.buyer, order)

    assert "<b>sam</b>" not in html
    assert "&lt;b&gt;sam&lt;/b&gt; asks for 2 more days." in html
