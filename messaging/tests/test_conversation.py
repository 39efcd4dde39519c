"""The order conversation: who may write what, what the other party is told,
and what the order page shows afterwards."""

import pytest
from django.urls import reverse

from messaging.models import Message, MessageKind, Notification, NotificationKind
from messaging.services import MessagingError
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory, UserFactory
from testing.pages import order_page
from testing.uploads import png, stored_files, txt

pytestmark = pytest.mark.django_db


def _send_url(order):
    return reverse("sales:message_send", args=[order.number])


def _post(client, user, order, data):
    client.force_login(user)
    return client.post(_send_url(order), data)


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_party_posts_a_message_and_it_shows_on_the_order_page(client, role):
    order = OrderFactory(state=State.ACTIVE)
    author = getattr(order, role)

    response = _post(client, author, order, {"body": "Hello, quick question about the logo."})

    assert response.status_code == 302
    assert response["Location"] == f"{order.get_absolute_url()}#conversation"
    message = Message.objects.get(order=order)
    assert (message.sender, message.kind) == (author, MessageKind.MESSAGE)
    other = order.seller if role == "buyer" else order.buyer
    html = order_page(client, other, order).content.decode()
    assert "Hello, quick question about the logo." in html
    assert f'id="message-{message.pk}"' in html


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_the_other_party_gets_exactly_one_notification(client, role):
    order = OrderFactory(state=State.ACTIVE)
    author = getattr(order, role)
    other = order.seller if role == "buyer" else order.buyer

    _post(client, author, order, {"body": "Any news?"})

    notices = Notification.objects.filter(kind=NotificationKind.MESSAGE)
    assert [(n.recipient, n.order) for n in notices] == [(other, order)]
    assert notices[0].url == order.get_absolute_url()
    assert f"{author.username} sent a message on order #{order.number}" in notices[0].text


def test_sellers_first_message_stamps_the_order_and_later_ones_do_not(client):
    order = OrderFactory(state=State.PENDING)
    _post(client, order.buyer, order, {"body": "Buyer writes first."})
    order.refresh_from_db()
    assert order.seller_first_message_at is None  # the buyer writing is not the seller answering

    _post(client, order.seller, order, {"body": "Thanks for your order!"})
    order.refresh_from_db()
    first = Message.objects.get(order=order, sender=order.seller)
    assert order.seller_first_message_at == first.created_at

    _post(client, order.seller, order, {"body": "One more thing."})
    _post(client, order.seller, order, {"body": "And another.", "kind": "update"})
    order.refresh_from_db()
    assert order.seller_first_message_at == first.created_at


def test_two_first_messages_from_stale_pages_keep_the_first_stamp():
    # Two tabs open on the same order: both loaded it before the seller wrote.
    order = OrderFactory(state=State.ACTIVE)
    first = message_send(order=order, sender=order.seller, body="Hello from tab one")
    message_send(order=order, sender=order.seller, body="Hello from tab two")
    order.refresh_from_db()
    assert order.seller_first_message_at == first.created_at


def test_reach_out_prompt_shows_until_the_seller_writes(client):
    order = OrderFactory(state=State.PENDING)
    assert "Reach out:" in order_page(client, order.seller, order).content.decode()
    assert "Reach out:" not in order_page(client, order.buyer, order).content.decode()

    _post(client, order.seller, order, {"body": "Hi! I have everything I need."})

    assert "Reach out:" not in order_page(client, order.seller, order).content.decode()


def test_reach_out_prompt_stays_when_only_the_buyer_wrote(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, {"body": "Hello?"})
    assert "Reach out:" in order_page(client, order.seller, order).content.decode()


def test_seller_sends_a_progress_update_with_drafts(client):
    order = OrderFactory(state=State.ACTIVE)

    response = _post(
        client,
        order.seller,
        order,
        {"body": "First drafts attached.", "kind": "update", "files": [png("draft.png")]},
    )

    assert response.status_code == 302
    message = Message.objects.get(order=order)
    assert message.kind == MessageKind.UPDATE
    assert [a.name for a in message.attachments.all()] == ["draft.png"]
    notice = Notification.objects.get(recipient=order.buyer)
    assert "sent a progress update" in notice.text
    html = order_page(client, order.buyer, order).content.decode()
    assert 'data-message="update"' in html
    assert "Progress update" in html


def test_buyer_cannot_send_a_progress_update_through_the_service():
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(MessagingError, match="Only the seller can send progress updates"):
        message_send(order=order, sender=order.buyer, body="Update!", kind=MessageKind.UPDATE)
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_buyers_form_has_no_kind_and_a_posted_update_is_stored_as_a_message(client):
    order = OrderFactory(state=State.ACTIVE)
    assert 'name="kind"' not in order_page(client, order.buyer, order).content.decode()
    assert 'name="kind"' in order_page(client, order.seller, order).content.decode()

    response = _post(client, order.buyer, order, {"body": "Sneaky update", "kind": "update"})

    assert response.status_code == 302
    assert Message.objects.get(order=order).kind == MessageKind.MESSAGE


def test_seller_cannot_post_a_delivery_through_the_message_form(client):
    order = OrderFactory(state=State.ACTIVE)
    response = _post(client, order.seller, order, {"body": "Done!", "kind": "delivery"})
    assert response.status_code == 400
    assert not Message.objects.exists()
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_deliveries_are_refused_by_the_message_service():
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(MessagingError, match="Deliver button"):
        message_send(order=order, sender=order.seller, body="Done", kind=MessageKind.DELIVERY)
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n  ", None])
def test_blank_message_is_refused_by_the_service(body):
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(MessagingError, match="Write a message before sending."):
        message_send(order=order, sender=order.buyer, body=body)
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_stranger_cannot_write_through_the_service():
    order = OrderFactory(state=State.ACTIVE)
    with pytest.raises(MessagingError, match="Only the buyer and the seller"):
        message_send(order=order, sender=UserFactory(), body="Hi")
    assert not Message.objects.exists()


def test_delivery_creates_a_delivery_message_with_its_files(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    response = client.post(
        reverse("sales:order_deliver", args=[order.number]),
        {"message": "Final files attached.", "files": [png("final.png"), txt("readme.txt")]},
    )

    assert response.status_code == 302
    message = Message.objects.get(order=order)
    assert (message.kind, message.sender, message.body) == (
        MessageKind.DELIVERY,
        order.seller,
        "Final files attached.",
    )
    assert sorted(a.name for a in message.attachments.all()) == ["final.png", "readme.txt"]
    assert len(stored_files()) == 2
    order.refresh_from_db()
    assert order.state == State.DELIVERED
    html = order_page(client, order.buyer, order).content.decode()
    assert 'data-message="delivery"' in html
    assert "final.png" in html and "readme.txt" in html


def test_delivery_with_a_refused_file_saves_nothing_and_stays_active(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    response = client.post(
        reverse("sales:order_deliver", args=[order.number]),
        {"message": "Here you go.", "files": [txt("logo.png")]},
    )

    assert response.status_code == 400
    assert "is not really a .png file" in response.content.decode()
    assert not Message.objects.exists()
    assert stored_files() == []
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_message_body_is_escaped(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, {"body": "<script>alert(1)</script><b>x</b>"})

    html = order_page(client, order.seller, order).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "data",
    [{}, {"body": ""}, {"body": "   \n\t  "}],
    ids=["missing", "empty", "whitespace"],
)
def test_empty_message_is_refused_and_nothing_saved(client, data):
    order = OrderFactory(state=State.ACTIVE)

    response = _post(client, order.buyer, order, data)

    assert response.status_code == 400
    assert "Write a message before sending." in response.content.decode()
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_message_over_5000_characters_is_refused_and_nothing_saved(client):
    order = OrderFactory(state=State.ACTIVE)

    response = _post(client, order.seller, order, {"body": "x" * 5001})

    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert not Message.objects.exists()
    order.refresh_from_db()
    assert order.seller_first_message_at is None


def test_message_of_exactly_5000_characters_is_sent(client):
    order = OrderFactory(state=State.ACTIVE)
    assert _post(client, order.seller, order, {"body": "x" * 5000}).status_code == 302
    assert len(Message.objects.get(order=order).body) == 5000


# -- who may post -------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer,status",
    [("seller", 302), ("buyer", 302), ("stranger", 404), ("staff", 404), ("other_party", 404)],
)
def test_who_may_post_a_message(client, viewer, status):
    order = OrderFactory(state=State.ACTIVE)
    user = {
        "seller": order.seller,
        "buyer": order.buyer,
        "stranger": UserFactory(),
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "other_party": OrderFactory(state=State.ACTIVE).buyer,
    }[viewer]

    response = _post(client, user, order, {"body": "Let me in"})

    assert response.status_code == status
    assert Message.objects.filter(order=order).count() == (1 if status == 302 else 0)


def test_anonymous_posting_is_sent_to_log_in(client):
    order = OrderFactory(state=State.ACTIVE)
    response = client.post(_send_url(order), {"body": "Hi"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Message.objects.exists()


def test_get_on_the_message_url_is_refused(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    assert client.get(_send_url(order)).status_code == 405
