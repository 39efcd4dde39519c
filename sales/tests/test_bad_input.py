"""Every order form answers bad data with a message and changes nothing."""

import pytest
from django.urls import reverse

from sales.models import OrderEvent, State
from testing.factories import OrderFactory

pytestmark = pytest.mark.django_db

CASES = [
    # url name, start state, who posts, bad data, the message shown
    (
        "sales:order_submit_requirements",
        State.PENDING,
        "buyer",
        {},
        "Answer this question to start the order.",
    ),
    (
        "sales:order_submit_requirements",
        State.PENDING,
        "buyer",
        {"answer_0": "   "},
        "Answer this question to start the order.",
    ),
    (
        "sales:order_submit_requirements",
        State.PENDING,
        "buyer",
        {"answer_0": "x" * 2001},
        "Ensure this value has at most 2000 characters",
    ),
    ("sales:order_deliver", State.ACTIVE, "seller", {}, "Write a message to go with the delivery."),
    (
        "sales:order_deliver",
        State.ACTIVE,
        "seller",
        {"message": "\n\t "},
        "Write a message to go with the delivery.",
    ),
    (
        "sales:order_deliver",
        State.ACTIVE,
        "seller",
        {"message": "x" * 5001},
        "Ensure this value has at most 5000 characters",
    ),
    (
        "sales:order_request_revision",
        State.DELIVERED,
        "buyer",
        {},
        "Tell the seller what to change.",
    ),
    (
        "sales:order_request_revision",
        State.DELIVERED,
        "buyer",
        {"message": "y" * 2001},
        "Ensure this value has at most 2000 characters",
    ),
]


@pytest.mark.parametrize("url,state,role,data,message", CASES)
def test_bad_data_is_refused_with_a_message_and_changes_nothing(
    client, url, state, role, data, message
):
    order = OrderFactory(state=state)
    client.force_login(getattr(order, role))

    response = client.post(reverse(url, args=[order.number]), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    order.refresh_from_db()
    assert order.state == state
    assert not OrderEvent.objects.filter(order=order).exists()
    assert not order.messages.exists()


def test_wrong_role_with_bad_data_gets_the_role_refusal(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    response = client.post(reverse("sales:order_deliver", args=[order.number]), {}, follow=True)
    assert "Only the seller can deliver this order." in [
        str(m) for m in response.context["messages"]
    ]


def test_order_place_with_a_missing_job_is_404(client):
    order = OrderFactory()
    client.force_login(order.buyer)
    assert client.post(reverse("sales:order_place", args=[999999])).status_code == 404
