"""Two uploads at once to a Job with room for one: the Job's lock lets one
in and refuses the other, whose files are deleted (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from jobs import images
from jobs.models import JobImage
from jobs.services import JobError, job_image_add
from jobs.tests.test_images import picture, stored_files
from testing.factories import JobFactory
from testing.racing import slowed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def checked():
    upload = picture("PNG", size=(300, 200))
    upload.checked_format = images.check_image(upload)
    return upload


def test_two_uploads_for_the_last_place_let_one_in(monkeypatch):
    job = JobFactory()
    for _ in range(2):
        job_image_add(job=job, seller=job.seller, upload=checked())
    # A pause between counting the images and adding one.
    slowed(monkeypatch, images, "token_of")
    uploads = [checked(), checked()]
    barrier = threading.Barrier(2)
    outcomes = []

    def add(upload):
        try:
            barrier.wait()
            job_image_add(job=job, seller=job.seller, upload=upload)
            outcomes.append("ok")
        except JobError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(upload,)) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [
        "A Job can show 3 images. Remove one before adding another; nothing was uploaded.",
        "ok",
    ]
    assert list(JobImage.objects.filter(job=job).values_list("position", flat=True)) == [0, 1, 2]
    assert len(stored_files()) == 3 * 3
