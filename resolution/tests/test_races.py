"""Real concurrency on PostgreSQL: two threads, two connections, one request.

Each answer is slowed down between "the request is still open" and the write,
so without the row locks both threads would pass the check and both would
write: a due date moved twice, or a request both approved and withdrawn.
"""

from datetime import timedelta

import pytest

from messaging.models import Notification
from sales import request_services as services
from sales import services as sales_services
from sales.models import EventKind, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from testing.factories import OrderFactory
from testing.racing import race_outcomes, slowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_checks(monkeypatch):
    slowed(monkeypatch, services, "_require_open")
    slowed(monkeypatch, services, "order_lock")


def _kinds(order, *kinds):
    return OrderEvent.objects.filter(order=order, kind__in=kinds).count()


def test_buyer_approving_while_the_seller_withdraws_has_one_outcome(slow_checks):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = services.extension_request_create(
        order=order, actor=order.seller, days=3, reason="More time"
    )

    approve, withdraw = race_outcomes(
        lambda: services.extension_request_approve(request=request, actor=order.buyer),
        lambda: services.extension_request_withdraw(request=request, actor=order.seller),
    )

    request.refresh_from_db()
    order.refresh_from_db()
    assert [approve, withdraw].count("ok") == 1
    if request.state == RequestState.APPROVED:
        assert approve == "ok"
        assert withdraw == "This request was already approved."
        assert order.due_at == before + timedelta(days=3)
        assert (request.due_before, request.due_after) == (before, order.due_at)
        assert _kinds(order, EventKind.DUE_CHANGED) == 1
    else:
        assert request.state == RequestState.WITHDRAWN
        assert withdraw == "ok"
        assert approve == "This request was already withdrawn."
        assert order.due_at == before
        assert _kinds(order, EventKind.DUE_CHANGED) == 0
    assert _kinds(order, EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_WITHDRAWN) == 1
    assert Notification.objects.filter(kind="extension_answered").count() == 1


def test_two_approvals_at_once_move_the_due_date_once(slow_checks):
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="More time"
    )

    def approve():
        services.extension_request_approve(request=request, actor=order.buyer)

    outcomes = race_outcomes(approve, approve)

    assert sorted(outcomes) == ["This request was already approved.", "ok"]
    order.refresh_from_db()
    assert order.due_at == before + timedelta(days=2)
    assert _kinds(order, EventKind.EXTENSION_APPROVED) == 1
    assert _kinds(order, EventKind.DUE_CHANGED) == 1


def test_two_extension_requests_at_once_make_one(slow_checks):
    order = OrderFactory(state=State.ACTIVE)

    def ask():
        services.extension_request_create(
            order=order, actor=order.seller, days=2, reason="More time"
        )

    outcomes = race_outcomes(ask, ask)

    assert sorted(outcomes) == [
        "This order already has an extension request waiting for an answer.",
        "ok",
    ]
    assert ExtensionRequest.objects.filter(order=order).count() == 1
    assert _kinds(order, EventKind.EXTENSION_REQUESTED) == 1


def test_accepting_a_cancellation_while_it_is_withdrawn_has_one_outcome(slow_checks):
    order = OrderFactory(state=State.ACTIVE)
    request = services.cancellation_request_create(
        order=order, actor=order.buyer, reason="Plans changed"
    )

    accept, withdraw = race_outcomes(
        lambda: services.cancellation_request_accept(request=request, actor=order.seller),
        lambda: services.cancellation_request_withdraw(request=request, actor=order.buyer),
    )

    request = CancellationRequest.objects.get(pk=request.pk)
    order.refresh_from_db()
    assert [accept, withdraw].count("ok") == 1
    if request.state == RequestState.APPROVED:
        assert withdraw == "This request was already approved."
        assert (order.state, order.canceled_by) == (State.CANCELED, "mutual")
        assert _kinds(order, EventKind.CANCELED) == 1
    else:
        assert request.state == RequestState.WITHDRAWN
        assert accept == "This request was already withdrawn."
        assert order.state == State.ACTIVE
        assert _kinds(order, EventKind.CANCELED) == 0


def test_approving_while_the_seller_delivers_never_moves_a_delivered_orders_due_date(
    slow_checks, monkeypatch
):
    slowed(monkeypatch, sales_services, "_check")
    order = OrderFactory(state=State.ACTIVE)
    before = order.due_at
    request = services.extension_request_create(
        order=order, actor=order.seller, days=2, reason="More time"
    )

    approve, deliver = race_outcomes(
        lambda: services.extension_request_approve(request=request, actor=order.buyer),
        lambda: sales_services.order_deliver(order=order, actor=order.seller, message="Done"),
    )

    assert deliver == "ok"
    request.refresh_from_db()
    order.refresh_from_db()
    assert order.state == State.DELIVERED
    if approve == "ok":  # the approval came first, then the delivery
        assert request.state == RequestState.APPROVED
        assert order.due_at == before + timedelta(days=2)
    else:
        assert request.state == RequestState.CLOSED
        assert approve.startswith("This request was already closed")
        assert order.due_at == before


def test_a_delivery_racing_a_buyers_cancellation_request_leaves_no_request_behind(
    monkeypatch,
):
    # Both lock the order first: either the request came first and the
    # delivery is refused, or the delivery came first and the request is
    # one made on a delivered order (which the carry-out never executes).
    slowed(monkeypatch, sales_services, "order_lock")
    slowed(monkeypatch, services, "order_lock")
    order = OrderFactory(state=State.ACTIVE)

    deliver, ask = race_outcomes(
        lambda: sales_services.order_deliver(order=order, actor=order.seller, message="Done"),
        lambda: services.cancellation_request_create(
            order=order, actor=order.buyer, reason="Plans changed"
        ),
    )

    order.refresh_from_db()
    request = CancellationRequest.objects.get(order=order)
    assert ask == "ok"
    requested = OrderEvent.objects.get(order=order, kind=EventKind.CANCELLATION_REQUESTED)
    if deliver == "ok":
        assert order.state == State.DELIVERED
        assert requested.from_state == State.DELIVERED  # asked of the delivered order
    else:
        assert deliver.endswith(
            "answer that request before you deliver. Agree to cancel, "
            "or decline it and then deliver."
        )
        assert order.state == State.ACTIVE
        assert requested.from_state == State.ACTIVE
    assert request.state == RequestState.OPEN
