"""A seller adds images to a Job with JavaScript off: the file input and
the buttons are plain forms, and the thumbnails are served."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from e2e.helpers import log_in
from jobs.models import JobImage
from testing.factories import JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png(colour):
    out = io.BytesIO()
    Image.new("RGB", (600, 400), colour).save(out, "PNG")
    return {"name": "sketch.png", "mimeType": "image/png", "buffer": out.getvalue()}


def test_seller_uploads_reorders_and_removes_images_without_javascript(
    browser, live_server, screenshot
):
    job = JobFactory(title="I will draw your shop's sign")
    page = log_in(browser, live_server.url, job.seller, java_script_enabled=False)
    page.goto(f"{live_server.url}/jobs/{job.pk}/edit/")
    images = page.locator("#images")

    for colour, words in [("teal", "A teal sketch"), ("orange", "An orange sketch")]:
        images.get_by_label("Image*", exact=True).set_input_files(_png(colour))
        images.get_by_label("Describe the image").fill(words)
        images.get_by_role("button", name="Upload image").click()
        expect(page.get_by_text("Your image was added.")).to_be_visible()

    expect(images.get_by_role("img", name="A teal sketch")).to_be_visible()
    orange = images.get_by_role("img", name="An orange sketch")
    expect(orange).to_be_visible()
    assert orange.evaluate("img => img.naturalWidth") == 480  # the cover size, served
    images.get_by_role("button", name="Make cover (image 2)").click()
    assert [i.alt for i in JobImage.objects.order_by("position")] == [
        "An orange sketch",
        "A teal sketch",
    ]
    screenshot(page, "job-images-edit")

    page.locator("#images").get_by_role("button", name="Remove image 2").click()
    expect(page.get_by_text("The image was removed.")).to_be_visible()
    assert list(JobImage.objects.values_list("alt", flat=True)) == ["An orange sketch"]
