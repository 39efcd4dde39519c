"""The Resolution Center's requests: extension and mutual cancellation.

Locks are always taken order first, then request, so two services touching
the same order and request can never wait on each other in a circle.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from messaging.models import NotificationKind
from messaging.outbox import notify
from messaging.services import order_notices_mark_read

from .models import CancelBy, EventKind, Order, State
from .requests import (
    EXTENSION_MAX_DAYS,
    EXTENSION_MIN_DAYS,
    CancellationRequest,
    ExtensionRequest,
    RequestState,
)
from .services import (
    OrderActionError,
    due_change_record,
    event_record,
    order_cancel,
    order_close_moot_requests,
    order_lock,
    request_close_moot,
)


class RequestError(OrderActionError):
    """A refusal, worded for the person who asked."""


def _lock_request(model, request, order):
    try:
        return model.objects.select_for_update().get(pk=request.pk, order=order)
    except model.DoesNotExist:
        raise RequestError("That request does not exist.") from None


def _require_open(request):
    if not request.is_open:
        raise RequestError(f"This request was already {request.get_state_display().lower()}.")


# -- extension requests ------------------------------------------------------


def extension_request_check_allowed(*, order: Order, actor) -> None:
    """Raise ``RequestError`` unless the actor may ask for more time now.
    Views call it before reading the form; the service calls it under the lock."""
    if actor.pk != order.seller_id:
        raise RequestError("Only the seller can ask for more time.")
    if order.state != State.ACTIVE:
        raise RequestError("You can ask for more time only while the order is in progress.")
    if order.extension_requests.filter(state=RequestState.OPEN).exists():
        raise RequestError("This order already has an extension request waiting for an answer.")


def extension_request_create(*, order: Order, actor, days: int, reason: str) -> ExtensionRequest:
    """The seller asks for ``days`` more days on an active order.

    Raises ``RequestError``. Locks the order.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("Tell the buyer why you need more time.")
    if not isinstance(days, int) or not EXTENSION_MIN_DAYS <= days <= EXTENSION_MAX_DAYS:
        raise RequestError(f"Ask for {EXTENSION_MIN_DAYS} to {EXTENSION_MAX_DAYS} more days.")
    with transaction.atomic():
        order = order_lock(order)
        extension_request_check_allowed(order=order, actor=actor)
        try:
            with transaction.atomic():
                request = ExtensionRequest.objects.create(
                    order=order, requested_by=actor, days=days, reason=reason
                )
        except IntegrityError:  # the partial unique index: one open request
            raise RequestError(
                "This order already has an extension request waiting for an answer."
            ) from None
        event = event_record(
            order,
            kind=EventKind.EXTENSION_REQUESTED,
            actor=actor,
            data={"days": days, "reason": reason, "request": request.pk},
        )
        notify(
            recipients=[order.buyer],
            kind=NotificationKind.EXTENSION_REQUESTED,
            key=f"event:{event.pk}",
            order=order,
            text=f"{actor.display_name} asks for {_days(days)} on #{order.number}: {reason}",
        )
    return request


def extension_request_approve(*, request: ExtensionRequest, actor) -> ExtensionRequest:
    """The buyer approves: the due date moves ``days`` forward from the current
    due date (not from now). Locks the order, then the request."""
    with transaction.atomic():
        order = order_lock(request.order)
        request = _lock_request(ExtensionRequest, request, order)
        if actor.pk != order.buyer_id:
            raise RequestError("Only the buyer can answer this request.")
        _require_open(request)
        if order.state != State.ACTIVE:
            raise RequestError("This order is no longer in progress, so its due date can't move.")
        before = order.due_at
        order.set_due(before + timedelta(days=request.days))
        order.save()
        request.approve(by=actor, now=timezone.now(), due_before=before, due_after=order.due_at)
        request.save()
        event = event_record(
            order,
            kind=EventKind.EXTENSION_APPROVED,
            actor=actor,
            data={"days": request.days, "request": request.pk},
        )
        due_change_record(order, actor=actor, before=before, reason="extension")
        _answer_notice(
            order,
            event,
            recipient=order.seller,
            kind="extension",
            text=f"{actor.display_name} approved {_days(request.days)} on "
            f"#{order.number}. It is now due {_fmt(order.due_at, order.seller)}.",
        )
        order_notices_mark_read(order=order, user=actor)
    return request


def extension_request_decline(*, request: ExtensionRequest, actor) -> ExtensionRequest:
    return _close_request(
        ExtensionRequest,
        request,
        actor,
        "decline",
        role="buyer",
        kind=EventKind.EXTENSION_DECLINED,
        notice="extension",
        text="{actor} declined the extension request on #{number}.",
    )


def extension_request_withdraw(*, request: ExtensionRequest, actor) -> ExtensionRequest:
    return _close_request(
        ExtensionRequest,
        request,
        actor,
        "withdraw",
        role="requester",
        kind=EventKind.EXTENSION_WITHDRAWN,
        notice="extension",
        text="{actor} withdrew the extension request on #{number}.",
    )


def extension_request_vacation(*, seller, days: int, reason: str):
    """Send the same extension request to every active order of the seller.

    Returns (requests created, orders skipped with the reason why).
    """
    created, skipped = [], []
    for order in Order.objects.filter(seller=seller, state=State.ACTIVE).order_by("due_at"):
        try:
            created.append(
                extension_request_create(order=order, actor=seller, days=days, reason=reason)
            )
        except RequestError as error:
            skipped.append((order, str(error)))
    return created, skipped


# -- mutual cancellation -----------------------------------------------------


def cancellation_request_check_allowed(*, order: Order, actor) -> None:
    """Raise ``RequestError`` unless the actor may ask to cancel now."""
    if order.role_of(actor) is None:
        raise RequestError("Only the buyer and the seller can ask to cancel.")
    if order.state not in (State.PENDING, State.ACTIVE, State.DELIVERED):
        raise RequestError(
            f"This order is {order.get_state_display().lower()}; it can't be canceled."
        )
    if order.cancellation_requests.filter(state=RequestState.OPEN).exists():
        raise RequestError("This order already has a cancellation request waiting for an answer.")


def cancellation_request_create(*, order: Order, actor, reason: str) -> CancellationRequest:
    """Either party asks to cancel by mutual agreement. Locks the order."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("Give a reason for the cancellation.")
    with transaction.atomic():
        order = order_lock(order)
        cancellation_request_check_allowed(order=order, actor=actor)
        try:
            with transaction.atomic():
                request = CancellationRequest.objects.create(
                    order=order, requested_by=actor, reason=reason
                )
        except IntegrityError:
            raise RequestError(
                "This order already has a cancellation request waiting for an answer."
            ) from None
        event = event_record(
            order,
            kind=EventKind.CANCELLATION_REQUESTED,
            actor=actor,
            data={"reason": reason, "request": request.pk},
        )
        notify(
            recipients=[order.other_party(actor)],
            kind=NotificationKind.CANCELLATION_REQUESTED,
            key=f"event:{event.pk}",
            order=order,
            text=f"{actor.display_name} asks to cancel #{order.number}: {reason}",
        )
    return request


def cancellation_request_accept(*, request: CancellationRequest, actor) -> CancellationRequest:
    """The other party agrees: the order is canceled by mutual agreement.
    The cancellation locks the order; under that lock the request is locked,
    checked and accepted."""
    accepted = []

    def accept(order):
        locked = _lock_request(CancellationRequest, request, order)
        if order.role_of(actor) is None or actor.pk == locked.requested_by_id:
            raise RequestError("Only the other party can answer this request.")
        _require_open(locked)
        locked.accept(by=actor, now=timezone.now())
        locked.save()
        accepted.append(locked)

    with transaction.atomic():
        order = order_cancel(
            order=request.order,
            actor=actor,
            reason=request.reason,  # a request's reason and asker never change
            by=CancelBy.MUTUAL,
            requested_by=request.requested_by,
            guard=accept,
        )
        order_notices_mark_read(order=order, user=actor)
    return accepted[0]


def cancellation_request_decline(*, request: CancellationRequest, actor) -> CancellationRequest:
    return _close_request(
        CancellationRequest,
        request,
        actor,
        "decline",
        role="other",
        kind=EventKind.CANCELLATION_DECLINED,
        notice="cancellation",
        text="{actor} declined to cancel #{number}; the order goes on.",
    )


def cancellation_request_withdraw(*, request: CancellationRequest, actor) -> CancellationRequest:
    return _close_request(
        CancellationRequest,
        request,
        actor,
        "withdraw",
        role="requester",
        kind=EventKind.CANCELLATION_WITHDRAWN,
        notice="cancellation",
        text="{actor} withdrew the request to cancel #{number}.",
    )


# -- answer windows (periodic) -----------------------------------------------


def _lock_unanswered(model, request_id, now):
    """Lock the request's order, then the request; None unless it is still
    open and past its answer window. A request left open on an order that
    moved on (a row from before requests were closed with their order) is
    closed here, as every transition does, instead of being acted on."""
    order_id = model.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return None, None
    order = order_lock(Order(pk=order_id))
    order_close_moot_requests(order, now=now)
    request = (
        model.objects.select_for_update().filter(pk=request_id, state=RequestState.OPEN).first()
    )
    if request is None or request.expires_at > now:
        return order, None
    return order, request


def extension_request_expire(*, request_id, now=None) -> bool:
    """An extension request unanswered for REQUEST_ANSWER_HOURS expires.
    Returns True if this call expired it."""
    now = now or timezone.now()
    with transaction.atomic():
        order, request = _lock_unanswered(ExtensionRequest, request_id, now)
        if request is None:
            return False
        request.expire(now=now)
        request.save()
        event = event_record(
            order, kind=EventKind.EXTENSION_EXPIRED, actor=None, data={"request": request.pk}
        )
        notify(
            recipients=[order.seller, order.buyer],
            kind=NotificationKind.EXTENSION_ANSWERED,
            key=f"event:{event.pk}",
            order=order,
            text=f"The extension request on #{order.number} expired: nobody answered within "
            f"{settings.REQUEST_ANSWER_HOURS} hours. The due date stays.",
        )
    return True


# Where an unanswered cancellation request is carried out: orders not yet
# delivered. A delivered order is finished work under the buyer's review; only
# an answer cancels it, never silence.
CARRY_OUT_STATES = (State.PENDING, State.ACTIVE)


class _NotDue(Exception):
    """The request is not to be carried out after all: nothing is done."""


def cancellation_request_carry_out(*, request_id, now=None) -> bool:
    """A cancellation request unanswered for REQUEST_ANSWER_HOURS is carried
    out: the order is canceled by mutual agreement. On an order that is no
    longer in progress the request is closed instead, and both sides told.
    Returns True if it did either (the scan goes on while its batches act).
    Either way the order's row is locked once, then the request's."""
    now = now or timezone.now()
    found = (
        CancellationRequest.objects.filter(pk=request_id)
        .values_list("order_id", "order__state", "reason", "requested_by")
        .first()
    )
    if found is None:
        return False
    order_id, state, reason, requested_by = found
    if state not in CARRY_OUT_STATES:
        with transaction.atomic():
            order, request = _lock_unanswered(CancellationRequest, request_id, now)
            # Back in progress meanwhile (a revision asked for): the next
            # scan carries it out, under the lock as below.
            if request is None or order.state in CARRY_OUT_STATES:
                return False
            request_close_moot(order, request, now=now)
        return True

    def due(order):
        """Under the order's lock: still open, past its window, and the
        order still in progress (else the next scan closes it as moot)."""
        request = (
            CancellationRequest.objects.select_for_update()
            .filter(pk=request_id, state=RequestState.OPEN)
            .first()
        )
        if request is None or request.expires_at > now or order.state not in CARRY_OUT_STATES:
            raise _NotDue
        request.accept(by=None, now=now)
        request.save()

    try:
        order_cancel(
            order=Order(pk=order_id),
            actor=None,
            by=CancelBy.MUTUAL,
            requested_by=User(pk=requested_by),  # a request's asker never changes
            reason=f"{reason} (not answered within {settings.REQUEST_ANSWER_HOURS} hours)",
            guard=due,
            now=now,
        )
    except _NotDue:
        return False
    return True


# -- shared ------------------------------------------------------------------


def _close_request(model, request, actor, verb, *, role, kind, notice, text):
    """Decline or withdraw an open request. Locks the order, then the request."""
    with transaction.atomic():
        order = order_lock(request.order)
        request = _lock_request(model, request, order)
        is_requester = actor.pk == request.requested_by_id
        if role == "requester" and not is_requester:
            raise RequestError("Only the one who asked can withdraw this request.")
        if role == "buyer" and actor.pk != order.buyer_id:
            raise RequestError("Only the buyer can answer this request.")
        if role == "other" and (order.role_of(actor) is None or is_requester):
            raise RequestError("Only the other party can answer this request.")
        _require_open(request)
        getattr(request, verb)(by=actor, now=timezone.now())
        request.save()
        event = event_record(order, kind=kind, actor=actor, data={"request": request.pk})
        _answer_notice(
            order,
            event,
            recipient=order.other_party(actor),
            kind=notice,
            text=text.format(actor=actor.display_name, number=order.number),
        )
        order_notices_mark_read(order=order, user=actor)
    return request


def _answer_notice(order, event, *, recipient, kind, text):
    notify(
        recipients=[recipient],
        kind=(
            NotificationKind.EXTENSION_ANSWERED
            if kind == "extension"
            else NotificationKind.CANCELLATION_ANSWERED
        ),
        key=f"event:{event.pk}",
        order=order,
        text=text,
    )


def _days(n):
    return f"{n} more day{'s' if n != 1 else ''}"


def _fmt(when, user):
    """A date as the user reads it: in their own time zone."""
    return timezone.localtime(when, user.zoneinfo).strftime("%d %b %Y, %H:%M %Z")
