"""The periodic scans, with a moved clock: each fires at its moment, not a
minute before, only for orders in the right state, and only once."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.models import Notification
from resolution.tasks import carry_out_cancellation_requests, expire_extension_requests
from sales import request_services as resolution
from sales.models import CancelBy, EventKind, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from sales.tasks import (
    auto_complete_deliveries,
    flag_due_soon,
    flag_late,
    flag_very_late,
    remind_requirements,
)
from testing.factories import OrderFactory

pytestmark = pytest.mark.django_db

T = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _windows(settings):
    settings.DUE_SOON_HOURS = 24
    settings.VERY_LATE_HOURS = 24
    settings.ORDER_REVIEW_DAYS = 3
    settings.REQUEST_ANSWER_HOURS = 48


def _at(moment, task):
    with time_machine.travel(moment, tick=False):
        return task.run()


def _notices(order, kind):
    return list(Notification.objects.filter(order=order, kind=kind))


def test_due_soon_fires_24_hours_before_due_and_only_for_active_orders():
    order = OrderFactory(state=State.ACTIVE, started_at=T - timedelta(days=3), due_at=T)
    delivered = OrderFactory(state=State.DELIVERED, started_at=T - timedelta(days=3), due_at=T)

    assert _at(T - timedelta(hours=24) - MINUTE, flag_due_soon) == 0
    assert _at(T - timedelta(hours=24), flag_due_soon) == 1

    [notice] = _notices(order, "due_soon")
    assert notice.recipient == order.seller
    assert not _notices(delivered, "due_soon")
    order.refresh_from_db()
    assert order.due_soon_notified_at == T - timedelta(hours=24)


def test_late_fires_at_the_due_time_and_tells_both_sides():
    order = OrderFactory(state=State.ACTIVE, started_at=T - timedelta(days=3), due_at=T)
    OrderFactory(state=State.COMPLETED, started_at=T - timedelta(days=3), due_at=T)

    assert _at(T - MINUTE, flag_late) == 0
    assert _at(T, flag_late) == 1

    assert {n.recipient for n in _notices(order, "late")} == {order.buyer, order.seller}


def test_very_late_tells_both_sides_24_hours_after_due_once():
    order = OrderFactory(
        state=State.ACTIVE,
        started_at=T - timedelta(days=3),
        due_at=T,
        buyer__first_name="Bea",
        buyer__last_name="Quinn",
    )

    assert _at(T + timedelta(hours=24) - MINUTE, flag_very_late) == 0
    assert not _notices(order, "very_late")
    assert _at(T + timedelta(hours=24), flag_very_late) == 1
    assert _at(T + timedelta(hours=24), flag_very_late) == 0  # a second run
    assert _at(T + timedelta(hours=30), flag_very_late) == 0

    notices = {n.recipient: n.text for n in _notices(order, "very_late")}
    assert set(notices) == {order.buyer, order.seller}
    assert "You may cancel it" in notices[order.buyer]
    seller = notices[order.seller]
    # What the buyer may now do, and what it would count for.
    assert seller == (
        f"Order #{order.number} is more than 24 hours late (due Sun 10 Mar, 12:00 UTC). "
        "Bea Quinn may now cancel it alone, and that cancellation "
        "would count against your completion rate. Deliver it now."
    )


@pytest.mark.parametrize(
    "asked_by,ending",
    [
        ("buyer", "They asked to cancel it: answer their request on the order page."),
        ("seller", "You asked to cancel it: withdraw that request to deliver."),
    ],
)
def test_the_very_late_seller_is_sent_to_the_open_cancellation_request_not_to_deliver(
    asked_by, ending
):
    # Deliver waits for the request to be answered, so the notice must not ask for it.
    order = OrderFactory(state=State.ACTIVE, started_at=T - timedelta(days=3), due_at=T)
    with time_machine.travel(T + timedelta(hours=2), tick=False):
        resolution.cancellation_request_create(
            order=order, actor=getattr(order, asked_by), reason="Plans changed"
        )

    assert _at(T + timedelta(hours=24), flag_very_late) == 1

    [seller] = [n.text for n in _notices(order, "very_late") if n.recipient == order.seller]
    assert seller.endswith(f"would count against your completion rate. {ending}")
    assert "Deliver it now" not in seller


@pytest.mark.parametrize(
    "asked_by,ending",
    [
        (None, "Deliver it, or ask the buyer for more time in the Resolution Center."),
        ("buyer", "They asked to cancel it: answer their request on the order page."),
        ("seller", "You asked to cancel it: withdraw that request to deliver."),
    ],
)
def test_the_late_seller_is_sent_where_the_order_page_lets_them_act(asked_by, ending):
    order = OrderFactory(state=State.ACTIVE, started_at=T - timedelta(days=3), due_at=T)
    if asked_by:
        with time_machine.travel(T - timedelta(hours=2), tick=False):
            resolution.cancellation_request_create(
                order=order, actor=getattr(order, asked_by), reason="Plans changed"
            )

    assert _at(T, flag_late) == 1

    [seller] = [n.text for n in _notices(order, "late") if n.recipient == order.seller]
    assert seller == f"Order #{order.number} is late: it was due on Sun 10 Mar, 12:00 UTC. {ending}"


def test_auto_complete_after_three_days_of_review():
    order = OrderFactory(state=State.DELIVERED, delivered_at=T)
    accepted_meanwhile = OrderFactory(state=State.COMPLETED, delivered_at=T)

    assert _at(T + timedelta(days=3) - MINUTE, auto_complete_deliveries) == 0
    assert _at(T + timedelta(days=3), auto_complete_deliveries) == 1

    order.refresh_from_db()
    assert order.state == State.COMPLETED
    assert order.completed_at == T + timedelta(days=3)
    event = OrderEvent.objects.get(order=order, kind=EventKind.AUTO_COMPLETED)
    assert event.actor is None
    assert {n.recipient for n in _notices(order, "completed")} == {order.buyer, order.seller}
    assert not OrderEvent.objects.filter(order=accepted_meanwhile).exists()


def test_extension_request_expires_after_48_hours():
    order = OrderFactory(state=State.ACTIVE, started_at=T, due_at=T + timedelta(days=5))
    with time_machine.travel(T, tick=False):
        request = resolution.extension_request_create(
            order=order, actor=order.seller, days=2, reason="Busy week"
        )

    assert _at(T + timedelta(hours=48) - MINUTE, expire_extension_requests) == 0
    assert _at(T + timedelta(hours=48), expire_extension_requests) == 1

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.state == RequestState.EXPIRED
    assert order.due_at == T + timedelta(days=5)
    assert OrderEvent.objects.filter(order=order, kind=EventKind.EXTENSION_EXPIRED).count() == 1


def test_unanswered_cancellation_request_is_carried_out_after_48_hours():
    order = OrderFactory(state=State.ACTIVE, started_at=T, due_at=T + timedelta(days=5))
    with time_machine.travel(T, tick=False):
        request = resolution.cancellation_request_create(
            order=order, actor=order.buyer, reason="Plans changed"
        )

    assert _at(T + timedelta(hours=48) - MINUTE, carry_out_cancellation_requests) == 0
    assert _at(T + timedelta(hours=48), carry_out_cancellation_requests) == 1

    order.refresh_from_db()
    request.refresh_from_db()
    assert order.state == State.CANCELED
    assert order.canceled_by == CancelBy.MUTUAL
    assert "Plans changed" in order.cancel_reason
    assert request.state == RequestState.APPROVED
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELED)
    assert event.actor is None


@pytest.mark.parametrize(
    "task,make,moment",
    [
        (flag_due_soon, lambda: OrderFactory(state=State.ACTIVE, due_at=T), T - timedelta(hours=1)),
        (flag_late, lambda: OrderFactory(state=State.ACTIVE, due_at=T), T + MINUTE),
        (flag_very_late, lambda: OrderFactory(state=State.ACTIVE, due_at=T), T + timedelta(days=2)),
        (
            auto_complete_deliveries,
            lambda: OrderFactory(state=State.DELIVERED, delivered_at=T),
            T + timedelta(days=4),
        ),
    ],
    ids=["due_soon", "late", "very_late", "auto_complete"],
)
def test_running_a_scan_twice_acts_once(task, make, moment):
    order = make()
    assert _at(moment, task) == 1
    notices = Notification.objects.filter(order=order).count()
    events = OrderEvent.objects.filter(order=order).count()

    assert _at(moment, task) == 0
    assert _at(moment + timedelta(hours=1), task) == 0
    assert Notification.objects.filter(order=order).count() == notices
    assert OrderEvent.objects.filter(order=order).count() == events


def _ask_more_time(order):
    return resolution.extension_request_create(
        order=order, actor=order.seller, days=2, reason="More pages"
    )


def _ask_to_cancel(order):
    return resolution.cancellation_request_create(
        order=order, actor=order.buyer, reason="Plans changed"
    )


@pytest.mark.parametrize(
    "ask,task,ended_as,acted,told",
    [
        (_ask_more_time, expire_extension_requests, State.DELIVERED, RequestState.EXPIRED, 0),
        (
            _ask_to_cancel,
            carry_out_cancellation_requests,
            State.COMPLETED,
            RequestState.APPROVED,
            2,
        ),
    ],
    ids=["extension expiry", "cancellation carry-out"],
)
def test_a_request_left_open_on_an_order_that_moved_on_is_closed_not_acted_on(
    ask, task, ended_as, acted, told
):
    # Orders that moved on before requests were closed with them: the oldest
    # due request sits on such an order. The scan closes it, tells both sides
    # when it was a cancellation request (one of them still waits for an
    # answer), and goes on to the next.
    moved_on = OrderFactory(state=State.ACTIVE, started_at=T, due_at=T + timedelta(days=5))
    live = OrderFactory(state=State.ACTIVE, started_at=T, due_at=T + timedelta(days=5))
    with time_machine.travel(T, tick=False):
        stale = ask(moved_on)
    with time_machine.travel(T + MINUTE, tick=False):
        due = ask(live)
    # Moved on round the services, as the old code left it.
    type(moved_on).objects.filter(pk=moved_on.pk).update(state=ended_as)
    notices = Notification.objects.filter(order=moved_on).count()

    assert _at(T + timedelta(hours=49), task) == 1

    stale.refresh_from_db()
    due.refresh_from_db()
    moved_on.refresh_from_db()
    assert stale.state == RequestState.CLOSED and moved_on.state == ended_as
    assert OrderEvent.objects.filter(order=moved_on, kind=EventKind.REQUEST_CLOSED).count() == 1
    closed = Notification.objects.filter(order=moved_on, kind="cancellation_closed")
    assert Notification.objects.filter(order=moved_on).count() == notices + told
    assert {n.recipient for n in closed} == ({moved_on.buyer, moved_on.seller} if told else set())
    assert due.state == acted
    assert _at(T + timedelta(hours=50), task) == 0
    assert closed.count() == told


@pytest.mark.parametrize("task", [expire_extension_requests, carry_out_cancellation_requests])
def test_running_a_request_scan_twice_acts_once(task):
    order = OrderFactory(state=State.ACTIVE, started_at=T, due_at=T + timedelta(days=5))
    with time_machine.travel(T, tick=False):
        resolution.extension_request_create(order=order, actor=order.seller, days=1, reason="x")
        resolution.cancellation_request_create(order=order, actor=order.buyer, reason="y")
    later = T + timedelta(hours=49)
    assert _at(later, task) == 1
    events = OrderEvent.objects.filter(order=order).count()
    assert _at(later, task) == 0
    assert OrderEvent.objects.filter(order=order).count() == events


def test_an_approved_extension_gives_a_new_late_notice_for_the_new_date():
    order = OrderFactory(state=State.ACTIVE, started_at=T - timedelta(days=3), due_at=T)
    assert _at(T, flag_late) == 1
    with time_machine.travel(T + timedelta(hours=1), tick=False):
        request = resolution.extension_request_create(
            order=order, actor=order.seller, days=2, reason="Need two more days"
        )
        resolution.extension_request_approve(request=request, actor=order.buyer)
    order.refresh_from_db()
    assert order.late_notified_at is None

    assert _at(T + timedelta(days=2) - MINUTE, flag_late) == 0
    assert _at(T + timedelta(days=2), flag_late) == 1
    assert (
        Notification.objects.filter(order=order, kind="late", recipient=order.seller).count() == 2
    )


def test_a_revision_after_the_review_window_restarts_it():
    order = OrderFactory(state=State.DELIVERED, delivered_at=T, revisions_included=1)
    from sales import services

    with time_machine.travel(T + timedelta(days=2), tick=False):
        services.order_request_revision(order=order, actor=order.buyer, message="Redo")
    assert _at(T + timedelta(days=3), auto_complete_deliveries) == 0
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def _count_queries(task):
    with CaptureQueriesContext(connection) as ctx:
        task.run()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "task,due,not_due",
    [
        (
            flag_late,
            {"state": State.ACTIVE, "due_at": T - MINUTE},
            {"state": State.ACTIVE, "due_at": T + timedelta(days=9)},
        ),
        (
            auto_complete_deliveries,
            {"state": State.DELIVERED, "delivered_at": T - timedelta(days=4)},
            {"state": State.DELIVERED, "delivered_at": T},
        ),
        (
            remind_requirements,
            {"state": State.PENDING, "created_at": T - timedelta(hours=25)},
            {"state": State.PENDING, "created_at": T},
        ),
    ],
    ids=["late", "auto_complete", "requirements"],
)
def test_scan_queries_do_not_grow_with_orders_that_are_not_due(task, due, not_due):
    OrderFactory.create_batch(3, **not_due)
    with time_machine.travel(T, tick=False):
        OrderFactory.create_batch(3, **due)
        small = _count_queries(task)
    OrderFactory.create_batch(200, **not_due)
    with time_machine.travel(T, tick=False):
        OrderFactory.create_batch(3, **due)
        large = _count_queries(task)
    assert small == large


def test_run_deadlines_runs_every_scan_once():
    order = OrderFactory(state=State.ACTIVE, due_at=T)
    pending = OrderFactory(state=State.PENDING, created_at=T)
    out = StringIO()
    with time_machine.travel(T + timedelta(days=2), tick=False):
        call_command("run_deadlines", stdout=out)
    assert "1  late notices" in out.getvalue()
    assert "1  very late notices" in out.getvalue()
    assert "1  requirements reminders" in out.getvalue()
    assert Notification.objects.filter(order=order, kind="late").count() == 2
    assert Notification.objects.filter(order=pending, kind="requirements_reminder").count() == 1


def test_nothing_due_means_nothing_done():
    assert ExtensionRequest.objects.count() == 0 and CancellationRequest.objects.count() == 0
    for task in (
        flag_due_soon,
        flag_late,
        flag_very_late,
        remind_requirements,
        auto_complete_deliveries,
        expire_extension_requests,
        carry_out_cancellation_requests,
    ):
        assert task.run() == 0
