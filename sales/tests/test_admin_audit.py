"""Staff can change an order only through the service: every other admin path
is read-only, so every staff action on an order leaves an event with who and why."""

import pytest
from django.urls import reverse

from sales import request_services as resolution_services
from sales.models import EventKind, Order, OrderEvent, State
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _row(order):
    return Order.objects.filter(pk=order.pk).values().get()


def test_posting_the_order_change_form_changes_nothing(client, superuser):
    order = OrderFactory(state=State.ACTIVE)
    before = _row(order)

    response = client.post(
        reverse("admin:sales_order_change", args=[order.pk]),
        {
            "state": State.COMPLETED,
            "price": "1.00",
            "due_at_0": "2000-01-01",
            "due_at_1": "00:00:00",
            "cancel_reason": "sneaky",
            "buyer": superuser.pk,
            "_save": "Save",
        },
    )

    assert response.status_code in (200, 302)
    assert _row(order) == before
    assert not OrderEvent.objects.filter(order=order).exists()


def test_orders_and_events_cannot_be_added_or_deleted_in_the_admin(client, superuser):
    order = OrderFactory(state=State.ACTIVE)
    event = OrderEvent.objects.create(order=order, kind=EventKind.PLACED, actor=order.buyer)

    assert client.get(reverse("admin:sales_order_add")).status_code == 403
    assert client.post(reverse("admin:sales_order_delete", args=[order.pk])).status_code == 403
    assert client.post(reverse("admin:sales_orderevent_delete", args=[event.pk])).status_code == 403
    changed = client.post(
        reverse("admin:sales_orderevent_change", args=[event.pk]), {"kind": EventKind.CANCELED}
    )
    assert changed.status_code == 403
    bulk = client.post(
        reverse("admin:sales_order_changelist"),
        {"action": "delete_selected", "_selected_action": [order.pk]},
    )
    assert bulk.status_code in (200, 302)
    assert Order.objects.filter(pk=order.pk).exists()
    event.refresh_from_db()
    assert event.kind == EventKind.PLACED


def test_requests_are_read_only_in_the_admin(client, superuser):
    order = OrderFactory(state=State.ACTIVE)
    request = resolution_services.extension_request_create(
        order=order, actor=order.seller, days=3, reason="More time"
    )

    for name in ("change", "delete"):
        url = reverse(f"admin:sales_extensionrequest_{name}", args=[request.pk])
        assert client.post(url, {"state": "approved"}).status_code == 403
    request.refresh_from_db()
    assert request.state == "open"


def test_a_support_cancel_is_the_one_write_and_records_who_and_why(client, superuser):
    order = OrderFactory(state=State.DELIVERED)
    url = reverse("admin:sales_order_transition", args=[order.pk, "cancel"])

    client.post(f"{url}?seen=delivered", {"reason": "Chargeback from the bank"})

    order.refresh_from_db()
    assert order.state == State.CANCELED
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.actor, event.data["reason"]) == (
        EventKind.CANCELED,
        superuser,
        "Chargeback from the bank",
    )
    assert (event.from_state, event.to_state) == (State.DELIVERED, State.CANCELED)
