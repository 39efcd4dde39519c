"""The services behind every change of an order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from sales import services
from sales.models import CancelBy, EventKind, Order, OrderEvent, State
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_placing_an_order_copies_the_jobs_terms():
    job = JobFactory(
        price=Decimal("75.50"), delivery_days=4, revisions=2, questions="Your name?\nYour colors?"
    )
    buyer = UserFactory()

    order = services.order_place(job=job, buyer=buyer)

    job.price, job.delivery_days, job.revisions = Decimal("99"), 9, 0
    job.save()
    order.refresh_from_db()
    assert (order.price, order.delivery_days, order.revisions_included) == (Decimal("75.50"), 4, 2)
    assert order.questions == ["Your name?", "Your colors?"]
    assert order.state == State.PENDING
    assert order.seller == job.seller
    assert OrderEvent.objects.get(order=order).kind == EventKind.PLACED


def test_order_numbers_are_unique_and_not_sequential():
    job = JobFactory()
    numbers = [services.order_place(job=job, buyer=UserFactory()).number for _ in range(20)]
    assert len(set(numbers)) == 20
    assert all(len(n) == 10 and n.isalnum() and n.isupper() for n in numbers)
    assert sorted(numbers) != numbers or sorted(numbers, reverse=True) != numbers


def test_seller_cannot_order_their_own_job():
    job = JobFactory()
    with pytest.raises(services.OrderActionError, match="You can't order your own Job."):
        services.order_place(job=job, buyer=job.seller)
    assert not Order.objects.exists()


def test_paused_job_cannot_be_ordered():
    job = JobFactory(is_paused=True)
    with pytest.raises(services.OrderActionError, match="paused"):
        services.order_place(job=job, buyer=UserFactory())
    assert not Order.objects.exists()


def test_submitting_requirements_starts_the_clock():
    order = OrderFactory(delivery_days=3)
    with time_machine.travel("2030-05-01 10:00Z", tick=False):
        order = services.order_submit_requirements(
            order=order, actor=order.buyer, answers=[{"question": "Q", "answer": "A"}]
        )
    assert order.started_at == datetime(2030, 5, 1, 10, tzinfo=UTC)
    assert order.due_at == order.started_at + timedelta(days=3)
    assert order.requirements == [{"question": "Q", "answer": "A"}]


def test_revision_keeps_the_remaining_window_and_logs_the_due_change():
    start = datetime(2030, 5, 1, 10, tzinfo=UTC)
    order = OrderFactory(
        state=State.DELIVERED,
        started_at=start,
        due_at=start + timedelta(days=5),
        revisions_included=2,
    )
    with time_machine.travel(start + timedelta(days=1), tick=False):
        order = services.order_request_revision(order=order, actor=order.buyer, message="Bigger")
    assert order.state == State.ACTIVE
    assert order.due_at == start + timedelta(days=5)  # unchanged: time was left
    assert order.revisions_used == 1
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.DUE_CHANGED).exists()


def test_late_revision_gives_the_seller_a_minimum_window(settings):
    settings.REVISION_MIN_HOURS = 24
    start = datetime(2030, 5, 1, 10, tzinfo=UTC)
    order = OrderFactory(state=State.DELIVERED, started_at=start, due_at=start + timedelta(days=1))
    now = start + timedelta(days=4)
    with time_machine.travel(now, tick=False):
        order = services.order_request_revision(order=order, actor=order.buyer, message="Redo")
    assert order.due_at == now + timedelta(hours=24)
    event = OrderEvent.objects.get(order=order, kind=EventKind.DUE_CHANGED)
    assert event.data["to"] == order.due_at.isoformat()
    assert event.actor == order.buyer


def test_support_cancel_records_who_and_why():
    support = UserFactory(is_staff=True, is_superuser=True)
    order = OrderFactory(state=State.ACTIVE)

    order = services.order_cancel(order=order, actor=support, reason="Payment reversed")

    assert order.state == State.CANCELED
    assert order.canceled_by == CancelBy.SUPPORT
    assert order.cancel_reason == "Payment reversed"
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELED)
    assert event.actor == support
    assert event.data == {"reason": "Payment reversed", "by": "support"}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_cancel_needs_a_reason(reason):
    order = OrderFactory(state=State.ACTIVE)
    support = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(services.OrderActionError, match="Give a reason"):
        services.order_cancel(order=order, actor=support, reason=reason)
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_a_party_cannot_cancel_as_support():
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(services.OrderActionError, match="Only customer support"):
        services.order_cancel(order=order, actor=order.buyer, reason="Changed my mind")


def test_completed_order_cannot_be_canceled():
    order = OrderFactory(state=State.COMPLETED)
    support = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(services.OrderActionError, match="it is already completed"):
        services.order_cancel(order=order, actor=support, reason="Too late")


def test_auto_complete_is_done_by_the_system(settings):
    settings.ORDER_REVIEW_DAYS = 3
    order = OrderFactory(state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=3))
    order = services.order_auto_complete(order=order)
    assert order.state == State.COMPLETED
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.actor) == (EventKind.AUTO_COMPLETED, None)


def test_auto_complete_refuses_a_delivery_still_in_review(settings):
    settings.ORDER_REVIEW_DAYS = 3
    order = OrderFactory(
        state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=2, hours=23)
    )
    with pytest.raises(services.OrderActionError, match="not a delivery past its review window"):
        services.order_auto_complete(order=order)
    order.refresh_from_db()
    assert order.state == State.DELIVERED


def test_state_cannot_be_set_directly():
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(AttributeError):
        order.state = State.COMPLETED


def test_events_are_append_only():
    order = OrderFactory(state=State.DELIVERED)
    services.order_accept(order=order, actor=order.buyer)
    event = OrderEvent.objects.get(order=order)
    event.kind = EventKind.CANCELED
    with pytest.raises(TypeError):
        event.save()


def test_clock_readings(settings):
    settings.DUE_SOON_HOURS = 24
    settings.VERY_LATE_HOURS = 24
    now = timezone.now()
    assert OrderFactory(state=State.ACTIVE, due_at=now + timedelta(hours=30)).clock(now) is None
    assert (
        OrderFactory(state=State.ACTIVE, due_at=now + timedelta(hours=23)).clock(now) == "due_soon"
    )
    late = OrderFactory(state=State.ACTIVE, due_at=now - timedelta(hours=1))
    assert late.clock(now) == "late" and not late.reads("very_late", now)
    very_late = OrderFactory(state=State.ACTIVE, due_at=now - timedelta(hours=25))
    assert very_late.reads("very_late", now)
    assert OrderFactory(state=State.DELIVERED, due_at=now - timedelta(hours=1)).clock(now) is None
