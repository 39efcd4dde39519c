"""Small steps and readings on an order that the tests of several apps share."""

from sales.models import OrderEvent
from sales.request_services import cancellation_request_create, extension_request_create


def other_role(role):
    """The order's other party: "seller" for "buyer", and back."""
    return "seller" if role == "buyer" else "buyer"


def event_kinds(order):
    """The kinds of the order's events, oldest first."""
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


def extension_asked(order, days=2, reason="More time"):
    """The seller asks the buyer for ``days`` more days; returns the request."""
    return extension_request_create(order=order, actor=order.seller, days=days, reason=reason)


def cancellation_asked(order, role="buyer", reason="Plans changed"):
    """The order's ``role`` asks the other party to cancel; returns the request."""
    return cancellation_request_create(order=order, actor=getattr(order, role), reason=reason)
