"""The order page: who sees it, and which actions it offers to whom."""

from datetime import UTC

import pytest
from django.urls import reverse

from factories import OrderFactory, UserFactory
from sales.models import State

pytestmark = pytest.mark.django_db


def _page(client, user, order):
    client.force_login(user)
    return client.get(reverse("sales:order_detail", args=[order.number]))


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_participants_see_the_order(client, role):
    order = OrderFactory(state=State.ACTIVE)
    response = _page(client, getattr(order, role), order)
    assert response.status_code == 200
    assert order.number in response.content.decode()


@pytest.mark.parametrize("staff", [False, True])
def test_stranger_and_staff_get_404(client, staff):
    order = OrderFactory(state=State.ACTIVE)
    user = UserFactory(is_staff=staff, is_superuser=staff)
    assert _page(client, user, order).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    order = OrderFactory()
    response = client.get(reverse("sales:order_detail", args=[order.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "state,role,shown,hidden",
    [
        (State.PENDING, "buyer", ["Submit and start the order"], ["Deliver now", "Accept and"]),
        (State.PENDING, "seller", ["Waiting for"], ["Submit and start", "Deliver now"]),
        (State.ACTIVE, "seller", ["Deliver now"], ["Accept and", "Submit and start"]),
        (State.ACTIVE, "buyer", [], ["Deliver now", "Accept and", "Submit and start"]),
        (State.DELIVERED, "buyer", ["Accept and complete", "Request a revision"], ["Deliver now"]),
        (State.DELIVERED, "seller", [], ["Accept and", "Request a revision", "Deliver now"]),
        (State.COMPLETED, "buyer", [], ["Accept and", "Request a revision", "Deliver now"]),
    ],
)
def test_only_the_allowed_actions_are_offered(client, state, role, shown, hidden):
    order = OrderFactory(state=state)
    html = _page(client, getattr(order, role), order).content.decode()
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_revision_form_hidden_when_no_revisions_left(client):
    order = OrderFactory(state=State.DELIVERED, revisions_included=1, revisions_used=1)
    html = _page(client, order.buyer, order).content.decode()
    assert "Accept and complete" in html
    assert "Request a revision" not in html
    assert "No revisions are left" in html


def test_due_date_is_shown_in_the_viewers_time_zone(client):
    from datetime import datetime

    order = OrderFactory(state=State.ACTIVE, due_at=datetime(2030, 1, 15, 12, 0, tzinfo=UTC))
    order.seller.timezone = "Asia/Tokyo"
    order.seller.save()
    order.buyer.timezone = "America/New_York"
    order.buyer.save()

    assert "15 Jan 2030, 21:00 JST" in _page(client, order.seller, order).content.decode()
    assert "15 Jan 2030, 07:00 EST" in _page(client, order.buyer, order).content.decode()


def test_requirements_text_is_escaped(client):
    order = OrderFactory(
        state=State.ACTIVE,
        requirements=[{"question": "Brief?", "answer": "<script>alert(1)</script>"}],
    )
    html = _page(client, order.seller, order).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
