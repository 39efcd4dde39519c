"""Attachments on S3-compatible storage, switched on by a setting and used
through Django's storage API (against moto's in-memory S3)."""

import pytest
from django.urls import reverse

from messaging.models import Attachment
from sales.models import State
from testing.factories import OrderFactory
from testing.uploads import PNG_BYTES, png

pytestmark = pytest.mark.django_db


def test_an_attachment_goes_to_the_bucket_and_comes_back_through_the_view(client, s3):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    response = client.post(
        reverse("sales:message_send", args=[order.number]),
        {"body": "Draft", "kind": "update", "files": [png("draft.png")]},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="attachments-test")["Contents"]]
    assert keys == [attachment.file.name] and "draft" not in attachment.file.name

    client.force_login(order.buyer)
    download = client.get(reverse("sales:attachment", args=[order.number, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG_BYTES
    assert 'filename="draft.png"' in download["Content-Disposition"]
