"""The demo data: every state, late and due-soon orders, and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from jobs.models import Job
from sales.models import Order, OrderEvent, State

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(User.objects.values_list("username", "password")),
        sorted(Job.objects.values_list("title", "price", "is_paused")),
        sorted(Order.objects.values_list("number", "state", "due_at")),
        OrderEvent.objects.count(),
    )


def test_seed_demo_covers_every_state_and_prints_the_log_ins():
    out = StringIO()
    call_command("seed_demo", stdout=out)

    seller = User.objects.get(username="demo_seller")
    states = set(Order.objects.filter(seller=seller).values_list("state", flat=True))
    assert states == set(State.values)
    active = Order.objects.filter(seller=seller, state=State.ACTIVE)
    clocks = [o.clock() for o in active]
    assert "late" in clocks and "due_soon" in clocks
    assert Job.objects.filter(seller=seller).count() >= 3
    assert User.objects.get(username="support").is_staff
    for login in (
        "demo_seller / demo-seller-pass",
        "demo_buyer / demo-buyer-pass",
        "support / demo-support-pass",
    ):
        assert login in out.getvalue()
    # Every order's history starts with its placing.
    for order in Order.objects.all():
        assert order.events.first().kind == "placed"


def test_running_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=StringIO())
    before = _snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == before


def test_demo_support_user_can_cancel_in_the_admin(client):
    call_command("seed_demo", stdout=StringIO())
    support = User.objects.get(username="support")
    order = Order.objects.filter(state=State.ACTIVE).first()
    assert [t.name for t in order.get_available_user_state_transitions(support)] == ["cancel"]
    client.force_login(support)
    response = client.post(f"/admin/sales/order/{order.pk}/transition/cancel/", {"reason": "Demo"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CANCELED
