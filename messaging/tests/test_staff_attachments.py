"""Staff open an order's files from the admin: the Support group may, each
opening is on the order's admin timeline (who, when, which file) and not on
the buyer's and seller's page; anyone else gets a 404."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sales.models import EventKind, OrderEvent, State
from testing.factories import OrderFactory, UserFactory
from testing.uploads import PNG_BYTES, png_sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered_file():
    """A PNG the seller delivered, checked as the form checks it."""
    order = OrderFactory(state=State.ACTIVE)
    return order, png_sent(order, order.seller, "final logo.png", body="The logo")


def _url(order, attachment):
    return reverse("admin:sales_order_attachment", args=[order.pk, attachment.pk])


def _openings(order):
    return OrderEvent.objects.filter(order=order, kind=EventKind.ATTACHMENT_OPENED)


def test_support_opens_a_file_and_the_opening_is_recorded(client, support, delivered_file):
    order, attachment = delivered_file
    client.force_login(support)

    response = client.get(_url(order, attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="final logo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    [event] = _openings(order)
    assert event.actor == support
    assert event.data["attachment"] == attachment.pk and event.data["name"] == "final logo.png"
    client.get(_url(order, attachment))
    assert _openings(order).count() == 2  # each opening


def test_the_admin_page_links_the_file_and_shows_who_opened_it(client, support, delivered_file):
    order, attachment = delivered_file
    client.force_login(support)
    change = reverse("admin:sales_order_change", args=[order.pk])
    assert f'href="{_url(order, attachment)}"' in client.get(change).content.decode()

    client.get(_url(order, attachment))

    html = client.get(change).content.decode()
    assert "Attachment “final logo.png” opened by support" in html
    assert "Sue Port (support)" in html
    # The message list links the file to the same view.
    messages = reverse("admin:messaging_message_changelist") + f"?order__id__exact={order.pk}"
    assert f'href="{_url(order, attachment)}"' in client.get(messages).content.decode()


def test_the_opening_is_not_on_the_parties_order_page(client, support, delivered_file):
    order, attachment = delivered_file
    client.force_login(support)
    client.get(_url(order, attachment))
    client.force_login(order.buyer)
    html = client.get(order.get_absolute_url()).content.decode()
    assert "opened by support" not in html
    assert 'data-event="attachment_opened"' not in html


def test_the_opening_does_not_wake_the_parties_open_page(client, support, delivered_file):
    from sales.selectors import order_version

    order, attachment = delivered_file
    before = order_version(order)
    client.force_login(support)
    assert client.get(_url(order, attachment)).status_code == 200
    assert _openings(order).count() == 1
    assert order_version(order) == before  # the live poll answers 204: nothing new


def _viewer(name, order):
    if name == "staff_without_permission":
        return UserFactory(is_staff=True)
    if name == "staff_with_other_permissions":
        user = UserFactory(is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(codename__in=["view_message", "view_job", "view_user"])
        )
        return user
    if name == "member_with_view_order":  # not staff: the permission alone is not enough
        user = UserFactory()
        user.user_permissions.set(Permission.objects.filter(codename="view_order"))
        return user
    return {"buyer": order.buyer, "seller": order.seller, "stranger": UserFactory()}[name]


@pytest.mark.parametrize(
    "name",
    [
        "staff_without_permission",
        "staff_with_other_permissions",
        "member_with_view_order",
        "buyer",
        "seller",
        "stranger",
    ],
)
def test_everyone_else_gets_404_and_nothing_is_recorded(client, delivered_file, name):
    order, attachment = delivered_file
    client.force_login(_viewer(name, order))
    assert client.get(_url(order, attachment)).status_code == 404
    assert not _openings(order).exists()


def test_anonymous_is_sent_to_the_admin_log_in(client, delivered_file):
    order, attachment = delivered_file
    response = client.get(_url(order, attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not _openings(order).exists()


def test_a_file_of_another_order_is_404_under_this_order(client, support, delivered_file):
    order, attachment = delivered_file
    other = OrderFactory(state=State.ACTIVE)
    client.force_login(support)
    assert client.get(_url(other, attachment)).status_code == 404
    assert not _openings(other).exists() and not _openings(order).exists()


def test_a_missing_file_is_404_and_not_recorded(client, support, delivered_file):
    from pathlib import Path

    order, attachment = delivered_file
    Path(attachment.file.path).unlink()
    client.force_login(support)
    assert client.get(_url(order, attachment)).status_code == 404
    assert not _openings(order).exists()


def test_storage_down_says_so_and_records_nothing(client, support, delivered_file, monkeypatch):
    from django.core.files.storage import storages

    order, attachment = delivered_file

    def unreachable(*args, **kwargs):
        raise ConnectionError("storage endpoint unreachable")

    monkeypatch.setattr(storages["attachments"], "open", unreachable)
    client.force_login(support)
    response = client.get(_url(order, attachment), follow=True)
    assert "This file can&#x27;t be fetched just now." in response.content.decode()
    assert not _openings(order).exists()
