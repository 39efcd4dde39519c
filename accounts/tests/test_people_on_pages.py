"""People are shown by name (with an initials avatar where it fits), not by
username: the site menu, Job pages, the conversation, the Resolution Center."""

import pytest
from django.urls import reverse

from sales.models import State
from sales.request_services import cancellation_request_create
from sales.services import message_send
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam():
    return UserFactory(username="sam_seller", first_name="Sam", last_name="Seller")


def test_the_account_menu_shows_the_person(client, sam):
    client.force_login(sam)
    html = client.get(reverse("home")).content.decode()

    assert '<details class="nav-menu" data-menu>' in html
    assert '<span class="person-name">Sam Seller</span>' in html
    assert ">SS</span>" in html  # the avatar's initials


def test_a_person_without_a_name_is_shown_by_username(client):
    client.force_login(UserFactory(username="plain_user"))
    html = client.get(reverse("home")).content.decode()

    assert '<span class="person-name">plain_user</span>' in html


def test_jobs_show_their_seller_by_name(client, sam):
    job = JobFactory(seller=sam)

    for url in (reverse("home"), reverse("storefront:job", args=[job.pk])):
        html = client.get(url).content.decode()
        assert '<span class="person-name">Sam Seller</span>' in html, url
        # The username is in the address of the seller's profile only.
        assert "sam_seller" not in html.replace("/sellers/sam_seller/", ""), url


def test_the_conversation_shows_the_sender_by_name(client, sam):
    order = OrderFactory(job=JobFactory(seller=sam), state=State.ACTIVE)
    message_send(order=order, sender=sam, body="Hello!")
    client.force_login(order.buyer)

    html = client.get(order.get_absolute_url()).content.decode()

    assert '<strong class="text-body"><span class="person">' in html
    assert '<span class="person-name">Sam Seller</span></span></strong>' in html


def test_the_resolution_center_names_who_asks(client, sam):
    order = OrderFactory(job=JobFactory(seller=sam), state=State.ACTIVE)
    cancellation_request_create(order=order, actor=sam, reason="I am ill.")
    client.force_login(order.buyer)

    html = client.get(reverse("resolution:center")).content.decode()

    assert f"#{order.number}</a>: Sam Seller asks to cancel." in html
