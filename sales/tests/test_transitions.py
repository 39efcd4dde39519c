"""Each transition through its view: who may, from which state, and how it
answers everybody else."""

import pytest
from django.urls import reverse

from sales.models import EventKind, OrderEvent, State
from testing.factories import OrderFactory, UserFactory
from testing.orders import other_role
from testing.pages import messages_of

pytestmark = pytest.mark.django_db

# name, url name, start state, role allowed, post data, end state, event kind,
# a wrong state to start from and the refusal it gets.
TRANSITIONS = [
    (
        "submit_requirements",
        "sales:order_submit_requirements",
        State.PENDING,
        "buyer",
        {"answer_0": "A blue logo, please."},
        State.ACTIVE,
        EventKind.REQUIREMENTS_SUBMITTED,
        State.ACTIVE,
        "You can't submit the requirements for this order: it is still in progress.",
    ),
    (
        "deliver",
        "sales:order_deliver",
        State.ACTIVE,
        "seller",
        {"message": "Here are the files."},
        State.DELIVERED,
        EventKind.DELIVERED,
        State.DELIVERED,
        "You can't deliver this order: it was already delivered and is waiting for the buyer's review.",
    ),
    (
        "request_revision",
        "sales:order_request_revision",
        State.DELIVERED,
        "buyer",
        {"message": "Make it bigger."},
        State.ACTIVE,
        EventKind.REVISION_REQUESTED,
        State.COMPLETED,
        "You can't request a revision of this order: it is already completed.",
    ),
    (
        "accept",
        "sales:order_accept",
        State.DELIVERED,
        "buyer",
        {},
        State.COMPLETED,
        EventKind.ACCEPTED,
        State.ACTIVE,
        "You can't accept this order: it is still in progress.",
    ),
]
IDS = [t[0] for t in TRANSITIONS]


@pytest.mark.parametrize("name,url,start,role,data,end,kind,_ws,_msg", TRANSITIONS, ids=IDS)
def test_allowed_role_moves_the_order_and_logs_the_event(
    client, name, url, start, role, data, end, kind, _ws, _msg
):
    order = OrderFactory(state=start)
    actor = getattr(order, role)
    client.force_login(actor)

    response = client.post(reverse(url, args=[order.number]), data, follow=True)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.state == end
    event = OrderEvent.objects.get(order=order, kind=kind)
    assert (event.from_state, event.to_state, event.actor) == (start, end, actor)


@pytest.mark.parametrize("name,url,start,role,data,end,kind,_ws,_msg", TRANSITIONS, ids=IDS)
def test_wrong_role_is_refused(client, name, url, start, role, data, end, kind, _ws, _msg):
    order = OrderFactory(state=start)
    client.force_login(getattr(order, other_role(role)))

    response = client.post(reverse(url, args=[order.number]), data, follow=True)

    order.refresh_from_db()
    assert order.state == start
    assert not OrderEvent.objects.filter(order=order).exists()
    assert any(m.startswith("Only the") for m in messages_of(response))


@pytest.mark.parametrize(
    "name,url,start,role,data,end,kind,wrong_state,message", TRANSITIONS, ids=IDS
)
def test_wrong_state_is_refused_with_a_message(
    client, name, url, start, role, data, end, kind, wrong_state, message
):
    order = OrderFactory(state=wrong_state)
    client.force_login(getattr(order, role))

    response = client.post(reverse(url, args=[order.number]), data, follow=True)

    order.refresh_from_db()
    assert order.state == wrong_state
    assert not OrderEvent.objects.filter(order=order).exists()
    assert message in messages_of(response)


@pytest.mark.parametrize("name,url,start,role,data,end,kind,_ws,_msg", TRANSITIONS, ids=IDS)
def test_get_is_refused(client, name, url, start, role, data, end, kind, _ws, _msg):
    order = OrderFactory(state=start)
    client.force_login(getattr(order, role))

    response = client.get(reverse(url, args=[order.number]))

    assert response.status_code == 405
    order.refresh_from_db()
    assert order.state == start


@pytest.mark.parametrize("viewer", ["stranger", "staff"])
@pytest.mark.parametrize("name,url,start,role,data,end,kind,_ws,_msg", TRANSITIONS, ids=IDS)
def test_stranger_and_staff_get_404(
    client, viewer, name, url, start, role, data, end, kind, _ws, _msg
):
    order = OrderFactory(state=start)
    client.force_login(UserFactory(is_staff=viewer == "staff", is_superuser=viewer == "staff"))

    response = client.post(reverse(url, args=[order.number]), data)

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.state == start


@pytest.mark.parametrize("name,url,start,role,data,end,kind,_ws,_msg", TRANSITIONS, ids=IDS)
def test_anonymous_is_sent_to_log_in(client, name, url, start, role, data, end, kind, _ws, _msg):
    order = OrderFactory(state=start)

    response = client.post(reverse(url, args=[order.number]), data)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    order.refresh_from_db()
    assert order.state == start


def test_unknown_order_number_is_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("sales:order_detail", args=["NOPE234567"])).status_code == 404


def test_revision_is_refused_when_none_are_left(client):
    order = OrderFactory(state=State.DELIVERED, revisions_included=1, revisions_used=1)
    client.force_login(order.buyer)

    response = client.post(
        reverse("sales:order_request_revision", args=[order.number]),
        {"message": "Again"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.state == State.DELIVERED
    assert "No revisions are left on this order." in messages_of(response)


def test_double_click_deliver_delivers_once(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    url = reverse("sales:order_deliver", args=[order.number])

    client.post(url, {"message": "Files"})
    response = client.post(url, {"message": "Files"}, follow=True)

    assert OrderEvent.objects.filter(order=order, kind=EventKind.DELIVERED).count() == 1
    assert order.messages.filter(kind="delivery").count() == 1
    assert any("already delivered" in m for m in messages_of(response))
