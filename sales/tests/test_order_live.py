"""An open order page asks for news: new messages and state changes."""

import re

import pytest
from django.urls import reverse

from messaging.models import MessageKind
from sales import services
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory, UserFactory
from testing.pages import page_queries

pytestmark = pytest.mark.django_db


def _poll_url(html):
    return re.search(r'hx-get="([^"]*/live/[^"]*)"', html).group(1).replace("&amp;", "&")


def test_nothing_new_answers_204_and_news_answers_the_stream(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    poll = _poll_url(client.get(order.get_absolute_url()).content.decode())

    assert client.get(poll).status_code == 204

    message_send(order=order, sender=order.seller, body="A first draft is coming today.")
    response = client.get(poll)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A first draft is coming today." in html
    assert "data-state-changed" not in html
    assert client.get(_poll_url(html)).status_code == 204  # the new version is current


def test_a_state_change_asks_the_viewer_to_reload(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    poll = _poll_url(client.get(order.get_absolute_url()).content.decode())

    services.order_deliver(order=order, actor=order.seller, message="All done")
    html = client.get(poll).content.decode()

    assert "data-state-changed" in html
    assert "This order is now <strong>delivered</strong>" in html
    assert "All done" in html


def test_the_reload_notice_stays_when_more_news_follows(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    poll = _poll_url(client.get(order.get_absolute_url()).content.decode())
    services.order_deliver(order=order, actor=order.seller, message="All done")
    poll = _poll_url(client.get(poll).content.decode())

    # A message after the delivery: the page's actions are still those of an
    # active order, so the notice must still be there.
    message_send(order=order, sender=order.seller, body="Let me know what you think")
    html = client.get(poll).content.decode()

    assert "Let me know what you think" in html
    assert "data-state-changed" in html


def test_a_made_up_state_in_the_poll_is_ignored(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)

    response = client.get(reverse("sales:order_live", args=[order.number]), {"state": "<x>"})

    assert response.status_code == 200
    assert "data-state-changed" not in response.content.decode()
    assert "&lt;x&gt;" not in response.content.decode() and "<x>" not in response.content.decode()


def test_news_seen_live_is_marked_read(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    poll = _poll_url(client.get(order.get_absolute_url()).content.decode())
    message_send(order=order, sender=order.seller, body="Hello")
    client.get(poll)
    html = client.get(reverse("sales:my_orders"), {"tab": "active"}).content.decode()
    assert "data-unread" not in html


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_others_get_404(client, who):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(UserFactory(is_staff=who == "staff", is_superuser=who == "staff"))
    assert client.get(reverse("sales:order_live", args=[order.number])).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    order = OrderFactory(state=State.ACTIVE)
    response = client.get(reverse("sales:order_live", args=[order.number]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_poll_interval_comes_from_settings(client, settings):
    settings.LIVE_POLL_SECONDS = 7
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    assert 'hx-trigger="every 7s"' in client.get(order.get_absolute_url()).content.decode()


def test_upload_progress_posts_get_204_and_where_to_go(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    response = client.post(
        reverse("sales:message_send", args=[order.number]),
        {"body": "Draft attached"},
        HTTP_X_UPLOAD_PROGRESS="1",
    )
    assert response.status_code == 204
    assert response["X-Location"] == f"{order.get_absolute_url()}#conversation"
    assert order.messages.count() == 1


def test_order_page_queries_do_not_grow_with_the_thread(client):
    order = OrderFactory(state=State.ACTIVE)
    message_send(order=order, sender=order.buyer, body="Hi")
    client.force_login(order.seller)
    small = page_queries(client, order.get_absolute_url())
    for i in range(40):
        message_send(order=order, sender=order.buyer if i % 2 else order.seller, body=f"#{i}")
    message_send(order=order, sender=order.seller, body="Draft", kind=MessageKind.UPDATE)
    client.force_login(order.seller)
    assert page_queries(client, order.get_absolute_url()) == small


def test_a_long_thread_shows_the_newest_items_and_offers_the_rest(client):
    order = OrderFactory(state=State.ACTIVE)
    for i in range(60):
        message_send(
            order=order, sender=order.buyer if i % 2 else order.seller, body=f"Note {i:02d}"
        )
    client.force_login(order.seller)

    html = client.get(order.get_absolute_url()).content.decode()
    assert "Note 59" in html and "Note 10" in html and "Note 09" not in html
    assert "Show the whole conversation" in html

    everything = client.get(order.get_absolute_url(), {"all": "1"}).content.decode()
    assert "Note 00" in everything and "Show the whole conversation" not in everything


def test_the_first_visit_highlights_what_the_other_side_wrote(client):
    order = OrderFactory(state=State.ACTIVE)
    message_send(order=order, sender=order.buyer, body="Please start with the logo.")
    client.force_login(order.seller)
    html = client.get(order.get_absolute_url()).content.decode()
    assert html.count("bg-warning-subtle") == 1
    assert client.get(order.get_absolute_url()).content.decode().count("bg-warning-subtle") == 0
