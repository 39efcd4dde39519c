"""Every Resolution Center form on the order page answers bad data with the
error on the page (status 400) and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from messaging.models import Notification
from sales import request_services as services
from sales.models import OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest
from testing.factories import OrderFactory

pytestmark = pytest.mark.django_db

REASON = "A good reason."
TOO_LONG = "Ensure this value has at most 1000 characters (it has 1001)."

CASES = [
    # url name, who posts, bad data, the error shown
    ("resolution:extension_create", "seller", {}, "How many more days do you need?"),
    ("resolution:extension_create", "seller", {"reason": REASON}, "How many more days do you need?"),
    ("resolution:extension_create", "seller", {"days": "", "reason": REASON}, "How many more days do you need?"),
    ("resolution:extension_create", "seller", {"days": "0", "reason": REASON}, "Ask for at least 1 day."),
    ("resolution:extension_create", "seller", {"days": "-1", "reason": REASON}, "Ask for at least 1 day."),
    ("resolution:extension_create", "seller", {"days": "31", "reason": REASON}, "Ask for at most 30 days."),
    ("resolution:extension_create", "seller", {"days": "abc", "reason": REASON}, "Enter a whole number of days, 1 to 30."),
    ("resolution:extension_create", "seller", {"days": "2.5", "reason": REASON}, "Enter a whole number of days, 1 to 30."),
    ("resolution:extension_create", "seller", {"days": "3"}, "Tell the buyer why you need more time."),
    ("resolution:extension_create", "seller", {"days": "3", "reason": ""}, "Tell the buyer why you need more time."),
    ("resolution:extension_create", "seller", {"days": "3", "reason": " \n\t "}, "Tell the buyer why you need more time."),
    ("resolution:extension_create", "seller", {"days": "3", "reason": "x" * 1001}, TOO_LONG),
    ("resolution:cancellation_create", "buyer", {}, "Give a reason for the cancellation."),
    ("resolution:cancellation_create", "seller", {"reason": "   "}, "Give a reason for the cancellation."),
    ("resolution:cancellation_create", "buyer", {"reason": "x" * 1001}, TOO_LONG),
    ("resolution:late_cancel", "buyer", {}, "Give a reason for the cancellation."),
    ("resolution:late_cancel", "buyer", {"reason": "\n \n"}, "Give a reason for the cancellation."),
    ("resolution:late_cancel", "buyer", {"reason": "x" * 1001}, TOO_LONG),
]  # fmt: skip


def _very_late_order():
    return OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=30))


def _nothing_happened(order, state, due):
    order.refresh_from_db()
    assert (order.state, order.due_at) == (state, due)
    assert not OrderEvent.objects.filter(order=order).exists()
    assert not ExtensionRequest.objects.exists()
    assert not CancellationRequest.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("url,role,data,error", CASES)
def test_bad_data_is_shown_on_the_order_page_and_changes_nothing(client, url, role, data, error):
    order = _very_late_order()
    due = order.due_at
    client.force_login(getattr(order, role))

    response = client.post(reverse(url, args=[order.number]), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "Please correct the errors below." in html
    assert f"#{order.number}" in html  # it is the order page
    _nothing_happened(order, State.ACTIVE, due)


def _open_extension(order):
    services.extension_request_create(order=order, actor=order.seller, days=1, reason="Earlier")


# Someone who may not use a form at all posts bad data to it. Today they get
# "Please correct the errors below." on a page that has no such form, so no
# error is visible and they are not told why they cannot do it.
REFUSED_WITH_BAD_DATA = [
    # url name, who, state, hours late, setup, data, the refusal
    ("resolution:extension_create", "buyer", State.ACTIVE, 0, None, {},
     "Only the seller can ask for more time."),
    ("resolution:extension_create", "seller", State.DELIVERED, 0, None, {"days": "40"},
     "You can ask for more time only while the order is in progress."),
    ("resolution:extension_create", "seller", State.ACTIVE, 0, _open_extension, {"days": "abc"},
     "This order already has an extension request waiting for an answer."),
    ("resolution:cancellation_create", "buyer", State.COMPLETED, 0, None, {},
     "This order is completed; it can't be canceled."),
    ("resolution:late_cancel", "seller", State.ACTIVE, 30, None, {},
     "Only the buyer can cancel a late order."),
    ("resolution:late_cancel", "buyer", State.ACTIVE, 5, None, {},
     "You can cancel on your own only when an order is more than 24 hours late."),
]  # fmt: skip


@pytest.mark.parametrize("url,role,state,late,setup,data,refusal", REFUSED_WITH_BAD_DATA)
def test_refused_user_posting_bad_data_is_told_why(
    client, url, role, state, late, setup, data, refusal
):
    order = OrderFactory(state=state, due_at=timezone.now() - timedelta(hours=late))
    if setup:
        setup(order)
    client.force_login(getattr(order, role))

    response = client.post(reverse(url, args=[order.number]), data, follow=True)

    assert escape(refusal) in response.content.decode()
