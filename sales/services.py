"""Every write to an order. Each service locks the order row first.

A service opens a transaction, re-reads the order with
``select_for_update()``, checks that the actor may do it and that the state
allows it, calls the transition, saves, and writes the ``OrderEvent`` in the
same transaction. Two clicks, or a buyer racing support, therefore queue on
the row lock, and the second one sees the state the first one left.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from jobs.models import Job
from messaging.models import MessageKind, NotificationKind
from messaging.outbox import notify
from messaging.services import (
    MessagingError,
    attachments_stored,
    message_create,
    order_notices_mark_read,
)

from .counts import order_counts_move
from .inquiries import Inquiry
from .models import (
    CancelBy,
    EventKind,
    Order,
    OrderEvent,
    State,
    first_requirements_reminder,
    hours_in_words,
    requirements_reminder_step,
)
from .requests import CancellationRequest, ExtensionRequest, RequestState
from .selectors import deadline_rule, requirements_reminder_rule


class OrderActionError(Exception):
    """A refusal, worded for the person who asked."""


class OrderActionBlocked(OrderActionError):
    """A refusal the viewer can clear by doing something else first (answer a
    request): the order page shows it where the action would be, rather than
    leaving the seller to wonder where the action went."""


# Why an action is refused, by the state the order is in.
_STATE_REASONS = {
    State.PENDING: "the buyer has not submitted the requirements yet",
    State.ACTIVE: "it is still in progress",
    State.DELIVERED: "it was already delivered and is waiting for the buyer's review",
    State.COMPLETED: "it is already completed",
    State.CANCELED: "it was canceled",
}

# What each transition is called in a refusal: "You can't deliver this order".
TRANSITION_VERBS = {
    "submit_requirements": "submit the requirements for",
    "deliver": "deliver",
    "request_revision": "request a revision of",
    "accept": "accept",
    "auto_complete": "complete",
    "cancel": "cancel",
}

_ROLE_REFUSALS = {
    "submit_requirements": "Only the buyer can submit the requirements.",
    "deliver": "Only the seller can deliver this order.",
    "request_revision": "Only the buyer can ask for a revision.",
    "accept": "Only the buyer can accept the delivery.",
    "cancel": "Only customer support can cancel an order directly.",
}


def order_lock(order) -> Order:
    """Re-read the order with its row locked (inside a transaction). Every
    write starts here; when a request is locked too, the order comes first."""
    # of=("self",): only the order's row. A plain FOR UPDATE would lock the
    # joined buyer and seller rows too, so every change to any of a seller's
    # orders (and their log-in, which writes last_login) would wait in line.
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("buyer", "seller")
        .get(pk=order.pk)
    )


def _open_cancellation_blocks_delivery(order):
    """A cancellation request is answered before the order is delivered: a
    delivery would leave the request to be carried out on finished work, or
    the buyer reviewing work they asked not to get."""
    request = (
        CancellationRequest.objects.filter(order=order, state=RequestState.OPEN)
        .only("requested_by_id")
        .first()
    )
    if request is None:
        return
    if request.requested_by_id == order.seller_id:
        raise OrderActionBlocked(
            "You asked to cancel this order: withdraw that request before you deliver."
        )
    raise OrderActionBlocked(
        f"{order.buyer.display_name} asked to cancel this order: answer that request before "
        "you deliver. Agree to cancel, or decline it and then deliver."
    )


# Rules beyond state and role, by transition. Checked by the page (to explain
# a missing action) and again by the service under the row lock.
_BLOCKERS = {"deliver": _open_cancellation_blocks_delivery}


def _check(order, name, *, actor, check_actor=True):
    """Refuse what the state machine would not run, asking django-fsm's own
    checks (``can_proceed``, ``has_transition_perm``): first the state, then
    the transition's conditions, then who is asking."""
    method = getattr(order, name)
    if not can_proceed(method, check_conditions=False):
        raise OrderActionError(
            f"You can't {TRANSITION_VERBS[name]} this order: {_STATE_REASONS[order.state]}."
        )
    if not can_proceed(method):
        # The only condition in the graph: revisions left.
        raise OrderActionError("No revisions are left on this order.")
    if check_actor and (actor is None or not has_transition_perm(method, actor)):
        raise OrderActionError(_ROLE_REFUSALS[name])
    if blocker := _BLOCKERS.get(name):
        blocker(order)


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
    guard=None,
    event_kind,
    event_data=None,
    **kwargs,
) -> tuple[Order, OrderEvent]:
    """Lock, check, transition, save and log. Must run inside ``atomic()``.

    ``expected_state`` is the state the actor was looking at: if the order
    moved on since (a delivery landed while support read the page), nothing
    happens. ``guard(locked)`` runs first under the lock: it may refuse
    (raise) on what only the locked row can tell, or lock and change a row
    that goes with the transition (the request an answer accepts). A moved
    due date on a started order gets its own DUE_CHANGED event.
    """
    locked = order_lock(order)
    if expected_state is not None and locked.state != expected_state:
        raise OrderActionError(
            f"This order changed in the meantime: {_STATE_REASONS[locked.state]}. "
            "Nothing was done; look at it again."
        )
    if guard is not None:
        guard(locked)
    method = getattr(locked, name)
    _check(locked, name, actor=actor, check_actor=check_actor)
    from_state, due_before = locked.state, locked.due_at
    method(**kwargs)
    locked.save()
    order_counts_move(locked, from_state=from_state, to_state=locked.state)
    event = event_record(
        locked, kind=event_kind, actor=actor, data=event_data, from_state=from_state
    )
    if due_before is not None and locked.due_at != due_before:
        due_change_record(locked, actor=actor, before=due_before, reason=event_kind)
    order_close_moot_requests(locked, now=kwargs.get("now"))
    return locked, event


def order_close_moot_requests(order, now=None):
    """Requests that no longer make sense once the order moved on are closed:
    more time only matters while it is in progress, a cancellation only while
    it is open. The order row is already locked, so this keeps the lock order."""
    now = now or timezone.now()
    if order.state != State.ACTIVE:
        for request in ExtensionRequest.objects.filter(order=order, state=RequestState.OPEN):
            request_close_moot(order, request, now=now)
    if order.state in (State.COMPLETED, State.CANCELED):
        for request in CancellationRequest.objects.filter(order=order, state=RequestState.OPEN):
            request_close_moot(order, request, now=now)


# How a closed cancellation request explains itself, by where the order went.
_CANCELLATION_CLOSED_TEXT = {
    State.DELIVERED: "{requester}'s request to cancel order #{number} is closed without "
    "canceling it: the order was delivered, and an unanswered request never cancels a "
    "delivered order. The buyer reviews the delivery as usual.",
    State.COMPLETED: "{requester}'s request to cancel order #{number} is closed: the order "
    "is completed.",
    State.CANCELED: "{requester}'s request to cancel order #{number} is closed: the order "
    "was canceled ({by}).",
}


def request_close_moot(order, request, *, now):
    """Close an open request the order's state made moot, on its timeline. A
    cancellation request also tells both sides, once: the one who asked would
    otherwise still wait for an answer, the other still think they owe one.
    The order and the request must be locked, in that order."""
    request.close(now=now)
    request.save()
    event_record(
        order,
        kind=EventKind.REQUEST_CLOSED,
        actor=None,
        data={"request": request.pk, "what": request._meta.verbose_name},
    )
    if isinstance(request, CancellationRequest) and order.state in _CANCELLATION_CLOSED_TEXT:
        notify(
            recipients=[order.buyer, order.seller],
            kind=NotificationKind.CANCELLATION_CLOSED,
            key=f"cancellation:{request.pk}:closed",
            order=order,
            text=_CANCELLATION_CLOSED_TEXT[order.state].format(
                requester=request.requested_by.display_name,
                number=order.number,
                by=order.get_canceled_by_display(),
            ),
        )


def event_record(order, *, kind, actor, data=None, from_state=None) -> OrderEvent:
    """Append to the order's history. Call inside the change's transaction."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_state=from_state if from_state is not None else order.state,
        to_state=order.state,
        actor=actor,
        data=data or {},
    )


def due_change_record(order, *, actor, before, reason) -> OrderEvent:
    return event_record(
        order,
        kind=EventKind.DUE_CHANGED,
        actor=actor,
        data={"from": before.isoformat(), "to": order.due_at.isoformat(), "reason": reason},
    )


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
        now = timezone.now()
        order = Order.objects.create(
            # The buyer's questions before ordering, linked from the order page.
            inquiry=Inquiry.objects.filter(job=job, buyer=buyer).first(),
            created_at=now,
            requirements_reminder_at=first_requirements_reminder(now),
            job=job,
            buyer=buyer,
            seller_id=job.seller_id,
            title=job.title,
            price=job.price,
            delivery_days=job.delivery_days,
            revisions_included=job.revisions,
            questions=job.question_list,
        )
        order_counts_move(order, from_state=None, to_state=order.state)
        event_record(
            order,
            kind=EventKind.PLACED,
            actor=buyer,
            data={"price": str(order.price), "delivery_days": order.delivery_days},
            from_state="",
        )
        notify(
            recipients=[order.seller],
            kind=NotificationKind.ORDER_PLACED,
            key=f"order:{order.pk}",
            order=order,
            text=f"New order #{order.number} from {buyer.display_name}: {order.title}. "
            "Message the buyer right away.",
        )
    return order


def _notify_event(order, event, *, recipients, kind, text):
    notify(recipients=recipients, kind=kind, key=f"event:{event.pk}", order=order, text=text)


def order_submit_requirements(*, order: Order, actor, answers: list[dict]) -> Order:
    """The buyer answers the Job's questions; the order starts and its clock runs."""
    with transaction.atomic():
        order, event = _run_transition(
            order,
            "submit_requirements",
            actor=actor,
            event_kind=EventKind.REQUIREMENTS_SUBMITTED,
            answers=answers,
            now=timezone.now(),
        )
        _notify_event(
            order,
            event,
            recipients=[order.seller],
            kind=NotificationKind.REQUIREMENTS_SUBMITTED,
            text=f"{order.buyer.display_name} submitted the requirements for #{order.number}: "
            "the order has started.",
        )
        order_notices_mark_read(order=order, user=actor)
    return order


def order_deliver(*, order: Order, actor, message: str, files=()) -> Order:
    """The seller delivers: a delivery message with its files, and the order
    moves to delivered. Locks the order; files must have passed ``check_upload``."""
    with attachments_stored(files) as attachments, transaction.atomic():
        order, event = _run_transition(
            order, "deliver", actor=actor, event_kind=EventKind.DELIVERED, now=timezone.now()
        )
        _conversation_add(
            order=order,
            sender=actor,
            kind=MessageKind.DELIVERY,
            body=message,
            attachments=attachments,
        )
        _notify_event(
            order,
            event,
            recipients=[order.buyer],
            kind=NotificationKind.DELIVERED,
            text=f"{actor.display_name} delivered order #{order.number}. Review it and accept it "
            f"or ask for a revision within {settings.ORDER_REVIEW_DAYS} days.",
        )
    return order


def order_request_revision(*, order: Order, actor, message: str) -> Order:
    """The buyer sends the delivery back, while revisions remain."""
    with transaction.atomic():
        order, event = _run_transition(
            order,
            "request_revision",
            actor=actor,
            event_kind=EventKind.REVISION_REQUESTED,
            event_data={"message": message},
            now=timezone.now(),
        )
        _notify_event(
            order,
            event,
            recipients=[order.seller],
            kind=NotificationKind.REVISION_REQUESTED,
            text=f"{actor.display_name} asked for a revision of #{order.number}.",
        )
        order_notices_mark_read(order=order, user=actor)
    return order


def order_accept(*, order: Order, actor) -> Order:
    with transaction.atomic():
        order, event = _run_transition(
            order, "accept", actor=actor, event_kind=EventKind.ACCEPTED, now=timezone.now()
        )
        _notify_event(
            order,
            event,
            recipients=[order.seller],
            kind=NotificationKind.COMPLETED,
            text=f"{actor.display_name} accepted your delivery: order #{order.number} is completed.",
        )
        order_notices_mark_read(order=order, user=actor)
        _invite_reviews(order)
    return order


def order_auto_complete(*, order: Order, now=None) -> Order:
    """Complete a delivery nobody reviewed within the review window (system).

    Raises ``OrderActionError`` if, under the lock, the order is no longer a
    delivery past its review window (the buyer answered, or it was delivered
    again after a revision).
    """
    now = now or timezone.now()

    def past_review(locked):
        if locked.state != State.DELIVERED or locked.review_ends_at > now:
            raise OrderActionError(
                f"Order #{locked.number} is not a delivery past its review window."
            )

    with transaction.atomic():
        order, event = _run_transition(
            order,
            "auto_complete",
            actor=None,
            check_actor=False,
            guard=past_review,
            event_kind=EventKind.AUTO_COMPLETED,
            now=now,
        )
        _notify_event(
            order,
            event,
            recipients=[order.buyer, order.seller],
            kind=NotificationKind.COMPLETED,
            text=f"Order #{order.number} completed automatically "
            f"{settings.ORDER_REVIEW_DAYS} days after delivery.",
        )
        _invite_reviews(order)
    return order


def _invite_reviews(order):
    """Ask both sides of a just-completed order for a review, once each. The
    reviews themselves are written in ``review_services``."""
    days = settings.REVIEW_WINDOW_DAYS
    others = {order.buyer_id: order.seller.display_name, order.seller_id: order.buyer.display_name}
    for user in (order.buyer, order.seller):
        notify(
            recipients=[user],
            kind=NotificationKind.REVIEW_INVITED,
            key=f"reviews:{order.pk}:invited",
            order=order,
            url=f"{order.get_absolute_url()}#review-form",
            text=f"Order #{order.number} is completed. How was working with "
            f"{others[user.pk]}? Leave a review within {days} days; neither of you sees "
            "the other's review until both have written one or the time is up.",
        )


def order_cancel(
    *,
    order: Order,
    actor,
    reason: str,
    by: str = CancelBy.SUPPORT,
    requested_by=None,
    expected_state=None,
    guard=None,
    now=None,
) -> Order:
    """Cancel an order with a reason. Support cancels directly; other paths
    (mutual agreement, a very late order) check their own rules first, or
    pass them as ``guard(locked)``, run under the lock.

    Pass ``expected_state`` (the state the actor saw) to refuse if the order
    moved on meanwhile. Raises ``OrderActionError``; locks the order.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderActionError("Give a reason for the cancellation.")
    with transaction.atomic():
        order, event = _run_transition(
            order,
            "cancel",
            actor=actor,
            check_actor=(by == CancelBy.SUPPORT),
            expected_state=expected_state,
            guard=guard,
            event_kind=EventKind.CANCELED,
            event_data={"reason": reason, "by": by},
            reason=reason,
            by=by,
            requested_by=requested_by,
            now=now or timezone.now(),
        )
        _notify_event(
            order,
            event,
            # Both parties, except the one who canceled (they know).
            recipients=[
                u for u in (order.buyer, order.seller) if actor is None or u.pk != actor.pk
            ],
            kind=NotificationKind.CANCELED,
            text=f"Order #{order.number} was canceled ({CancelBy(by).label}): {reason}",
        )
    return order


def order_cancel_very_late(*, order: Order, actor, reason: str) -> Order:
    """The buyer cancels alone an order more than VERY_LATE_HOURS past due."""
    return order_cancel(
        order=order,
        actor=actor,
        reason=reason,
        by=CancelBy.BUYER_LATE,
        requested_by=actor,
        guard=lambda locked: order_cancel_very_late_check_allowed(order=locked, actor=actor),
    )


def order_cancel_very_late_check_allowed(*, order: Order, actor, now=None) -> None:
    """Raise ``OrderActionError`` unless the buyer may cancel this order alone
    (at ``now``, the current moment by default)."""
    if actor.pk != order.buyer_id:
        raise OrderActionError("Only the buyer can cancel a late order.")
    if not order.reads("very_late", now):
        raise OrderActionError(
            "You can cancel on your own only when an order is more than "
            f"{settings.VERY_LATE_HOURS} hours late. Ask the seller to cancel by "
            "mutual agreement instead."
        )


_DEADLINE_TEXT = {
    "due_soon": {
        "seller": "Order #{number} is due in less than {hours} hours, on {due}.",
    },
    "late": {
        "seller": "Order #{number} is late: it was due on {due}. {seller_late_next}",
        "buyer": "Order #{number} is late: it was due on {due}. The seller has been told.",
    },
    "very_late": {
        "buyer": "Order #{number} is more than {late_hours} hours late. You may cancel it "
        "from the order page.",
        # What the seller risks now, in the words of the cancellation rule.
        "seller": "Order #{number} is more than {late_hours} hours late (due {due}). "
        "{buyer} may now cancel it alone, and that cancellation "
        "would count against your completion rate. {seller_next}",
    },
}


def order_send_deadline_notice(*, order_id, notice, now=None) -> bool:
    """Send one deadline notice (due soon, late, very late) for an order's
    current due date, at most once.

    The order is claimed with a conditional update that re-checks the rule, so
    two scans, or a scan racing an extension that moved the due date, act at
    most once. Returns True if this call sent it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Order.objects.filter(deadline_rule(notice, now), pk=order_id).update(
            **{f"{notice}_notified_at": now}
        )
        if not claimed:
            return False
        order = Order.objects.select_related("buyer", "seller").get(pk=order_id)
        # Deliver waits for an open cancellation request's answer: say so
        # rather than ask for a delivery the page would refuse.
        asked_by = (
            CancellationRequest.objects.filter(order=order, state=RequestState.OPEN)
            .values_list("requested_by_id", flat=True)
            .first()
            if notice in ("late", "very_late")
            else None
        )
        answer_first = {
            order.buyer_id: "They asked to cancel it: answer their request on the order page.",
            order.seller_id: "You asked to cancel it: withdraw that request to deliver.",
        }
        seller_next = answer_first.get(asked_by, "Deliver it now.")
        seller_late_next = answer_first.get(
            asked_by, "Deliver it, or ask the buyer for more time in the Resolution Center."
        )
        for role, template in _DEADLINE_TEXT[notice].items():
            user = getattr(order, role)
            due = timezone.localtime(order.due_at, user.zoneinfo).strftime("%a %d %b, %H:%M %Z")
            notify(
                recipients=[user],
                kind=getattr(NotificationKind, notice.upper()),
                key=f"{notice}:{order.pk}:{order.due_at.isoformat()}",
                order=order,
                text=template.format(
                    number=order.number,
                    due=due,
                    hours=settings.DUE_SOON_HOURS,
                    late_hours=settings.VERY_LATE_HOURS,
                    buyer=order.buyer.display_name,
                    seller_next=seller_next,
                    seller_late_next=seller_late_next,
                ),
            )
    return True


def order_send_requirements_reminder(*, order_id, now=None) -> bool:
    """Remind the buyer of a pending order to submit the requirements: once
    per moment in REQUIREMENTS_REMINDERS_HOURS after ordering.

    The reminder is claimed with a conditional update on the reminder time
    just read (which moves it to the next moment), so two scans, or a scan
    racing the buyer's submission, send it at most once. Returns True if this
    call sent it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            Order.objects.filter(requirements_reminder_rule(now), pk=order_id)
            .values("created_at", "requirements_reminder_at")
            .first()
        )
        if row is None:
            return False
        hours, next_at = requirements_reminder_step(row["created_at"], now)
        claimed = Order.objects.filter(
            requirements_reminder_rule(now),
            pk=order_id,
            requirements_reminder_at=row["requirements_reminder_at"],
        ).update(requirements_reminder_at=next_at)
        if not claimed or hours is None:  # another scan got it; or settings moved the moments
            return False
        order = Order.objects.select_related("buyer", "seller").get(pk=order_id)
        notify(
            recipients=[order.buyer],
            kind=NotificationKind.REQUIREMENTS_REMINDER,
            key=f"requirements_reminder:{order.pk}:{hours}",
            order=order,
            text=f"Order #{order.number} has not started yet: you ordered “{order.title}” from "
            f"{order.seller.display_name} {hours_in_words(hours)} ago. Submit the "
            f"requirements to start it; the {order.delivery_days}-day delivery time starts then.",
        )
    return True


# -- the conversation ---------------------------------------------------------


def _conversation_add(*, order: Order, sender, kind, body, attachments=()):
    """A message on the order's conversation; the seller's first one also
    stamps the order (the Priority tab's "new, not answered yet" ends)."""
    message = message_create(
        order=order, sender=sender, kind=kind, body=body, attachments=attachments
    )
    if sender.pk == order.seller_id and order.seller_first_message_at is None:
        # Conditional: only the first message of the seller sets it.
        Order.objects.filter(pk=order.pk, seller_first_message_at=None).update(
            seller_first_message_at=message.created_at
        )
    return message


def message_send(*, order: Order, sender, body: str, kind: str = MessageKind.MESSAGE, files=()):
    """Post a plain message or (seller only) a progress update, and tell the
    other party. Raises ``MessagingError``."""
    role = order.role_of(sender)
    if role is None:
        raise MessagingError("Only the buyer and the seller can write in this conversation.")
    if kind == MessageKind.UPDATE and role != "seller":
        raise MessagingError("Only the seller can send progress updates.")
    if kind not in (MessageKind.MESSAGE, MessageKind.UPDATE):
        raise MessagingError("Deliveries are sent with the Deliver button.")
    with attachments_stored(files) as attachments, transaction.atomic():
        message = _conversation_add(
            order=order, sender=sender, kind=kind, body=body, attachments=attachments
        )
        label = "a progress update" if kind == MessageKind.UPDATE else "a message"
        notify(
            recipients=[order.other_party(sender)],
            kind=NotificationKind.MESSAGE,
            key=f"message:{message.pk}",
            order=order,
            text=f"{sender.display_name} sent {label} on order #{order.number}.",
        )
    return message


def thread_mark_read(*, order: Order, user) -> None:
    """The user opened the conversation: everything in it so far is read."""
    now = timezone.now()
    field = order.read_at_field(user)
    Order.objects.filter(pk=order.pk).update(**{field: now})
    setattr(order, field, now)
    order_notices_mark_read(order=order, user=user, now=now)
