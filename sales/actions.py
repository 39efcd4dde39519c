"""What a viewer may do on an order now, and which of it comes first.

Asked of the services' own checks, the ones they run again under the row
lock, so the order page never restates a rule (who may deliver, whether
revisions remain, whether a request is already open, how late is very
late)."""

from dataclasses import dataclass
from functools import partial

from . import request_services, review_services, services
from .models import State


def _transition(name):
    return partial(services.order_check_allowed, transition=name)


CHECKS = {
    "submit_requirements": _transition("submit_requirements"),
    "deliver": _transition("deliver"),
    "accept": _transition("accept"),
    "request_revision": _transition("request_revision"),
    "late_cancel": services.order_cancel_very_late_check_allowed,
    "extension_request": request_services.extension_request_check_allowed,
    "cancellation_request": request_services.cancellation_request_check_allowed,
    "review": review_services.review_check_allowed,
}


def order_actions_and_blocks(order, user) -> tuple[set[str], dict[str, str]]:
    """The CHECKS this user passes now, and those held back only by something
    the user can clear first (``OrderActionBlocked``), with the reason: the
    page explains those instead of dropping them silently."""
    allowed, blocked = set(), {}
    for name, check in CHECKS.items():
        try:
            check(order=order, actor=user)
        except services.OrderActionBlocked as error:
            blocked[name] = str(error)
        except services.OrderActionError:
            continue
        else:
            allowed.add(name)
    return allowed, blocked


@dataclass(frozen=True)
class NextStep:
    """The one thing the header asks of the viewer: a link to where it is
    done (``url`` may be empty when the step is only to wait)."""

    text: str
    url: str = ""
    urgent: bool = False


def next_step(order, user, actions, waiting_for_me, blocked=(), reviews=None) -> NextStep | None:
    """What the viewer should do next, most pressing first. ``reviews`` is
    what the viewer sees of a completed order's reviews, if any."""
    is_seller = user.pk == order.seller_id
    if waiting_for_me:
        return NextStep("Answer the request", "#waiting-1", urgent=True)
    if "deliver" in blocked:  # held back by the seller's own cancellation request
        return NextStep("Withdraw your cancellation request to deliver", "#resolution")
    if "submit_requirements" in actions:
        return NextStep("Submit the requirements", "#requirements-form", urgent=True)
    if "accept" in actions:
        return NextStep("Review the delivery", "#review", urgent=True)
    if is_seller and order.awaits_first_message and order.clock() != "late":
        return NextStep("Write to the buyer", "#message-form", urgent=True)
    if "deliver" in actions:
        return NextStep("Deliver your work", "?deliver=1#deliver", urgent=order.clock() is not None)
    if "late_cancel" in actions:
        return NextStep("Cancel this very late order", "#resolution")
    if "review" in actions:
        return NextStep("Leave a review", "#review-form")
    if order.state == State.PENDING:
        # The header says since when it waits; this says what follows.
        return NextStep("The clock starts when the buyer submits the requirements.")
    if order.state == State.DELIVERED:
        return NextStep("Waiting for the buyer's review.")
    if order.state == State.ACTIVE:
        return NextStep("The seller is working on it.")
    if reviews is not None and reviews.published:
        return NextStep("Read the reviews", "#reviews")
    if reviews is not None and reviews.mine is not None:
        return NextStep("Your review is in. Waiting for the other side to review.")
    return None
