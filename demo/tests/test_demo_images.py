"""The demo Jobs' images: drawn with Pillow, stored and thumbnailed like a
seller's upload, added once."""

import pytest

from accounts.models import User
from demo.images import PER_JOB, job_images_add
from jobs.models import Category, Job, JobImage

pytestmark = pytest.mark.django_db


def test_each_job_gets_drawn_images_once():
    seller = User.objects.create(username="painter")
    jobs = [
        Job.objects.create(
            seller=seller,
            title=f"I will make {what}",
            category=category,
            description="Yes.",
            price=50,
            delivery_days=3,
        )
        for what, category in [("a logo", Category.DESIGN), ("a jingle", Category.MUSIC)]
    ]

    assert job_images_add(jobs) == 2 * PER_JOB
    assert job_images_add(jobs) == 0

    for job in jobs:
        gallery = list(job.images.all())
        assert [image.position for image in gallery] == list(range(PER_JOB))
        assert all(image.alt.startswith("A white ") for image in gallery)
        for image in gallery:
            assert all(image.file.storage.exists(name) for name in image.names())
    assert JobImage.objects.count() == 2 * PER_JOB
