"""The order page offers exactly the actions the services accept: for every
state and role, each action the page shows succeeds, and each it leaves
out is refused, with nothing changed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.services import MessagingError
from sales import request_services, review_services, services
from sales.models import Order, OrderEvent, State
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each action: where its form posts, and the service it runs with good input.
ACTIONS = {
    "submit_requirements": (
        "sales:order_submit_requirements",
        lambda order, actor: services.order_submit_requirements(
            order=order,
            actor=actor,
            answers=[{"question": q, "answer": "Blue."} for q in order.questions],
        ),
    ),
    "deliver": (
        "sales:order_deliver",
        lambda order, actor: services.order_deliver(order=order, actor=actor, message="Done."),
    ),
    "request_revision": (
        "sales:order_request_revision",
        lambda order, actor: services.order_request_revision(
            order=order, actor=actor, message="Bigger, please."
        ),
    ),
    "accept": (
        "sales:order_accept",
        lambda order, actor: services.order_accept(order=order, actor=actor),
    ),
    "late_cancel": (
        "resolution:late_cancel",
        lambda order, actor: services.order_cancel_very_late(
            order=order, actor=actor, reason="Far too late."
        ),
    ),
    "extension_request": (
        "resolution:extension_create",
        lambda order, actor: request_services.extension_request_create(
            order=order, actor=actor, days=2, reason="More time, please."
        ),
    ),
    "cancellation_request": (
        "resolution:cancellation_create",
        lambda order, actor: request_services.cancellation_request_create(
            order=order, actor=actor, reason="Plans changed."
        ),
    ),
    "review": (
        "sales:review_leave",
        lambda order, actor: review_services.review_leave(
            order=order,
            actor=actor,
            stars=5,
            communication=5,
            as_described=5,
            would_recommend=True,
            text="Great to work with.",
        ),
    ),
}

CASES = {
    "pending": {"state": State.PENDING},
    "active": {"state": State.ACTIVE},
    "active, very late": {"state": State.ACTIVE, "late_hours": 24 * 30},
    "delivered": {"state": State.DELIVERED},
    "delivered, no revision left": {"state": State.DELIVERED, "revisions_used": 1},
    "completed": {"state": State.COMPLETED, "completed_ago": timedelta(days=1)},
    "completed, review window over": {
        "state": State.COMPLETED,
        "completed_ago": timedelta(days=30),
    },
    "canceled": {"state": State.CANCELED},
}


def _order(case):
    spec = dict(CASES[case])
    late_hours = spec.pop("late_hours", None)
    if completed_ago := spec.pop("completed_ago", None):
        spec["completed_at"] = timezone.now() - completed_ago
    order = OrderFactory(revisions_included=1, **spec)
    if late_hours:
        Order.objects.filter(pk=order.pk).update(
            due_at=timezone.now() - timedelta(hours=late_hours)
        )
        order.refresh_from_db()
    return order


def _offered(client, order, user):
    client.force_login(user)
    html = client.get(order.get_absolute_url()).content.decode()
    return {
        name
        for name, (url_name, _) in ACTIONS.items()
        if f'action="{reverse(url_name, args=[order.number])}"' in html
    }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ["buyer", "seller"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_page_offers_what_the_services_accept(client, case, role, action):
    order = _order(case)
    user = order.buyer if role == "buyer" else order.seller
    offered = action in _offered(client, order, user)
    events = OrderEvent.objects.filter(order=order).count()
    try:
        ACTIONS[action][1](Order.objects.get(pk=order.pk), user)
    except (services.OrderActionError, MessagingError) as refusal:
        assert not offered, f"offered, but refused: {refusal}"
        assert Order.objects.get(pk=order.pk).state == order.state
        assert OrderEvent.objects.filter(order=order).count() == events
    else:
        assert offered, "accepted, but not offered"


@pytest.mark.parametrize("case", list(CASES))
def test_a_stranger_is_offered_nothing_and_refused_everything(client, case):
    order = _order(case)
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(order.get_absolute_url()).status_code == 404
    for _, act in ACTIONS.values():
        with pytest.raises((services.OrderActionError, MessagingError)):
            act(Order.objects.get(pk=order.pk), stranger)
