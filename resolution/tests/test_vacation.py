"""Vacation: the same extension request to every active order of the seller."""

import pytest
from django.urls import reverse

from messaging.models import Notification
from sales import request_services as services
from sales.models import EventKind, OrderEvent, State
from sales.requests import ExtensionRequest, RequestState
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.pages import messages_of

pytestmark = pytest.mark.django_db

URL = reverse("resolution:vacation")
REASON = "I'm away until Monday, thank you for your patience!"


@pytest.fixture
def seller():
    return UserFactory(username="vera_vacation")


def _order(seller, state=State.ACTIVE):
    return OrderFactory(state=state, job=JobFactory(seller=seller))


def test_page_says_how_many_orders_will_be_asked(client, seller):
    _order(seller)
    _order(seller)
    _order(seller, State.DELIVERED)
    client.force_login(seller)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Send to 2 orders" in html
    assert "I&#x27;m away for a few days" in html  # the suggested message


def test_the_same_request_goes_to_every_active_order_and_nothing_else(client, seller):
    active = [_order(seller), _order(seller)]
    others = [_order(seller, s) for s in (State.PENDING, State.DELIVERED, State.COMPLETED)]
    bought = OrderFactory(state=State.ACTIVE, buyer=seller)  # the seller's own purchase
    client.force_login(seller)

    response = client.post(URL, {"days": "3", "reason": REASON}, follow=True)

    assert response.redirect_chain == [(reverse("resolution:center"), 302)]
    assert "Extension requests sent to 2 orders." in messages_of(response)
    requests = ExtensionRequest.objects.all()
    assert {r.order_id for r in requests} == {o.pk for o in active}
    assert {(r.days, r.reason, r.state, r.requested_by_id) for r in requests} == {
        (3, REASON, RequestState.OPEN, seller.pk)
    }
    for order in active:
        assert (
            OrderEvent.objects.filter(order=order, kind=EventKind.EXTENSION_REQUESTED).count() == 1
        )
        assert (
            Notification.objects.filter(
                recipient=order.buyer, kind="extension_requested", order=order
            ).count()
            == 1
        )
    assert not OrderEvent.objects.filter(order__in=[*others, bought]).exists()


def test_orders_with_an_open_request_are_skipped_and_named(client, seller):
    waiting = _order(seller)
    earlier = services.extension_request_create(
        order=waiting, actor=seller, days=1, reason="Earlier request"
    )
    fresh = _order(seller)
    client.force_login(seller)

    response = client.post(URL, {"days": "5", "reason": REASON}, follow=True)

    messages = messages_of(response)
    assert "Extension requests sent to 1 order." in messages
    assert (
        f"#{waiting.number}: This order already has an extension request waiting for an answer."
        in messages
    )
    assert list(ExtensionRequest.objects.filter(order=waiting)) == [earlier]
    earlier.refresh_from_db()
    assert (earlier.days, earlier.state) == (1, RequestState.OPEN)
    assert ExtensionRequest.objects.get(order=fresh).days == 5


def test_with_no_active_orders_nothing_is_sent(client, seller):
    _order(seller, State.PENDING)
    client.force_login(seller)

    response = client.post(URL, {"days": "3", "reason": REASON}, follow=True)

    assert "You have no active orders, so nothing was sent." in messages_of(response)
    assert not ExtensionRequest.objects.exists()


def test_a_buyer_cannot_use_vacation_on_the_orders_they_bought(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)

    response = client.post(URL, {"days": "3", "reason": REASON}, follow=True)

    assert "You have no active orders, so nothing was sent." in messages_of(response)
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize(
    "data,error",
    [
        ({"days": "0", "reason": REASON}, "Ask for at least 1 day."),
        ({"days": "31", "reason": REASON}, "Ask for at most 30 days."),
        ({"days": "-1", "reason": REASON}, "Ask for at least 1 day."),
        ({"days": "abc", "reason": REASON}, "Enter a whole number of days, 1 to 30."),
        ({"days": "", "reason": REASON}, "How many more days do you need?"),
        ({"days": "3", "reason": ""}, "Tell your buyers why you need more time."),
        ({"days": "3", "reason": "  \n "}, "Tell your buyers why you need more time."),
        ({"days": "3", "reason": "x" * 1001}, "Ensure this value has at most 1000 characters"),
    ],
)
def test_bad_input_answers_with_a_message_and_sends_nothing(client, seller, data, error):
    _order(seller)
    client.force_login(seller)

    response = client.post(URL, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "invalid-feedback" in html or "errorlist" in html
    assert not ExtensionRequest.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not Notification.objects.filter(kind="extension_requested").exists()
