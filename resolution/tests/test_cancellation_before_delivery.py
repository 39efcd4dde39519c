"""A cancellation request is answered before the order is delivered, its
carry-out never cancels an order that is no longer in progress, and a
request left open on an order that moved on is closed with both sides told."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.models import Attachment, Message, MessageKind, Notification
from resolution.tasks import carry_out_cancellation_requests
from sales import request_services as services
from sales import services as sales_services
from sales.models import CancelBy, EventKind, Order, OrderEvent, State
from sales.requests import CancellationRequest, RequestState
from testing.factories import OrderFactory, UserFactory
from testing.pages import messages_of, order_page_html
from testing.uploads import checked_png, png, stored_files

pytestmark = pytest.mark.django_db

T = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
REASON = "Plans changed."
BUYER_ASKED = (
    "Bea Quinn asked to cancel this order: answer that request before you deliver. "
    "Agree to cancel, or decline it and then deliver."
)
SELLER_ASKED = "You asked to cancel this order: withdraw that request before you deliver."


@pytest.fixture(autouse=True)
def _windows(settings):
    settings.REQUEST_ANSWER_HOURS = 48


def _order(state=State.ACTIVE, **kwargs):
    buyer = UserFactory(first_name="Bea", last_name="Quinn")
    return OrderFactory(state=state, buyer=buyer, **kwargs)


def _ask(order, role="buyer", at=None):
    with time_machine.travel(at or T, tick=False):
        return services.cancellation_request_create(
            order=order, actor=getattr(order, role), reason=REASON
        )


def _deliver(client, order):
    client.force_login(order.seller)
    return client.post(
        reverse("sales:order_deliver", args=[order.number]), {"message": "Done."}, follow=True
    )


def _nothing_delivered(order):
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert not Message.objects.filter(order=order, kind=MessageKind.DELIVERY).exists()
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.DELIVERED).exists()
    assert not Notification.objects.filter(order=order, kind="delivered").exists()


# -- Deliver waits for the answer ------------------------------------------------


@pytest.mark.parametrize("asked_by,refusal", [("buyer", BUYER_ASKED), ("seller", SELLER_ASKED)])
def test_deliver_is_refused_with_the_reason_while_a_cancellation_request_is_open(
    client, asked_by, refusal
):
    order = _order()
    request = _ask(order, asked_by)

    response = _deliver(client, order)

    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert refusal in messages_of(response)
    _nothing_delivered(order)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN


def test_the_service_refuses_too_when_the_request_came_after_the_page_was_drawn():
    order = _order()
    _ask(order, "buyer")

    with pytest.raises(sales_services.OrderActionBlocked, match="answer that request"):
        sales_services.order_deliver(order=order, actor=order.seller, message="Done.")
    _nothing_delivered(order)


def test_a_refused_delivery_keeps_none_of_its_files(client):
    order = _order()
    _ask(order, "buyer")
    client.force_login(order.seller)

    response = client.post(
        reverse("sales:order_deliver", args=[order.number]),
        {"message": "Done.", "files": [png()]},
        follow=True,
    )
    assert BUYER_ASKED in messages_of(response)
    upload = checked_png()
    with pytest.raises(sales_services.OrderActionBlocked):
        sales_services.order_deliver(
            order=order, actor=order.seller, message="Done.", files=[upload]
        )

    _nothing_delivered(order)
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_the_order_page_says_why_deliver_is_not_offered(client):
    order = _order()
    _ask(order, "buyer")

    html = order_page_html(client, order.seller, order)

    assert "data-deliver-blocked" in html
    assert f"Not now. {BUYER_ASKED}" in html
    assert reverse("sales:order_deliver", args=[order.number]) not in html  # no form
    assert 'href="#waiting-1">Answer the request</a>' in html


def test_the_order_page_points_the_seller_to_their_own_request(client):
    order = _order()
    _ask(order, "seller")

    html = order_page_html(client, order.seller, order)

    assert f"Not now. {SELLER_ASKED}" in html
    assert reverse("sales:order_deliver", args=[order.number]) not in html
    assert "Withdraw your cancellation request to deliver" in html  # the next step


def test_the_buyer_never_sees_the_sellers_deliver_box(client):
    order = _order()
    _ask(order, "buyer")
    assert "data-deliver-blocked" not in order_page_html(client, order.buyer, order)


@pytest.mark.parametrize(
    "answer,role", [("decline", "seller"), ("withdraw", "buyer")], ids=["declined", "withdrawn"]
)
def test_once_the_request_is_answered_the_seller_delivers(client, answer, role):
    order = _order()
    request = _ask(order, "buyer")
    getattr(services, f"cancellation_request_{answer}")(request=request, actor=getattr(order, role))
    assert "data-deliver-blocked" not in order_page_html(client, order.seller, order)

    response = _deliver(client, order)

    assert "Delivered. The buyer has been asked to review it." in messages_of(response)
    order.refresh_from_db()
    assert order.state == State.DELIVERED


def test_an_extension_request_does_not_hold_back_the_delivery(client):
    order = _order()
    services.extension_request_create(order=order, actor=order.seller, days=2, reason="More")

    _deliver(client, order)

    order.refresh_from_db()
    assert order.state == State.DELIVERED


# -- the carry-out ---------------------------------------------------------------


def _carry_out(at):
    with time_machine.travel(at, tick=False):
        return carry_out_cancellation_requests.run()


def _closed_notices(order):
    return Notification.objects.filter(order=order, kind="cancellation_closed")


@pytest.mark.parametrize("state", [State.PENDING, State.ACTIVE])
def test_an_unanswered_request_cancels_an_order_still_in_progress(state):
    order = _order(state)
    _ask(order, "buyer")

    assert _carry_out(T + timedelta(hours=48) - MINUTE) == 0
    assert _carry_out(T + timedelta(hours=48)) == 1

    order.refresh_from_db()
    assert (order.state, order.canceled_by) == (State.CANCELED, CancelBy.MUTUAL)
    canceled = Notification.objects.filter(order=order, kind="canceled")
    assert sorted(n.recipient.pk for n in canceled) == sorted([order.buyer.pk, order.seller.pk])
    assert not _closed_notices(order).exists()


@pytest.mark.parametrize("asked_by", ["buyer", "seller"])
def test_an_unanswered_request_on_a_delivered_order_is_closed_not_carried_out(asked_by):
    order = _order(State.DELIVERED, delivered_at=T - timedelta(hours=1))
    request = _ask(order, asked_by)
    asker = getattr(order, asked_by)

    assert _carry_out(T + timedelta(hours=48) - MINUTE) == 0
    assert _carry_out(T + timedelta(hours=48)) == 1  # closed
    assert _carry_out(T + timedelta(hours=48)) == 0  # a second run
    assert _carry_out(T + timedelta(hours=49)) == 0

    order.refresh_from_db()
    request.refresh_from_db()
    assert order.state == State.DELIVERED and order.canceled_at is None
    assert request.state == RequestState.CLOSED
    assert not Notification.objects.filter(order=order, kind="canceled").exists()
    notices = {n.recipient: n.text for n in _closed_notices(order)}
    assert set(notices) == {order.buyer, order.seller}  # each once
    expected = (
        f"{asker.display_name}'s request to cancel order #{order.number} is closed without "
        "canceling it: the order was delivered, and an unanswered request never cancels a "
        "delivered order. The buyer reviews the delivery as usual."
    )
    assert set(notices.values()) == {expected}
    closed = OrderEvent.objects.get(order=order, kind=EventKind.REQUEST_CLOSED)
    assert closed.actor is None and closed.data["request"] == request.pk


def test_a_batch_of_closed_requests_does_not_end_the_scan(settings):
    # Closing is progress: a full batch of requests on delivered orders must
    # not stop the run before the order still in progress behind them.
    settings.SCAN_BATCH_SIZE = 2
    delivered = [_order(State.DELIVERED, delivered_at=T - timedelta(hours=1)) for _ in range(2)]
    for order in delivered:
        _ask(order, "buyer")
    active = _order()  # asked last: the scan reaches it after the others
    _ask(active, "buyer")

    assert _carry_out(T + timedelta(hours=49)) == 3

    active.refresh_from_db()
    assert active.state == State.CANCELED


def test_a_request_left_on_an_order_delivered_round_the_rule_is_closed(client):
    # Delivered while the request was open (as the order page allowed before
    # Deliver waited for the answer): the carry-out must not cancel it.
    order = _order()
    request = _ask(order, "buyer")
    Order.objects.filter(pk=order.pk).update(state=State.DELIVERED, delivered_at=T + MINUTE)

    _carry_out(T + timedelta(hours=48))

    order.refresh_from_db()
    request.refresh_from_db()
    assert order.state == State.DELIVERED and order.canceled_by == ""
    assert request.state == RequestState.CLOSED
    assert _closed_notices(order).count() == 2


def test_the_page_says_what_an_unanswered_request_on_a_delivered_order_does(client):
    order = _order(State.DELIVERED)
    _ask(order, "buyer", at=None)

    seller_page = order_page_html(client, order.seller, order)
    buyer_page = order_page_html(client, order.buyer, order)

    assert "Unanswered, the request closes then and the order stays delivered." in seller_page
    assert "the request closes and the order stays delivered." in buyer_page
    assert "the order is canceled" not in seller_page + buyer_page


def test_the_other_party_may_still_agree_to_cancel_a_delivered_order():
    order = _order(State.DELIVERED)
    request = _ask(order, "buyer")

    services.cancellation_request_accept(request=request, actor=order.seller)

    order.refresh_from_db()
    assert (order.state, order.canceled_by) == (State.CANCELED, CancelBy.MUTUAL)


# -- closed when the order moves on ----------------------------------------------


def _accept(order):
    sales_services.order_accept(order=order, actor=order.buyer)


def _support_cancel(order):
    support = UserFactory(is_staff=True, is_superuser=True)
    sales_services.order_cancel(order=order, actor=support, reason="Payment reversed.")


def _auto_complete(order):
    Order.objects.filter(pk=order.pk).update(delivered_at=T - timedelta(days=4))
    sales_services.order_auto_complete(order=order, now=T)


@pytest.mark.parametrize(
    "move,ends,why",
    [
        (_accept, State.COMPLETED, "is closed: the order is completed."),
        (_auto_complete, State.COMPLETED, "is closed: the order is completed."),
        (
            _support_cancel,
            State.CANCELED,
            "is closed: the order was canceled (Customer Support).",
        ),
    ],
    ids=["accepted", "auto-completed", "canceled by support"],
)
def test_a_request_on_an_order_that_moved_on_is_closed_and_both_sides_told(move, ends, why):
    order = _order(State.DELIVERED)
    request = _ask(order, "buyer")

    move(order)

    order.refresh_from_db()
    request.refresh_from_db()
    assert order.state == ends
    assert request.state == RequestState.CLOSED
    notices = list(_closed_notices(order))
    assert sorted(n.recipient.pk for n in notices) == sorted([order.buyer.pk, order.seller.pk])
    assert all(
        n.text == f"Bea Quinn's request to cancel order #{order.number} {why}" for n in notices
    )
    # The scan that comes by later finds nothing left to do or say.
    assert _carry_out(T + timedelta(hours=49)) == 0
    assert _closed_notices(order).count() == 2
    assert CancellationRequest.objects.filter(order=order, state=RequestState.OPEN).count() == 0


def test_the_carry_out_cancels_at_the_scans_moment():
    # The scan's `now` decides everything it does: when the order was
    # canceled, and so whether the cancellation counts against the seller.
    order = _order()
    request = _ask(order, "buyer")
    at = T + timedelta(hours=49)

    assert services.cancellation_request_carry_out(request_id=request.pk, now=at)

    order.refresh_from_db()
    request.refresh_from_db()
    assert order.canceled_at == at
    assert request.answered_at == at


@pytest.mark.postgres  # SQLite takes no row locks
@pytest.mark.parametrize("state", [State.ACTIVE, State.DELIVERED])
def test_the_carry_out_locks_the_order_once(state):
    # Carried out (active) or closed as moot (delivered), the order's row is
    # locked once, then the request's.
    order = _order()
    request = _ask(order, "buyer")
    Order.objects.filter(pk=order.pk).update(state=state)

    with CaptureQueriesContext(connection) as ctx:
        assert services.cancellation_request_carry_out(
            request_id=request.pk, now=T + timedelta(hours=49)
        )

    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert [('FROM "sales_order"' in sql) for sql in locks] == [True, False]


def test_an_order_back_in_progress_before_the_lock_is_carried_out_not_closed(monkeypatch):
    # The scan read the order as delivered; before it took the lock the
    # buyer asked for a revision. Nothing is closed; the next run cancels.
    order = _order()
    request = _ask(order, "buyer")
    Order.objects.filter(pk=order.pk).update(state=State.DELIVERED)
    lock = services._lock_unanswered

    def revision_lands_first(*args):
        Order.objects.filter(pk=order.pk).update(state=State.ACTIVE)
        return lock(*args)

    monkeypatch.setattr(services, "_lock_unanswered", revision_lands_first)
    at = T + timedelta(hours=49)

    assert not services.cancellation_request_carry_out(request_id=request.pk, now=at)
    request.refresh_from_db()
    assert request.state == RequestState.OPEN

    monkeypatch.setattr(services, "_lock_unanswered", lock)
    assert services.cancellation_request_carry_out(request_id=request.pk, now=at)
    order.refresh_from_db()
    assert order.state == State.CANCELED
