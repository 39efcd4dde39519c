"""Job images on S3-compatible storage: with the attachments' bucket set,
they go to it under job-images/, come back through the serving view and
leave it with their image (against moto's in-memory S3)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jobs.models import JobImage
from jobs.services import job_image_orphans_delete
from jobs.tests.test_images import picture
from testing.factories import JobFactory

pytestmark = pytest.mark.django_db


def keys(s3):
    listing = s3.list_objects_v2(Bucket="attachments-test")
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_an_image_goes_to_the_bucket_and_comes_back_through_the_view(
    client, s3, django_capture_on_commit_callbacks
):
    job = JobFactory()
    client.force_login(job.seller)

    response = client.post(reverse("jobs:image_add", args=[job.pk]), {"image": picture("JPEG")})

    assert response.status_code == 302
    image = JobImage.objects.get()
    assert keys(s3) == sorted(image.names())
    assert all(key.startswith("job-images/") for key in keys(s3))
    client.logout()
    served = client.get(image.page_url)
    assert served.status_code == 200
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(served.streaming_content)[:4] == b"RIFF"  # WebP

    client.force_login(job.seller)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("jobs:image_delete", args=[job.pk, image.pk]))
    assert keys(s3) == []


def test_the_sweep_finds_orphans_in_the_bucket(s3):
    now = timezone.now()
    s3.put_object(
        Bucket="attachments-test", Key=f"job-images/{now:%Y/%m}/{'a' * 32}.png", Body=b"left"
    )

    with time_machine.travel(now + timedelta(hours=2)):
        assert job_image_orphans_delete() == 1
    assert keys(s3) == []
