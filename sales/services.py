"""Every write to an order. Each service locks the order row first.

A service opens a transaction, re-reads the order with
``select_for_update()``, checks that the actor may do it and that the state
allows it, calls the transition, saves, and writes the ``OrderEvent`` in the
same transaction. Two clicks, or a buyer racing support, therefore queue on
the row lock, and the second one sees the state the first one left.
"""

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from jobs.models import Job

from .models import CancelBy, Delivery, EventKind, Order, OrderEvent, State


class OrderActionError(Exception):
    """A refusal, worded for the person who asked."""


# Why an action is refused, by the state the order is in.
_STATE_REASONS = {
    State.PENDING: "the buyer has not submitted the requirements yet",
    State.ACTIVE: "it is still in progress",
    State.DELIVERED: "it was already delivered and is waiting for the buyer's review",
    State.COMPLETED: "it is already completed",
    State.CANCELED: "it was canceled",
}

_ROLE_REFUSALS = {
    "submit_requirements": "Only the buyer can submit the requirements.",
    "deliver": "Only the seller can deliver this order.",
    "request_revision": "Only the buyer can ask for a revision.",
    "accept": "Only the buyer can accept the delivery.",
    "cancel": "Only customer support can cancel an order directly.",
}


def _lock(order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _check(order, name, *, actor, check_actor=True):
    method = getattr(order, name)
    meta = method._django_fsm
    if not meta.has_transition(order.state):
        verb = next(iter(meta.transitions.values())).custom["verb"]
        raise OrderActionError(f"You can't {verb} this order: {_STATE_REASONS[order.state]}.")
    if check_actor and (
        actor is None or not meta.get_transition(order.state).has_perm(order, actor)
    ):
        raise OrderActionError(_ROLE_REFUSALS[name])
    if not can_proceed(method):
        # The only condition in the graph: revisions left.
        raise OrderActionError("No revisions are left on this order.")


def order_check_allowed(*, order: Order, actor, transition: str) -> None:
    """Raise ``OrderActionError`` if the actor may not run this transition now.

    A cheap early answer for views, before they validate a form; the service
    checks again under the row lock.
    """
    _check(order, transition, actor=actor)


def _run_transition(
    order,
    name,
    *,
    actor,
    check_actor=True,
    expected_state=None,
    event_kind,
    event_data=None,
    **kwargs,
) -> Order:
    """Lock, check, transition, save and log. Must run inside ``atomic()``.

    ``expected_state`` is the state the actor was looking at: if the order
    moved on since (a delivery landed while support read the page), nothing
    happens. A moved due date on a started order gets its own DUE_CHANGED event.
    """
    locked = _lock(order)
    if expected_state is not None and locked.state != expected_state:
        raise OrderActionError(
            f"This order changed in the meantime: {_STATE_REASONS[locked.state]}. "
            "Nothing was done; look at it again."
        )
    method = getattr(locked, name)
    _check(locked, name, actor=actor, check_actor=check_actor)
    from_state, due_before = locked.state, locked.due_at
    method(**kwargs)
    locked.save()
    OrderEvent.objects.create(
        order=locked,
        kind=event_kind,
        from_state=from_state,
        to_state=locked.state,
        actor=actor,
        data=event_data or {},
    )
    if due_before is not None and locked.due_at != due_before:
        OrderEvent.objects.create(
            order=locked,
            kind=EventKind.DUE_CHANGED,
            from_state=locked.state,
            to_state=locked.state,
            actor=actor,
            data={
                "from": due_before.isoformat(),
                "to": locked.due_at.isoformat(),
                "reason": event_kind,
            },
        )
    return locked


def order_place(*, job: Job, buyer) -> Order:
    """Place an order for a Job at its current terms.

    Raises ``OrderActionError`` when the Job is paused or the buyer sells it.
    Locks the Job row so a pause that lands first is seen.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.seller_id == buyer.pk:
            raise OrderActionError("You can't order your own Job.")
        if job.is_paused:
            raise OrderActionError("This Job is paused and can't be ordered right now.")
        order = Order.objects.create(
            job=job,
            buyer=buyer,
            seller_id=job.seller_id,
            title=job.title,
            price=job.price,
            delivery_days=job.delivery_days,
            revisions_included=job.revisions,
            questions=job.question_list,
        )
        OrderEvent.objects.create(
            order=order,
            kind=EventKind.PLACED,
            to_state=order.state,
            actor=buyer,
            data={"price": str(order.price), "delivery_days": order.delivery_days},
        )
    return order


def order_submit_requirements(*, order: Order, actor, answers: list[dict]) -> Order:
    """The buyer answers the Job's questions; the order starts and its clock runs."""
    with transaction.atomic():
        now = timezone.now()
        return _run_transition(
            order,
            "submit_requirements",
            actor=actor,
            event_kind=EventKind.REQUIREMENTS_SUBMITTED,
            answers=answers,
            now=now,
        )


def order_deliver(*, order: Order, actor, message: str) -> Order:
    """The seller delivers with a message. Locks the order."""
    with transaction.atomic():
        order = _run_transition(
            order, "deliver", actor=actor, event_kind=EventKind.DELIVERED, now=timezone.now()
        )
        Delivery.objects.create(order=order, message=message)
    return order


def order_request_revision(*, order: Order, actor, message: str) -> Order:
    """The buyer sends the delivery back, while revisions remain."""
    with transaction.atomic():
        return _run_transition(
            order,
            "request_revision",
            actor=actor,
            event_kind=EventKind.REVISION_REQUESTED,
            event_data={"message": message},
            now=timezone.now(),
        )


def order_accept(*, order: Order, actor) -> Order:
    with transaction.atomic():
        return _run_transition(
            order, "accept", actor=actor, event_kind=EventKind.ACCEPTED, now=timezone.now()
        )


def order_auto_complete(*, order: Order) -> Order:
    """Complete a delivery nobody reviewed within the review window (system)."""
    with transaction.atomic():
        return _run_transition(
            order,
            "auto_complete",
            actor=None,
            check_actor=False,
            event_kind=EventKind.AUTO_COMPLETED,
            now=timezone.now(),
        )


def order_cancel(
    *, order: Order, actor, reason: str, by: str = CancelBy.SUPPORT, expected_state=None
) -> Order:
    """Cancel an order with a reason. Support cancels directly; other paths
    (mutual agreement, a very late order) check their own rules first.

    Pass ``expected_state`` (the state the actor saw) to refuse if the order
    moved on meanwhile. Raises ``OrderActionError``; locks the order.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderActionError("Give a reason for the cancellation.")
    with transaction.atomic():
        return _run_transition(
            order,
            "cancel",
            actor=actor,
            check_actor=(by == CancelBy.SUPPORT),
            expected_state=expected_state,
            event_kind=EventKind.CANCELED,
            event_data={"reason": reason, "by": by},
            reason=reason,
            by=by,
            now=timezone.now(),
        )
