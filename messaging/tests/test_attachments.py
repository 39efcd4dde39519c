"""Attachments: what uploads, where it is stored, what is refused, and who may
download it."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from messaging.models import Attachment, Message, Notification
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory, UserFactory
from testing.uploads import (
    ELF_BYTES,
    MZ_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    png,
    png_sent,
    stored_files,
    txt,
)

pytestmark = pytest.mark.django_db


def _post(client, user, order, files, body="See attached."):
    client.force_login(user)
    return client.post(
        reverse("sales:message_send", args=[order.number]), {"body": body, "files": files}
    )


def _under(path, root):
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(root))


def test_png_uploads_to_the_private_folder_under_a_random_name(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    order = OrderFactory(state=State.ACTIVE)

    response = _post(client, order.buyer, order, [png("company-logo.png")])

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "company-logo.png",
        "image/png",
        len(PNG_BYTES),
    )
    path = Path(attachment.file.path)
    assert stored_files() == [path]
    assert _under(path, settings.PRIVATE_MEDIA_ROOT)
    assert not _under(path, settings.MEDIA_ROOT)
    assert not _under(path, settings.STATIC_ROOT)
    assert "company-logo" not in attachment.file.name
    assert not attachment.file.name.endswith(".png")
    assert path.read_bytes() == PNG_BYTES


def test_two_uploads_of_the_same_name_get_different_stored_names(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, [png("logo.png")])
    _post(client, order.buyer, order, [png("logo.png")])
    first, second = Attachment.objects.all()
    assert first.file.name != second.file.name
    assert len(stored_files()) == 2


def test_text_file_uploads(client):
    order = OrderFactory(state=State.ACTIVE)

    response = _post(client, order.seller, order, [txt("brief.txt")])

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type) == ("brief.txt", "text/plain")
    assert Path(attachment.file.path).read_bytes() == TEXT_BYTES


def test_several_files_upload_together(client):
    order = OrderFactory(state=State.ACTIVE)
    response = _post(client, order.seller, order, [png("a.png"), txt("b.txt"), txt("c.md")])
    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["a.png", "b.txt", "c.md"]
    assert len(stored_files()) == 3


def test_files_link_to_the_checked_download_view(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.buyer, order, [png("logo.png")])
    attachment = Attachment.objects.get()
    client.force_login(order.seller)
    html = client.get(order.get_absolute_url()).content.decode()
    assert f'href="/orders/{order.number}/files/{attachment.pk}/"' in html
    assert attachment.file.name not in html


def _refused(response, text):
    assert response.status_code == 400
    html = response.content.decode()
    assert text in html, html
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not Notification.objects.exists()
    assert stored_files() == []


def test_oversize_file_is_refused(client, settings):
    settings.ATTACHMENT_MAX_BYTES = 40
    order = OrderFactory(state=State.ACTIVE)
    big = txt("big.txt", b"a" * 41)
    _refused(_post(client, order.buyer, order, [big]), "files can be at most")


def test_file_exactly_at_the_size_limit_uploads(client, settings):
    settings.ATTACHMENT_MAX_BYTES = 40
    order = OrderFactory(state=State.ACTIVE)
    response = _post(client, order.buyer, order, [txt("ok.txt", b"a" * 40)])
    assert response.status_code == 302
    assert len(stored_files()) == 1


def test_disallowed_type_is_refused(client):
    order = OrderFactory(state=State.ACTIVE)
    upload = txt("setup.exe", MZ_BYTES)
    _refused(_post(client, order.buyer, order, [upload]), "“setup.exe”: this type of file can")


@pytest.mark.parametrize(
    "name,content",
    [
        ("logo.png", TEXT_BYTES),
        ("logo.png", ELF_BYTES),
        ("logo.png", MZ_BYTES),
        ("report.pdf", PNG_BYTES),
        ("notes.txt", PNG_BYTES),
        ("notes.txt", ELF_BYTES),
    ],
    ids=["text-as-png", "elf-as-png", "mz-as-png", "png-as-pdf", "png-as-txt", "elf-as-txt"],
)
def test_file_renamed_to_look_allowed_is_refused(client, name, content):
    order = OrderFactory(state=State.ACTIVE)
    ext = name.rsplit(".", 1)[1]
    _refused(
        _post(client, order.buyer, order, [txt(name, content)]),
        f"“{name}” is not really a .{ext} file",
    )


def test_empty_file_is_refused(client):
    order = OrderFactory(state=State.ACTIVE)
    _refused(_post(client, order.buyer, order, [txt("empty.txt", b"")]), "is empty")


def test_more_files_than_allowed_are_refused(client, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    order = OrderFactory(state=State.ACTIVE)
    files = [png("a.png"), png("b.png"), txt("c.txt")]
    _refused(_post(client, order.buyer, order, files), "Attach at most 2 files.")


def test_one_bad_file_refuses_the_whole_message(client):
    order = OrderFactory(state=State.ACTIVE)
    _refused(
        _post(client, order.buyer, order, [png("good.png"), txt("bad.png")]),
        "“bad.png” is not really a .png file",
    )


# -- download -------------------------------------------------------------------


@pytest.fixture
def shared_file():
    """A PNG the buyer attached to an active order, checked as the form checks it."""
    order = OrderFactory(state=State.ACTIVE)
    return order, png_sent(order, order.buyer, "brand logo.png", body="My logo")


def _download_url(order, attachment):
    return reverse("sales:attachment", args=[order.number, attachment.pk])


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_participants_download_the_exact_bytes(client, shared_file, role):
    order, attachment = shared_file
    client.force_login(getattr(order, role))

    response = client.get(_download_url(order, attachment))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="brand logo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG_BYTES


def test_text_file_downloads_as_an_attachment_not_inline(client):
    order = OrderFactory(state=State.ACTIVE)
    _post(client, order.seller, order, [txt("notes.txt")])
    attachment = Attachment.objects.get()
    client.force_login(order.buyer)

    response = client.get(_download_url(order, attachment))

    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == TEXT_BYTES


@pytest.mark.parametrize("viewer", ["stranger", "staff", "other_order_buyer", "other_order_seller"])
def test_non_participants_get_404(client, shared_file, viewer):
    order, attachment = shared_file
    other = OrderFactory(state=State.ACTIVE)
    user = {
        "stranger": UserFactory(),
        "staff": UserFactory(is_staff=True, is_superuser=True),
        "other_order_buyer": other.buyer,
        "other_order_seller": other.seller,
    }[viewer]
    client.force_login(user)
    assert client.get(_download_url(order, attachment)).status_code == 404


def test_anonymous_download_is_sent_to_log_in(client, shared_file):
    order, attachment = shared_file
    response = client.get(_download_url(order, attachment))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_attachment_of_another_order_is_404_under_this_orders_number(client, shared_file):
    order, attachment = shared_file
    # The same seller has a second order: they may see both, but never one
    # order's file under the other order's number.
    mine = OrderFactory(job=order.job, state=State.ACTIVE)
    client.force_login(order.seller)
    assert client.get(_download_url(mine, attachment)).status_code == 404
    assert client.get(_download_url(order, attachment)).status_code == 200


def test_missing_file_on_disk_is_404(client, shared_file):
    order, attachment = shared_file
    Path(attachment.file.path).unlink()
    client.force_login(order.buyer)
    assert client.get(_download_url(order, attachment)).status_code == 404


# --- the attachment storage down (S3 unreachable) ------------------------------


@pytest.fixture
def storage_down(monkeypatch):
    """Call it to make the attachment storage unreachable from then on."""
    from django.core.files.storage import storages

    def unreachable(*args, **kwargs):
        raise ConnectionError("storage endpoint unreachable")

    def down():
        for method in ("save", "open"):
            monkeypatch.setattr(storages["attachments"], method, unreachable)

    return down


def test_a_message_with_files_while_storage_is_down_is_refused_clearly(client, storage_down):
    order = OrderFactory(state=State.ACTIVE)
    storage_down()

    response = _post(client, order.buyer, order, [png()])

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Your files could not be stored just now, so nothing was sent." in page
    assert Message.objects.count() == 0 and Notification.objects.count() == 0
    assert stored_files() == []


def test_a_delivery_while_storage_is_down_is_refused_and_the_order_stays_active(
    client, storage_down
):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    storage_down()

    response = client.post(
        reverse("sales:order_deliver", args=[order.number]),
        {"message": "Here it is", "files": [png()]},
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Your files could not be stored just now, so nothing was sent." in page
    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert order.events.count() == 0 and Message.objects.count() == 0


def test_a_download_while_storage_is_down_says_so(client, storage_down):
    order = OrderFactory(state=State.ACTIVE)
    message = message_send(order=order, sender=order.seller, body="Draft", files=[png()])
    attachment = message.attachments.get()
    client.force_login(order.buyer)
    storage_down()

    response = client.get(_download_url(order, attachment))

    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "This file can&#x27;t be fetched just now." in page
