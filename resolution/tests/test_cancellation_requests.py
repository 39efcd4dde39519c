"""Mutual cancellation: either party asks, the other one answers."""

import pytest
from django.urls import reverse

from sales import request_services as services
from sales import services as sales_services
from sales.models import CancelBy, EventKind, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from testing.factories import OrderFactory
from testing.orders import event_kinds, other_role
from testing.pages import messages_of

pytestmark = pytest.mark.django_db

REASON = "We agreed the scope changed too much."
OPEN_STATES = [State.PENDING, State.ACTIVE, State.DELIVERED]


def _ask(order, role="buyer", reason=REASON):
    return services.cancellation_request_create(
        order=order, actor=getattr(order, role), reason=reason
    )


def _create_url(order):
    return reverse("resolution:cancellation_create", args=[order.number])


def _answer_url(request, answer):
    return reverse(
        "resolution:cancellation_answer", args=[request.order.number, request.pk, answer]
    )


# -- asking ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["buyer", "seller"])
@pytest.mark.parametrize("state", OPEN_STATES)
def test_either_party_asks_to_cancel_an_open_order(client, state, role):
    order = OrderFactory(state=state)
    actor = getattr(order, role)
    client.force_login(actor)

    response = client.post(_create_url(order), {"reason": REASON}, follow=True)

    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert "Cancellation request sent: the other party has been asked." in messages_of(response)
    request = CancellationRequest.objects.get(order=order)
    assert (request.state, request.requested_by, request.reason) == (
        RequestState.OPEN,
        actor,
        REASON,
    )
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELLATION_REQUESTED)
    assert event.actor == actor
    assert event.data == {"reason": REASON, "request": request.pk}
    order.refresh_from_db()
    assert order.state == state  # asking cancels nothing


@pytest.mark.parametrize(
    "state,word", [(State.COMPLETED, "completed"), (State.CANCELED, "canceled")]
)
@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_closed_order_cannot_be_asked_to_cancel(client, state, word, role):
    order = OrderFactory(state=state)
    client.force_login(getattr(order, role))

    response = client.post(_create_url(order), {"reason": REASON}, follow=True)

    assert f"This order is {word}; it can't be canceled." in messages_of(response)
    assert not CancellationRequest.objects.exists()
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize("second", ["buyer", "seller"])
def test_only_one_cancellation_request_is_open_at_a_time(client, second):
    order = OrderFactory(state=State.ACTIVE)
    first = _ask(order, "buyer")
    client.force_login(getattr(order, second))

    response = client.post(_create_url(order), {"reason": "Me too"}, follow=True)

    assert "This order already has a cancellation request waiting for an answer." in messages_of(
        response
    )
    assert list(CancellationRequest.objects.filter(order=order)) == [first]
    assert event_kinds(order) == [EventKind.CANCELLATION_REQUESTED]


def test_a_new_request_may_follow_a_declined_one():
    order = OrderFactory(state=State.ACTIVE)
    services.cancellation_request_decline(request=_ask(order, "buyer"), actor=order.seller)

    second = _ask(order, "buyer", reason="Asking again")

    assert second.is_open
    assert CancellationRequest.objects.filter(order=order).count() == 2


@pytest.mark.parametrize("reason", ["", "  \t", None])
def test_service_refuses_a_request_without_a_reason(reason):
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(services.RequestError, match="Give a reason for the cancellation."):
        services.cancellation_request_create(order=order, actor=order.buyer, reason=reason)
    assert not CancellationRequest.objects.exists()


# -- accepting ---------------------------------------------------------------


@pytest.mark.parametrize("requester", ["buyer", "seller"])
@pytest.mark.parametrize("state", OPEN_STATES)
def test_other_party_accepts_and_the_order_is_canceled_by_mutual_agreement(
    client, state, requester
):
    order = OrderFactory(state=state)
    request = _ask(order, requester)
    accepter = getattr(order, other_role(requester))
    client.force_login(accepter)

    response = client.post(_answer_url(request, "accept"), follow=True)

    assert "The order was canceled by mutual agreement." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.CANCELED
    assert order.canceled_by == CancelBy.MUTUAL == "mutual"
    assert order.cancel_reason == REASON
    assert order.canceled_at is not None
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELED)
    assert event.actor == accepter
    assert (event.from_state, event.to_state) == (state, State.CANCELED)
    assert event.data == {"reason": REASON, "by": "mutual"}
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (RequestState.APPROVED, accepter)
    assert request.answered_at is not None


def test_canceled_order_page_says_mutual_agreement_and_accepted(client):
    order = OrderFactory(state=State.ACTIVE)
    services.cancellation_request_accept(request=_ask(order, "seller"), actor=order.buyer)
    client.force_login(order.seller)

    html = client.get(order.get_absolute_url()).content.decode()

    assert "(Mutual agreement)" in html
    assert REASON in html
    history = html[html.index('id="request-history"') :]
    assert f"Cancellation asked by {order.seller.username}" in history
    assert "<strong>Accepted</strong>" in history
    assert "Send the cancellation request" not in html  # nothing left to cancel


def test_accepting_closes_an_open_extension_request(client):
    order = OrderFactory(state=State.ACTIVE)
    extension = services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="More time"
    )
    services.cancellation_request_accept(request=_ask(order, "buyer"), actor=order.seller)

    extension.refresh_from_db()
    assert extension.state == RequestState.CLOSED
    client.force_login(order.buyer)
    assert "Approve 2 more days" not in client.get(order.get_absolute_url()).content.decode()


# -- declining and withdrawing -------------------------------------------------


@pytest.mark.parametrize("requester", ["buyer", "seller"])
def test_other_party_declines_and_the_order_goes_on(client, requester):
    order = OrderFactory(state=State.ACTIVE)
    due = order.due_at
    request = _ask(order, requester)
    decliner = getattr(order, other_role(requester))
    client.force_login(decliner)

    response = client.post(_answer_url(request, "decline"), follow=True)

    assert "Declined: the order goes on." in messages_of(response)
    order.refresh_from_db()
    assert (order.state, order.due_at, order.canceled_by) == (State.ACTIVE, due, "")
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (RequestState.DECLINED, decliner)
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELLATION_DECLINED)
    assert (event.actor, event.data) == (decliner, {"request": request.pk})
    assert EventKind.CANCELED not in event_kinds(order)


@pytest.mark.parametrize("requester", ["buyer", "seller"])
def test_requester_withdraws(client, requester):
    order = OrderFactory(state=State.DELIVERED)
    request = _ask(order, requester)
    actor = getattr(order, requester)
    client.force_login(actor)

    response = client.post(_answer_url(request, "withdraw"), follow=True)

    assert "Cancellation request withdrawn." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.DELIVERED
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (RequestState.WITHDRAWN, actor)
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELLATION_WITHDRAWN)
    assert event.actor == actor


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["accept", "decline"])
@pytest.mark.parametrize("requester", ["buyer", "seller"])
def test_requester_cannot_answer_their_own_request(client, requester, answer):
    order = OrderFactory(state=State.ACTIVE)
    request = _ask(order, requester)
    client.force_login(getattr(order, requester))

    response = client.post(_answer_url(request, answer), follow=True)

    assert "Only the other party can answer this request." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    assert event_kinds(order) == [EventKind.CANCELLATION_REQUESTED]


def test_other_party_cannot_withdraw_the_request(client):
    order = OrderFactory(state=State.ACTIVE)
    request = _ask(order, "buyer")
    client.force_login(order.seller)

    response = client.post(_answer_url(request, "withdraw"), follow=True)

    assert "Only the one who asked can withdraw this request." in messages_of(response)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN


@pytest.mark.parametrize(
    "first,word",
    [("accept", "approved"), ("decline", "declined"), ("withdraw", "withdrawn")],
)
@pytest.mark.parametrize("second", ["accept", "decline", "withdraw"])
def test_an_answered_request_cannot_be_answered_again(client, first, word, second):
    order = OrderFactory(state=State.ACTIVE)
    request = _ask(order, "buyer")

    def actor(answer):
        return order.buyer if answer == "withdraw" else order.seller

    client.force_login(actor(first))
    client.post(_answer_url(request, first))
    order.refresh_from_db()
    state, events = order.state, event_kinds(order)
    client.force_login(actor(second))

    response = client.post(_answer_url(request, second), follow=True)

    assert f"This request was already {word}." in messages_of(response)
    order.refresh_from_db()
    assert order.state == state
    assert event_kinds(order) == events


def test_completing_the_order_closes_the_open_cancellation_request(client):
    order = OrderFactory(state=State.DELIVERED)
    request = _ask(order, "buyer")
    sales_services.order_accept(order=order, actor=order.buyer)
    client.force_login(order.seller)

    response = client.post(_answer_url(request, "accept"), follow=True)

    assert any(m.startswith("This request was already closed") for m in messages_of(response))
    order.refresh_from_db()
    assert order.state == State.COMPLETED
    assert EventKind.CANCELED not in event_kinds(order)


# -- the order page ------------------------------------------------------------


def test_other_party_is_offered_agree_and_decline_the_requester_withdraw(client):
    order = OrderFactory(state=State.ACTIVE)
    _ask(order, "seller")

    client.force_login(order.buyer)
    buyer_html = client.get(order.get_absolute_url()).content.decode()
    client.force_login(order.seller)
    seller_html = client.get(order.get_absolute_url()).content.decode()

    assert f"{order.seller.username} asks to cancel this order." in buyer_html
    assert "Agree to cancel" in buyer_html and "Decline, keep the order" in buyer_html
    assert "Withdraw the request" not in buyer_html
    assert "Withdraw the request" in seller_html
    assert "Agree to cancel" not in seller_html
    for html in (buyer_html, seller_html):
        assert "Send the cancellation request" not in html  # one open at a time
        assert "<strong>Waiting for an answer</strong>" in html


@pytest.mark.parametrize(
    "state,offered",
    [*[(s, True) for s in OPEN_STATES], (State.COMPLETED, False), (State.CANCELED, False)],
)
def test_cancellation_form_is_offered_only_on_open_orders(client, state, offered):
    order = OrderFactory(state=state)
    for user in (order.buyer, order.seller):
        client.force_login(user)
        html = client.get(order.get_absolute_url()).content.decode()
        assert ("Send the cancellation request" in html) is offered


def test_extension_request_is_unaffected_by_a_declined_cancellation():
    order = OrderFactory(state=State.ACTIVE)
    extension = services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="More time"
    )
    services.cancellation_request_decline(request=_ask(order, "buyer"), actor=order.seller)
    extension.refresh_from_db()
    assert extension.state == RequestState.OPEN
    assert ExtensionRequest.objects.filter(order=order, state=RequestState.OPEN).count() == 1
