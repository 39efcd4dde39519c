"""The buyer cancels alone an order more than VERY_LATE_HOURS past due."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sales import request_services as services
from sales.models import CancelBy, EventKind, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from testing.factories import OrderFactory
from testing.pages import messages_of

pytestmark = pytest.mark.django_db

DUE = datetime(2030, 5, 1, 10, tzinfo=UTC)
REASON = "Three days late and no word from the seller."
NOT_YET = (
    "You can cancel on your own only when an order is more than 24 hours late. "
    "Ask the seller to cancel by mutual agreement instead."
)


def _url(order):
    return reverse("resolution:late_cancel", args=[order.number])


def _late_order(state=State.ACTIVE):
    return OrderFactory(state=state, started_at=DUE - timedelta(days=3), due_at=DUE)


def _post(client, user, order, hours_late, reason=REASON):
    with time_machine.travel(DUE + timedelta(hours=hours_late), tick=False):
        client.force_login(user)
        return client.post(_url(order), {"reason": reason}, follow=True)


def test_buyer_cancels_a_very_late_order(client):
    order = _late_order()

    response = _post(client, order.buyer, order, hours_late=25)

    assert "The order was canceled." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.CANCELED
    assert order.canceled_by == CancelBy.BUYER_LATE == "buyer_late"
    assert order.cancel_reason == REASON
    assert order.canceled_at == DUE + timedelta(hours=25)
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELED)
    assert event.actor == order.buyer
    assert event.data == {"reason": REASON, "by": "buyer_late"}


def test_five_hours_late_is_refused_with_a_message(client):
    order = _late_order()

    response = _post(client, order.buyer, order, hours_late=5)

    assert NOT_YET in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize("hours_late,canceled", [(-1, False), (23.9, False), (24.1, True)])
def test_the_line_is_24_hours_past_due(client, hours_late, canceled):
    order = _late_order()

    _post(client, order.buyer, order, hours_late=hours_late)

    order.refresh_from_db()
    assert (order.state == State.CANCELED) is canceled


def test_the_line_follows_the_setting(client, settings):
    settings.VERY_LATE_HOURS = 48
    order = _late_order()

    response = _post(client, order.buyer, order, hours_late=30)

    assert any("more than 48 hours late" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_seller_cannot_cancel_a_very_late_order(client):
    order = _late_order()

    response = _post(client, order.seller, order, hours_late=72)

    assert "Only the buyer can cancel a late order." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize("state", [State.DELIVERED, State.COMPLETED, State.CANCELED])
def test_only_an_order_in_progress_can_be_very_late(client, state):
    order = _late_order(state)

    response = _post(client, order.buyer, order, hours_late=72)

    assert NOT_YET in messages_of(response)
    order.refresh_from_db()
    assert order.state == state
    assert not OrderEvent.objects.filter(order=order).exists()


def test_canceling_closes_the_open_requests(client):
    order = _late_order()
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        extension = services.extension_request_create(
            order=order, actor=order.seller, days=2, reason="Sorry, more time"
        )
        cancellation = services.cancellation_request_create(
            order=order, actor=order.seller, reason="Can't finish"
        )

    _post(client, order.buyer, order, hours_late=30)

    order.refresh_from_db()
    assert order.state == State.CANCELED
    assert ExtensionRequest.objects.get(pk=extension.pk).state == RequestState.CLOSED
    assert CancellationRequest.objects.get(pk=cancellation.pk).state == RequestState.CLOSED


@pytest.mark.parametrize(
    "role,hours_late,offered",
    [("buyer", 25, True), ("buyer", 5, False), ("seller", 25, False)],
)
def test_order_page_offers_the_late_cancel_only_to_the_buyer_of_a_very_late_order(
    client, role, hours_late, offered
):
    order = _late_order()
    with time_machine.travel(DUE + timedelta(hours=hours_late), tick=False):
        client.force_login(getattr(order, role))
        html = client.get(order.get_absolute_url()).content.decode()
    assert ("This order is more than 24 hours late: cancel it" in html) is offered
    assert (_url(order) in html) is offered
