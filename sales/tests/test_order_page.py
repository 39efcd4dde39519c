"""The order page: who sees it, and which actions it offers to whom."""

import re
from datetime import UTC, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import Order, State
from sales.request_services import cancellation_request_create
from sales.services import message_send, order_request_revision
from testing.factories import OrderFactory, UserFactory
from testing.pages import order_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_participants_see_the_order(client, role):
    order = OrderFactory(state=State.ACTIVE)
    response = order_page(client, getattr(order, role), order)
    assert response.status_code == 200
    assert order.number in response.content.decode()


@pytest.mark.parametrize("staff", [False, True])
def test_stranger_and_staff_get_404(client, staff):
    order = OrderFactory(state=State.ACTIVE)
    user = UserFactory(is_staff=staff, is_superuser=staff)
    assert order_page(client, user, order).status_code == 404


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
    html = order_page(client, getattr(order, role), order).content.decode()
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_revision_form_hidden_when_no_revisions_left(client):
    order = OrderFactory(state=State.DELIVERED, revisions_included=1, revisions_used=1)
    html = order_page(client, order.buyer, order).content.decode()
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

    assert "15 Jan 2030, 21:00 JST" in order_page(client, order.seller, order).content.decode()
    assert "15 Jan 2030, 07:00 EST" in order_page(client, order.buyer, order).content.decode()


def test_requirements_text_is_escaped(client):
    order = OrderFactory(
        state=State.ACTIVE,
        requirements=[{"question": "Brief?", "answer": "<script>alert(1)</script>"}],
    )
    html = order_page(client, order.seller, order).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _next_step(html):
    match = re.search(r"<div class=\"next-step\" data-next-step>(.*?)</div>", html, re.S)
    return unescape(re.sub(r"<[^>]+>|\s+", " ", match.group(1))).strip() if match else None


@pytest.mark.parametrize(
    "state,role,answered,step",
    [
        (State.PENDING, "buyer", False, "Submit the requirements"),
        (State.PENDING, "seller", False, "Write to the buyer"),
        (State.ACTIVE, "seller", False, "Write to the buyer"),
        (State.ACTIVE, "seller", True, "Deliver your work"),
        (State.ACTIVE, "buyer", True, "The seller is working on it."),
        (State.DELIVERED, "buyer", True, "Review the delivery"),
        (State.DELIVERED, "seller", True, "Waiting for the buyer's review."),
        (State.COMPLETED, "buyer", True, None),
        (State.CANCELED, "seller", True, None),
    ],
)
def test_the_header_names_the_one_next_step(client, state, role, answered, step):
    now = timezone.now()
    order = OrderFactory(
        state=state,
        due_at=now + timedelta(days=2) if state == State.ACTIVE else None,
        delivered_at=now if state == State.DELIVERED else None,
        seller_first_message_at=now if answered else None,
    )
    html = order_page(client, getattr(order, role), order).content.decode()
    shown = _next_step(html)
    assert shown == step or (step and shown.startswith(step))


def test_a_late_order_no_longer_prompts_to_reach_out(client):
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() + timedelta(days=1))
    html = order_page(client, order.seller, order).content.decode()
    assert "data-reach-out" in html
    Order.objects.filter(pk=order.pk).update(due_at=timezone.now() - timedelta(days=5))
    html = order_page(client, order.seller, order).content.decode()
    assert "data-reach-out" not in html
    assert _next_step(html) == "Deliver your work"


def test_the_prompt_goes_once_the_seller_writes(client):
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() + timedelta(days=1))
    message_send(order=order, sender=order.seller, body="On it!")
    html = order_page(client, order.seller, order).content.decode()
    assert "data-reach-out" not in html


def test_a_revision_request_leads_the_sellers_page_with_its_note_and_deadline(client):
    order = OrderFactory(state=State.DELIVERED, delivered_at=timezone.now(), revisions_included=2)
    order_request_revision(order=order, actor=order.buyer, message="Make the logo bigger.")
    order.refresh_from_db()
    html = order_page(client, order.seller, order).content.decode()
    box = re.search(
        r"<section class=\"alert alert-warning mb-3\".*?data-revision>(.*?)</section>", html, re.S
    )
    assert "asked for a revision" in box.group(1)
    assert "Make the logo bigger." in box.group(1)
    local_due = timezone.localtime(order.due_at).isoformat()
    assert f'datetime="{local_due}"' in box.group(1)
    # It comes before the conversation.
    assert html.index("data-revision") < html.index('id="conversation"')


@pytest.mark.parametrize("asker", ["buyer", "seller"])
def test_a_cancellation_request_waits_at_the_top_for_the_other_party(client, asker):
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() + timedelta(days=2))
    request = cancellation_request_create(
        order=order, actor=getattr(order, asker), reason="Plans changed."
    )
    other = order.seller if asker == "buyer" else order.buyer
    html = order_page(client, other, order).content.decode()
    box = re.search(r'data-waiting="cancellation">(.*?)</section>', html, re.S).group(1)
    assert "Plans changed." in box
    assert "Agree to cancel" in box
    assert f'datetime="{timezone.localtime(request.expires_at).isoformat()}"' in box
    assert _next_step(html) == "Answer the request"
    # The asker sees it in the Resolution Center, with Withdraw, not at the top.
    html = order_page(client, getattr(order, asker), order).content.decode()
    assert "data-waiting" not in html
    assert "Withdraw the request" in html


def test_the_delivery_form_opens_on_demand(client):
    order = OrderFactory(
        state=State.ACTIVE,
        due_at=timezone.now() + timedelta(days=2),
        seller_first_message_at=timezone.now(),
    )
    client.force_login(order.seller)
    url = reverse("sales:order_detail", args=[order.number])
    html = client.get(url).content.decode()
    assert re.search(r'<details class="card-body" >\s*<summary[^>]*>Deliver your work', html)
    assert 'href="?deliver=1#deliver"' in html  # the header's next step opens it
    html = client.get(url, {"deliver": "1"}).content.decode()
    assert re.search(r'<details class="card-body" open>\s*<summary[^>]*>Deliver your work', html)
    # A delivery refused for its input comes back open, with its error.
    response = client.post(reverse("sales:order_deliver", args=[order.number]), {"message": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<details class="card-body" open>', html)
    assert "Write a message to go with the delivery." in html
