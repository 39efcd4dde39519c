"""The daily sweep of attachment files no message points at (left by a
process killed between writing a file and committing its message)."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from messaging.attachments import orphan_files_delete
from messaging.models import attachment_storage
from messaging.tasks import sweep_orphan_files
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory
from testing.uploads import PNG_BYTES, png

pytestmark = pytest.mark.django_db


def _orphan(month):
    """A file in the folder of ``month``'s uploads, with no row pointing at it."""
    return attachment_storage().save(
        f"attachments/{month:%Y/%m}/{uuid.uuid4().hex}", ContentFile(b"left behind")
    )


def _exists(name):
    return attachment_storage().exists(name)


def test_the_daily_sweep_deletes_orphans_and_keeps_attachments(client):
    order = OrderFactory(state=State.ACTIVE)
    message = message_send(order=order, sender=order.seller, body="Draft", files=[png()])
    kept = message.attachments.get()
    now = timezone.now()
    orphan = _orphan(now)

    with time_machine.travel(now + timedelta(hours=2)):
        assert sweep_orphan_files.delay().get() == 1
        assert sweep_orphan_files.delay().get() == 0  # twice is once

    assert not _exists(orphan)
    assert _exists(kept.file.name)
    client.force_login(order.buyer)
    download = client.get(reverse("sales:attachment", args=[order.number, kept.pk]))
    assert b"".join(download.streaming_content) == PNG_BYTES


def test_a_file_younger_than_an_hour_is_left_alone():
    now = timezone.now()
    young = _orphan(now)

    # The transaction that wrote it may still be running.
    assert orphan_files_delete(now=now + timedelta(minutes=30)) == 0
    assert _exists(young)
    assert orphan_files_delete(now=now + timedelta(minutes=61)) == 1
    assert not _exists(young)


def test_last_months_folder_is_swept_too_older_ones_were_swept_in_their_time():
    sweep_at = timezone.now() + timedelta(hours=2)
    first_of_month = sweep_at.replace(day=1)  # months as the sweep sees them
    last_month = _orphan(first_of_month - timedelta(days=1))
    long_ago = _orphan(first_of_month - timedelta(days=70))

    assert orphan_files_delete(now=sweep_at) == 1
    assert not _exists(last_month)
    assert _exists(long_ago)


def test_the_sweep_works_on_s3_storage(s3):
    order = OrderFactory(state=State.ACTIVE)
    kept = message_send(
        order=order, sender=order.seller, body="Draft", files=[png()]
    ).attachments.get()
    orphan = _orphan(timezone.now())

    assert orphan_files_delete(now=timezone.now() + timedelta(hours=2)) == 1

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="attachments-test")["Contents"]]
    assert keys == [kept.file.name]
    assert orphan not in keys


def test_a_file_deleted_while_the_sweep_runs_is_skipped(monkeypatch):
    now = timezone.now()
    vanishing, orphan = _orphan(now), _orphan(now)
    storage = storages["attachments"]  # the real one, behind attachment_storage()
    real_modified = storage.get_modified_time

    def modified(name):
        if name == vanishing:
            storage.delete(name)  # a rollback got there first
        return real_modified(name)

    monkeypatch.setattr(storage, "get_modified_time", modified)

    assert orphan_files_delete(now=now + timedelta(hours=2)) == 1
    assert not _exists(orphan) and not _exists(vanishing)
