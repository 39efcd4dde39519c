"""Support staff in the admin: find an order, read its history, cancel it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sales.models import CancelBy, EventKind, OrderEvent, State
from testing.factories import OrderFactory, UserFactory
from testing.pages import order_transition_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    user = UserFactory(username="support_sam", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_order", "change_order", "view_orderevent", "view_job", "view_user"]
        )
    )
    return user


def test_support_cancels_with_a_reason_and_the_event_says_who_and_why(client, support):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)

    change = client.get(reverse("admin:sales_order_change", args=[order.pk]))
    assert change.status_code == 200
    assert "Cancel order" in change.content.decode()

    form = client.get(order_transition_url(order), follow=True)
    assert form.status_code == 200
    assert form.redirect_chain[-1][0].endswith("?seen=active")
    response = client.post(
        f"{order_transition_url(order)}?seen=active", {"reason": "Buyer's card was stolen"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CANCELED
    assert order.canceled_by == CancelBy.SUPPORT
    event = OrderEvent.objects.get(order=order, kind=EventKind.CANCELED)
    assert event.actor == support
    assert event.data["reason"] == "Buyer's card was stolen"


@pytest.mark.parametrize("reason", ["", "    ", "z" * 1001])
def test_cancel_without_a_good_reason_changes_nothing(client, support, reason):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)

    response = client.post(order_transition_url(order), {"reason": reason})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert not OrderEvent.objects.filter(order=order).exists()


def test_a_delivery_landing_while_support_types_is_not_overridden(client, support):
    from sales import services

    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    form = client.get(order_transition_url(order), follow=True)
    seen_url = form.redirect_chain[-1][0]

    services.order_deliver(order=order, actor=order.seller, message="Done!")
    response = client.post(seen_url, {"reason": "Buyer asked by phone"}, follow=True)

    order.refresh_from_db()
    assert order.state == State.DELIVERED
    assert any(
        "changed in the meantime: it was already delivered" in str(m)
        for m in response.context["messages"]
    )
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.CANCELED).exists()


def test_canceled_order_offers_no_cancel_button(client, support):
    order = OrderFactory(state=State.COMPLETED)
    client.force_login(support)
    html = client.get(reverse("admin:sales_order_change", args=[order.pk])).content.decode()
    assert "Cancel order" not in html
    client.post(order_transition_url(order), {"reason": "Late"})
    order.refresh_from_db()
    assert order.state == State.COMPLETED


def test_state_is_read_only_in_the_admin(client, support):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    client.post(reverse("admin:sales_order_change", args=[order.pk]), {"state": "completed"})
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_order_admin_search_and_filter(client, support):
    alice = UserFactory(username="alice_buys")
    order = OrderFactory(buyer=alice, state=State.DELIVERED)
    other = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    url = reverse("admin:sales_order_changelist")

    for q in (order.number, "alice_buys", order.seller.username):
        html = client.get(url, {"q": q}).content.decode()
        assert order.number in html and other.number not in html
    html = client.get(url, {"state__exact": "active"}).content.decode()
    assert other.number in html and order.number not in html


def test_events_are_shown_inline(client, support):
    order = OrderFactory(state=State.DELIVERED)
    from sales import services

    services.order_accept(order=order, actor=order.buyer)
    client.force_login(support)
    html = client.get(reverse("admin:sales_order_change", args=[order.pk])).content.decode()
    assert "Accepted by the buyer" in html


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_non_staff_cannot_reach_the_admin(client, who):
    order = OrderFactory(state=State.ACTIVE)
    if who == "member":
        client.force_login(order.buyer)
    for url in (reverse("admin:sales_order_changelist"), order_transition_url(order)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    response = client.post(order_transition_url(order), {"reason": "x"})
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_staff_without_order_permission_sees_no_cancel(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_order"))
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(viewer)
    client.post(order_transition_url(order), {"reason": "Nope"})
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_jobs_and_users_are_registered(client, support):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:jobs_job_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
