"""Extension requests: the seller asks for more days, the buyer answers."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sales import request_services as services
from sales import services as sales_services
from sales.models import EventKind, Order, OrderEvent, State
from sales.requests import ExtensionRequest, RequestState
from testing.factories import OrderFactory
from testing.orders import event_kinds
from testing.pages import messages_of, order_page_html

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 1, 10, tzinfo=UTC)
REASON = "The client's files arrived two days late."


def _ask(order, days=3, reason=REASON):
    return services.extension_request_create(
        order=order, actor=order.seller, days=days, reason=reason
    )


def _create_url(order):
    return reverse("resolution:extension_create", args=[order.number])


def _answer_url(request, answer):
    return reverse("resolution:extension_answer", args=[request.order.number, request.pk, answer])


def _actor(request, answer):
    return request.order.seller if answer == "withdraw" else request.order.buyer


# -- asking ------------------------------------------------------------------


def test_seller_asks_for_more_days_and_the_request_waits_for_the_buyer(client):
    order = OrderFactory(state=State.ACTIVE)
    due = order.due_at
    client.force_login(order.seller)

    response = client.post(_create_url(order), {"days": "4", "reason": REASON}, follow=True)

    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert "Extension request sent: the buyer has been asked to approve it." in messages_of(
        response
    )
    request = ExtensionRequest.objects.get(order=order)
    assert (request.state, request.days, request.reason) == (RequestState.OPEN, 4, REASON)
    assert request.requested_by == order.seller
    event = OrderEvent.objects.get(order=order, kind=EventKind.EXTENSION_REQUESTED)
    assert event.actor == order.seller
    assert event.data == {"days": 4, "reason": REASON, "request": request.pk}
    order.refresh_from_db()
    assert order.due_at == due  # asking moves nothing


@pytest.mark.parametrize("days", [1, 30])
def test_one_to_thirty_days_can_be_asked(client, days):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    client.post(_create_url(order), {"days": str(days), "reason": REASON})

    assert ExtensionRequest.objects.get(order=order).days == days


def test_buyer_cannot_ask_for_more_time(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)

    response = client.post(_create_url(order), {"days": "3", "reason": REASON}, follow=True)

    assert "Only the seller can ask for more time." in messages_of(response)
    assert not ExtensionRequest.objects.exists()
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.parametrize("state", [State.PENDING, State.DELIVERED, State.COMPLETED, State.CANCELED])
def test_more_time_can_be_asked_only_while_the_order_is_in_progress(client, state):
    order = OrderFactory(state=state)
    client.force_login(order.seller)

    response = client.post(_create_url(order), {"days": "3", "reason": REASON}, follow=True)

    assert "You can ask for more time only while the order is in progress." in messages_of(response)
    assert not ExtensionRequest.objects.exists()
    assert not OrderEvent.objects.filter(order=order).exists()


def test_second_open_request_is_refused_and_nothing_is_created(client):
    order = OrderFactory(state=State.ACTIVE)
    first = _ask(order, days=2)
    client.force_login(order.seller)

    response = client.post(_create_url(order), {"days": "5", "reason": "Again"}, follow=True)

    assert "This order already has an extension request waiting for an answer." in messages_of(
        response
    )
    assert list(ExtensionRequest.objects.filter(order=order)) == [first]
    assert event_kinds(order) == [EventKind.EXTENSION_REQUESTED]


def test_a_new_request_may_follow_an_answered_one_and_history_is_kept():
    order = OrderFactory(state=State.ACTIVE)
    first = _ask(order, days=2)
    services.extension_request_decline(request=first, actor=order.buyer)

    second = _ask(order, days=1)

    assert second.is_open
    assert ExtensionRequest.objects.filter(order=order).count() == 2
    first.refresh_from_db()
    assert first.state == RequestState.DECLINED


@pytest.mark.parametrize("days", [0, 31, -1, "3", None, 2.5])
def test_service_refuses_days_out_of_range(days):
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(services.RequestError, match="Ask for 1 to 30 more days."):
        services.extension_request_create(order=order, actor=order.seller, days=days, reason=REASON)
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_service_refuses_a_request_without_a_reason(reason):
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(services.RequestError, match="Tell the buyer why you need more time."):
        services.extension_request_create(order=order, actor=order.seller, days=3, reason=reason)
    assert not ExtensionRequest.objects.exists()


# -- approving ---------------------------------------------------------------


def test_approval_moves_the_due_date_from_the_current_due_date_not_from_now(client):
    with time_machine.travel(START, tick=False):
        order = OrderFactory(
            state=State.ACTIVE, started_at=START, due_at=START + timedelta(days=10)
        )
        request = _ask(order, days=3)
    approved_at = START + timedelta(days=1)

    with time_machine.travel(approved_at, tick=False):
        client.force_login(order.buyer)  # a session made in 2030 is still valid then
        response = client.post(_answer_url(request, "approve"), follow=True)

    assert "Approved: the due date moved." in messages_of(response)
    order.refresh_from_db()
    assert order.due_at == START + timedelta(days=13)  # from now it would be START + 4 days
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert (request.due_before, request.due_after) == (
        START + timedelta(days=10),
        START + timedelta(days=13),
    )
    assert (request.answered_by, request.answered_at) == (order.buyer, approved_at)


def test_approving_on_a_late_order_moves_from_the_missed_due_date():
    with time_machine.travel(START, tick=False):
        order = OrderFactory(state=State.ACTIVE, started_at=START - timedelta(days=3), due_at=START)
        request = _ask(order, days=3)

    with time_machine.travel(START + timedelta(days=2), tick=False):
        services.extension_request_approve(request=request, actor=order.buyer)

    order.refresh_from_db()
    assert order.due_at == START + timedelta(days=3)


def test_approval_writes_the_approval_and_the_due_change_events():
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order, days=3)

    services.extension_request_approve(request=request, actor=order.buyer)

    approved = OrderEvent.objects.get(order=order, kind=EventKind.EXTENSION_APPROVED)
    assert approved.actor == order.buyer
    assert approved.data == {"days": 3, "request": request.pk}
    changed = OrderEvent.objects.get(order=order, kind=EventKind.DUE_CHANGED)
    assert changed.actor == order.buyer
    assert changed.data == {
        "from": before.isoformat(),
        "to": (before + timedelta(days=3)).isoformat(),
        "reason": "extension",
    }
    assert event_kinds(order) == [
        EventKind.EXTENSION_REQUESTED,
        EventKind.EXTENSION_APPROVED,
        EventKind.DUE_CHANGED,
    ]


def test_double_click_on_approve_moves_the_due_date_once(client):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order, days=2)
    client.force_login(order.buyer)

    client.post(_answer_url(request, "approve"))
    response = client.post(_answer_url(request, "approve"), follow=True)

    assert "This request was already approved." in messages_of(response)
    order.refresh_from_db()
    assert order.due_at == before + timedelta(days=2)
    assert event_kinds(order).count(EventKind.DUE_CHANGED) == 1
    assert event_kinds(order).count(EventKind.EXTENSION_APPROVED) == 1


# -- declining and withdrawing ------------------------------------------------


def test_buyer_declines_and_the_due_date_stays(client):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order)
    client.force_login(order.buyer)

    response = client.post(_answer_url(request, "decline"), follow=True)

    assert "Declined: the due date stays." in messages_of(response)
    order.refresh_from_db()
    assert order.due_at == before
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (RequestState.DECLINED, order.buyer)
    assert request.answered_at is not None
    assert (request.due_before, request.due_after) == (None, None)
    event = OrderEvent.objects.get(order=order, kind=EventKind.EXTENSION_DECLINED)
    assert (event.actor, event.data) == (order.buyer, {"request": request.pk})
    assert EventKind.DUE_CHANGED not in event_kinds(order)


def test_seller_withdraws_the_request(client):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order)
    client.force_login(order.seller)

    response = client.post(_answer_url(request, "withdraw"), follow=True)

    assert "Extension request withdrawn." in messages_of(response)
    request.refresh_from_db()
    assert (request.state, request.answered_by) == (RequestState.WITHDRAWN, order.seller)
    event = OrderEvent.objects.get(order=order, kind=EventKind.EXTENSION_WITHDRAWN)
    assert event.actor == order.seller
    order.refresh_from_db()
    assert order.due_at == before


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["approve", "decline"])
def test_seller_cannot_answer_their_own_request(client, answer):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order)
    client.force_login(order.seller)

    response = client.post(_answer_url(request, answer), follow=True)

    assert "Only the buyer can answer this request." in messages_of(response)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    order.refresh_from_db()
    assert order.due_at == before
    assert event_kinds(order) == [EventKind.EXTENSION_REQUESTED]


def test_buyer_cannot_withdraw_the_sellers_request(client):
    order = OrderFactory(state=State.ACTIVE)
    request = _ask(order)
    client.force_login(order.buyer)

    response = client.post(_answer_url(request, "withdraw"), follow=True)

    assert "Only the one who asked can withdraw this request." in messages_of(response)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN
    assert event_kinds(order) == [EventKind.EXTENSION_REQUESTED]


FIRST_ANSWERS = [
    ("approve", "approved"),
    ("decline", "declined"),
    ("withdraw", "withdrawn"),
]


@pytest.mark.parametrize("second", ["approve", "decline", "withdraw"])
@pytest.mark.parametrize("first,word", FIRST_ANSWERS)
def test_an_answered_request_cannot_be_answered_again(client, first, word, second):
    order = OrderFactory(state=State.ACTIVE)
    request = _ask(order, days=2)
    client.force_login(_actor(request, first))
    client.post(_answer_url(request, first))
    order.refresh_from_db()
    due, events = order.due_at, event_kinds(order)
    client.force_login(_actor(request, second))

    response = client.post(_answer_url(request, second), follow=True)

    assert f"This request was already {word}." in messages_of(response)
    request.refresh_from_db()
    assert request.state == word
    order.refresh_from_db()
    assert order.due_at == due
    assert event_kinds(order) == events


def test_approving_after_the_seller_delivered_is_refused(client):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order, days=3)
    sales_services.order_deliver(order=order, actor=order.seller, message="Done early!")
    client.force_login(order.buyer)

    response = client.post(_answer_url(request, "approve"), follow=True)

    assert any(m.startswith("This request was already closed") for m in messages_of(response))
    order.refresh_from_db()
    assert order.due_at == before
    request.refresh_from_db()
    assert request.state == RequestState.CLOSED
    assert EventKind.EXTENSION_APPROVED not in event_kinds(order)


@pytest.mark.parametrize("state", [State.DELIVERED, State.COMPLETED, State.CANCELED])
def test_service_refuses_to_move_the_due_date_of_an_order_no_longer_in_progress(state):
    # The services close requests when the order leaves "active"; this guard
    # holds even for a request that somehow stayed open.
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = _ask(order)
    Order.objects.filter(pk=order.pk).update(state=state)

    with pytest.raises(services.RequestError, match="no longer in progress"):
        services.extension_request_approve(request=request, actor=order.buyer)

    order.refresh_from_db()
    assert order.due_at == before
    request.refresh_from_db()
    assert request.state == RequestState.OPEN


# -- the order page ------------------------------------------------------------


def test_buyer_sees_the_open_request_with_approve_and_decline(client):
    order = OrderFactory(state=State.ACTIVE)
    _ask(order, days=2)

    html = order_page_html(client, order.buyer, order)

    assert f"{order.seller.username} asks for 2 more days." in html
    assert REASON.replace("'", "&#x27;") in html
    assert "Approve 2 more days" in html
    assert ">Decline</button>" in html
    assert "Withdraw the request" not in html


def test_seller_sees_their_open_request_with_withdraw_only(client):
    order = OrderFactory(state=State.ACTIVE)
    _ask(order, days=1)

    html = order_page_html(client, order.seller, order)

    assert "You asked for 1 more day." in html
    assert "Withdraw the request" in html
    assert "Approve 1 more day" not in html
    assert "Send the extension request" not in html  # one open request at a time


def test_order_page_keeps_the_history_of_every_request(client):
    order = OrderFactory(state=State.ACTIVE)
    services.extension_request_approve(request=_ask(order, days=2), actor=order.buyer)
    services.extension_request_decline(request=_ask(order, days=3), actor=order.buyer)
    services.extension_request_withdraw(request=_ask(order, days=4), actor=order.seller)
    _ask(order, days=5)

    for user in (order.buyer, order.seller):
        html = order_page_html(client, user, order)
        history = html[html.index('id="request-history"') :]
        asked = f"asked by {order.seller.username}"
        assert f"Extension of 2 days {asked}" in history
        assert f"Extension of 3 days {asked}" in history
        assert f"Extension of 4 days {asked}" in history
        assert f"Extension of 5 days {asked}" in history
        for state in ("Approved", "Declined", "Withdrawn", "Waiting for an answer"):
            assert f"<strong>{state}</strong>" in history


def test_timeline_shows_the_approval_and_the_new_due_date(client):
    order = OrderFactory(
        state=State.ACTIVE, started_at=START, due_at=datetime(2030, 1, 15, 12, tzinfo=UTC)
    )
    services.extension_request_approve(request=_ask(order, days=3), actor=order.buyer)

    html = order_page_html(client, order.buyer, order)

    assert 'data-event="extension_requested"' in html
    assert 'data-event="extension_approved"' in html
    due_change = re.search(r'<div class="small">Due (.*?)</div>', html).group(1)
    assert re.sub(r"<[^>]+>", "", due_change) == "18 Jan 2030, 12:00 (was 15 Jan 2030, 12:00)"


@pytest.mark.parametrize(
    "state,role,offered",
    [
        (State.ACTIVE, "seller", True),
        (State.ACTIVE, "buyer", False),
        (State.PENDING, "seller", False),
        (State.DELIVERED, "seller", False),
    ],
)
def test_extension_form_is_offered_only_to_the_seller_of_an_order_in_progress(
    client, state, role, offered
):
    order = OrderFactory(state=state)
    html = order_page_html(client, getattr(order, role), order)
    assert ("Send the extension request" in html) is offered


def test_delivered_order_offers_no_answer_to_a_request_that_no_longer_applies(client):
    order = OrderFactory(state=State.ACTIVE)
    _ask(order, days=2)
    sales_services.order_deliver(order=order, actor=order.seller, message="Here it is.")

    html = order_page_html(client, order.buyer, order)

    assert "Approve 2 more days" not in html
    assert "Closed: the order moved on" in html
