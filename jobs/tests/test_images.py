"""A Job's gallery: the seller uploads up to three images on the Job's edit
page, each checked by its content and thumbnailed on upload; nobody else can
add, move or remove them; the files are served for a year and deleted with
their image."""

import io
import os
import re
import uuid
from datetime import timedelta

import hypothesis
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st
from PIL import Image

from jobs import images
from jobs.models import Job, JobImage
from jobs.services import job_image_orphans_delete
from jobs.tasks import sweep_job_image_orphans
from testing.factories import JobFactory, OrderFactory, SupportFactory, UserFactory
from testing.processes import manage

pytestmark = pytest.mark.django_db


def picture(fmt="PNG", size=(1200, 900), name=None, exif=None):
    """A real image made here with Pillow: a gradient with a square on it."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((200, 40, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **options)
    ext = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[fmt]
    return SimpleUploadedFile(name or f"photo.{ext}", out.getvalue(), content_type=f"image/{ext}")


def upload(client, job, file, alt=""):
    return client.post(reverse("jobs:image_add", args=[job.pk]), {"image": file, "alt": alt})


def stored(name):
    with images.job_image_storage().open(name, "rb") as handle:
        return Image.open(io.BytesIO(handle.read()))


def stored_files():
    storage = images.job_image_storage()
    found = []
    for year in storage.listdir(images.FOLDER)[0] if storage.exists(images.FOLDER) else []:
        for month in storage.listdir(f"{images.FOLDER}/{year}")[0]:
            folder = f"{images.FOLDER}/{year}/{month}"
            found += [f"{folder}/{name}" for name in storage.listdir(folder)[1]]
    return sorted(found)


@pytest.fixture
def job():
    return JobFactory(title="I will paint your house portrait")


@pytest.fixture
def seller_client(client, job):
    client.force_login(job.seller)
    return client


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 12.0)}  # GPSInfo: a latitude
    return exif


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_seller_uploads_an_image_and_gets_its_thumbnails(seller_client, job, fmt):
    response = upload(seller_client, job, picture(fmt), alt="The finished portrait")

    assert response.status_code == 302
    assert response.url == reverse("jobs:edit", args=[job.pk]) + "#images"
    image = JobImage.objects.get(job=job)
    assert (image.position, image.alt_text) == (0, "The finished portrait")
    assert stored(image.file.name).format == fmt
    assert stored(image.file.name).size == (1200, 900)
    assert stored(images.size_name(image.file.name, "cover")).size == (480, 320)
    assert stored(images.size_name(image.file.name, "page")).size == (960, 640)
    assert len(stored_files()) == 3
    page = seller_client.get(reverse("jobs:edit", args=[job.pk])).content.decode()
    assert "Your image was added." in page
    assert image.cover_url in page


def test_the_kept_image_has_no_camera_metadata(seller_client, job):
    upload(seller_client, job, picture("JPEG", exif=gps_exif().tobytes()))

    kept = stored(JobImage.objects.get(job=job).file.name)
    assert not kept.getexif()
    assert "exif" not in kept.info


def test_a_webp_is_taken_too(seller_client, job):
    upload(seller_client, job, picture("WEBP"))

    assert stored(JobImage.objects.get(job=job).file.name).format == "WEBP"


def test_a_huge_image_is_kept_at_2400_pixels_a_side(seller_client, job):
    upload(seller_client, job, picture("JPEG", size=(4000, 2000)))

    assert stored(JobImage.objects.get(job=job).file.name).size == (2400, 1200)


def refused(response, message):
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not JobImage.objects.exists()
    assert stored_files() == []


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'


@pytest.mark.parametrize("content", [HTML, SVG], ids=["html", "svg"])
def test_a_page_or_svg_renamed_png_is_refused(seller_client, job, content):
    file = SimpleUploadedFile("logo.png", content, content_type="image/png")

    refused(upload(seller_client, job, file), "“logo.png” is not a PNG, JPEG or WebP image")


def test_a_gif_or_a_file_of_another_type_is_refused(seller_client, job):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    gif = SimpleUploadedFile("anim.png", out.getvalue(), content_type="image/png")
    refused(upload(seller_client, job, gif), "is not a PNG, JPEG or WebP image")

    pdf = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 nothing", content_type="application/pdf")
    refused(upload(seller_client, job, pdf), "upload a PNG, JPEG or WebP")


def test_a_cut_off_image_is_refused(seller_client, job):
    whole = picture("PNG").read()
    cut = SimpleUploadedFile("cut.png", whole[: len(whole) // 2], content_type="image/png")

    refused(upload(seller_client, job, cut), "is not a PNG, JPEG or WebP image")


def test_an_image_over_the_size_limit_is_refused(seller_client, job, settings):
    settings.JOB_IMAGE_MAX_BYTES = 2 * 1024

    refused(
        upload(seller_client, job, picture("PNG")),
        "“photo.png” is larger than 2.0\xa0KB; an image can be at most 2.0\xa0KB.",
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded(seller_client, job):
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 million pixels in a few KB
    bomb = SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")

    refused(upload(seller_client, job, bomb), "an image can have at most 50 million")


def test_an_upload_without_a_file_says_so(seller_client, job):
    response = seller_client.post(reverse("jobs:image_add", args=[job.pk]), {"alt": "x"})

    refused(response, "Choose an image to upload.")


def test_a_fourth_image_is_refused(seller_client, job):
    for _ in range(3):
        assert upload(seller_client, job, picture("PNG", size=(300, 200))).status_code == 302
    files = stored_files()
    page = seller_client.get(reverse("jobs:edit", args=[job.pk])).content.decode()
    assert "the most it can. Remove one to add another." in page
    assert 'name="image"' not in page

    response = upload(seller_client, job, picture("PNG", size=(300, 200)))

    assert response.status_code == 400
    assert "A Job can show 3 images. Remove one before adding another" in response.content.decode()
    assert JobImage.objects.filter(job=job).count() == 3
    assert stored_files() == files


def gallery(job, n):
    for i in range(n):
        JobImageMaker.add(job, alt=f"image {i}")
    return list(job.images.order_by("position"))


class JobImageMaker:
    @staticmethod
    def add(job, alt=""):
        from jobs.services import job_image_add

        file = picture("PNG", size=(300, 200))
        file.checked_format = images.check_image(file)
        return job_image_add(job=job, seller=job.seller, upload=file, alt=alt)


def test_seller_removes_an_image_and_its_files_go(
    seller_client, job, django_capture_on_commit_callbacks
):
    first, second, third = gallery(job, 3)

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(reverse("jobs:image_delete", args=[job.pk, second.pk]))

    assert response.status_code == 302
    assert [(i.pk, i.position) for i in job.images.all()] == [(first.pk, 0), (third.pk, 1)]
    assert not any(images.token_of(name) == second.token for name in stored_files())
    assert len(stored_files()) == 6
    served = seller_client.get(second.cover_url)
    assert served.status_code == 404


def test_removing_an_image_twice_says_it_is_gone(seller_client, job):
    (image,) = gallery(job, 1)
    seller_client.post(reverse("jobs:image_delete", args=[job.pk, image.pk]))

    response = seller_client.post(
        reverse("jobs:image_delete", args=[job.pk, image.pk]), follow=True
    )

    assert "This image was already removed." in response.content.decode()


def test_seller_reorders_and_picks_the_cover(seller_client, job):
    a, b, c = gallery(job, 3)
    move = lambda image, to: seller_client.post(  # noqa: E731
        reverse("jobs:image_move", args=[job.pk, image.pk]), {"to": to}
    )

    assert move(c, "first").status_code == 302
    assert list(job.images.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    move(a, "later")
    assert list(job.images.values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]
    move(b, "earlier")
    assert list(job.images.values_list("pk", flat=True)) == [b.pk, c.pk, a.pk]
    move(b, "earlier")  # already first: stays
    assert list(job.images.values_list("pk", flat=True)) == [b.pk, c.pk, a.pk]
    assert list(job.images.values_list("position", flat=True)) == [0, 1, 2]
    cover = render_to_string("jobs/_cover.html", {"job": Job.objects.with_images().get()})
    assert b.cover_url in cover


def test_an_unknown_move_is_refused(seller_client, job):
    a, b = gallery(job, 2)

    response = seller_client.post(
        reverse("jobs:image_move", args=[job.pk, b.pk]), {"to": "sideways"}, follow=True
    )

    assert "Choose where to move the image." in response.content.decode()
    assert list(job.images.values_list("pk", flat=True)) == [a.pk, b.pk]


@pytest.fixture
def others(job):
    """Everyone but the seller: a stranger, the Job's buyer, support staff."""
    buyer = OrderFactory(job=job).buyer
    return {"stranger": UserFactory(), "buyer": buyer, "staff": SupportFactory()}


@pytest.mark.parametrize("who", ["stranger", "buyer", "staff", "anonymous"])
def test_nobody_else_can_add_move_or_remove_images(client, job, others, who):
    (image,) = gallery(job, 1)
    files = stored_files()
    if who != "anonymous":
        client.force_login(others[who])

    answers = [
        upload(client, job, picture("PNG")),
        client.post(reverse("jobs:image_delete", args=[job.pk, image.pk])),
        client.post(reverse("jobs:image_move", args=[job.pk, image.pk]), {"to": "later"}),
        client.post(reverse("jobs:image_describe", args=[job.pk, image.pk]), {"alt": "Mine"}),
        client.get(reverse("jobs:edit", args=[job.pk])),
    ]

    for response in answers:
        if who == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))
        else:
            assert response.status_code == 404
    assert list(job.images.all()) == [image]
    assert job.images.get().alt == image.alt
    assert stored_files() == files


def test_another_sellers_image_is_not_reached_through_ones_own_job(client, job):
    (image,) = gallery(job, 1)
    own = JobFactory()
    client.force_login(own.seller)

    response = client.post(reverse("jobs:image_delete", args=[own.pk, image.pk]), follow=True)

    assert "This image was already removed." in response.content.decode()
    assert JobImage.objects.filter(pk=image.pk).exists()


def test_changing_images_is_post_only(seller_client, job):
    (image,) = gallery(job, 1)

    assert seller_client.get(reverse("jobs:image_add", args=[job.pk])).status_code == 405
    assert (
        seller_client.get(reverse("jobs:image_delete", args=[job.pk, image.pk])).status_code == 405
    )


def test_images_are_served_to_anyone_for_a_year(client, job):
    (image,) = gallery(job, 1)

    for url, content_type in [
        (image.url, "image/png"),
        (image.cover_url, "image/webp"),
        (image.page_url, "image/webp"),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size


@pytest.mark.parametrize(
    "name",
    ["0" * 32 + ".png", "{token}-huge.webp", "{token}.jpg", "{token}-cover.png", "..%2Fsecret"],
)
def test_other_names_are_not_served(client, job, name):
    (image,) = gallery(job, 1)

    response = client.get(reverse("jobs:image_file", args=[name.format(token=image.token)]))

    assert response.status_code == 404


def test_the_edit_page_costs_the_same_few_queries_with_three_images(
    seller_client, job, django_assert_num_queries
):
    url = reverse("jobs:edit", args=[job.pk])
    # Session, user, the Job, its delivery-time insight, its images, unread notices.
    with django_assert_num_queries(6):
        seller_client.get(url)
    gallery(job, 3)

    with django_assert_num_queries(6):
        response = seller_client.get(url)

    assert response.content.decode().count('class="card-img-top img-fluid"') == 3


def test_covers_for_many_jobs_cost_one_query(django_assert_num_queries):
    for _ in range(4):
        JobImageMaker.add(JobFactory())
    JobFactory()  # and one without an image

    with django_assert_num_queries(2):
        jobs = list(Job.objects.with_images())
        html = "".join(render_to_string("jobs/_cover.html", {"job": j}) for j in jobs)
        html += "".join(render_to_string("jobs/_gallery.html", {"job": j}) for j in jobs)

    assert html.count("-cover.webp") == 4
    assert html.count("-page.webp") == 4
    assert html.count("job-cover-placeholder") == 1


def test_the_gallery_shows_each_image_larger_with_its_description(job):
    gallery(job, 2)
    JobImage.objects.filter(job=job, position=1).update(alt="")

    html = render_to_string("jobs/_gallery.html", {"job": Job.objects.with_images().get()})

    assert 'alt="image 0"' in html
    assert 'alt="I will paint your house portrait, image 2"' in html
    assert html.count('width="960" height="640"') == 2


def test_a_job_without_images_has_no_gallery(job):
    assert render_to_string("jobs/_gallery.html", {"job": job}).strip() == ""


def test_the_daily_sweep_deletes_files_no_image_kept(job):
    (kept,) = gallery(job, 1)
    now = timezone.now()
    orphan = images.job_image_storage().save(
        f"{images.FOLDER}/{now:%Y/%m}/{uuid.uuid4().hex}-cover.webp", ContentFile(b"left")
    )

    assert job_image_orphans_delete(now=now + timedelta(minutes=30)) == 0  # may be uploading
    with time_machine.travel(now + timedelta(hours=2)):
        assert sweep_job_image_orphans.delay().get() == 1
        assert sweep_job_image_orphans.delay().get() == 0

    assert not images.job_image_storage().exists(orphan)
    assert all(images.job_image_storage().exists(name) for name in kept.names())


def test_a_storage_outage_stores_nothing_and_says_so(seller_client, job, monkeypatch):
    attachments = images.storages["attachments"]
    real_save = attachments.save
    calls = []

    def save_then_fail(name, content, max_length=None):
        # The original is stored, then the disk fills up.
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, max_length)

    monkeypatch.setattr(attachments, "save", save_then_fail)

    response = upload(seller_client, job, picture("PNG"))

    assert response.status_code == 400
    assert "Your image could not be stored just now" in response.content.decode()
    assert not JobImage.objects.exists()
    assert stored_files() == []


def test_a_head_request_gets_the_same_headers(client, job):
    (image,) = gallery(job, 1)

    response = client.head(image.cover_url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_images_are_served_the_same_with_debug_off(client, job, settings):
    settings.DEBUG = False
    (image,) = gallery(job, 1)

    response = client.get(image.page_url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_support_sees_a_jobs_images_in_the_admin_and_cannot_remove_them(client, job, support):
    (image,) = gallery(job, 1)
    client.force_login(support)

    html = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()

    assert image.cover_url in html
    assert "images-0-DELETE" not in html
    assert JobImage.objects.filter(pk=image.pk).exists()


@pytest.mark.parametrize("mb", ["0", "26"])
def test_an_image_limit_past_what_uploads_read_stops_the_start(mb):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {"JOB_IMAGE_MAX_MB": mb, "ATTACHMENT_MAX_MB": "25"}

    result = manage(env, "check")

    assert result.returncode != 0
    assert "JOB_IMAGE_MAX_MB must be above 0 and at most ATTACHMENT_MAX_MB" in result.stderr


def test_a_storage_outage_while_serving_says_try_again(client, job, monkeypatch):
    (image,) = gallery(job, 1)

    def down(*args, **kwargs):
        raise ConnectionError("S3 unreachable")

    monkeypatch.setattr(images.storages["attachments"], "open", down)
    response = client.get(image.cover_url)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Cache-Control" not in response


def test_an_image_that_cannot_be_redrawn_is_refused_and_nothing_kept(
    seller_client, job, monkeypatch
):
    def broken(self):
        raise OSError("cannot write mode I as PNG")

    monkeypatch.setattr(images.Cover, "generate", broken)

    refused(
        upload(seller_client, job, picture("PNG")),
        "This image could not be redrawn at our sizes. Please save it again as a PNG or JPEG.",
    )


FUZZ = hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
    ],
)


def test_any_bytes_under_any_name_are_refused_or_taken_never_a_crash(seller_client, job):
    (image,) = gallery(job, 1)
    names = st.sampled_from(["a.png", "a.jpg", "a.jpeg", "a.webp", "a.gif", "a", ".png"])
    heads = st.sampled_from(
        [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBP"]
    )

    @FUZZ
    @hypothesis.given(name=names, head=heads, body=st.binary(max_size=300), to=st.text(max_size=8))
    def run(name, head, body, to):
        file = SimpleUploadedFile(name, head + body)
        added = upload(seller_client, job, file)
        assert added.status_code == 400  # none of these is a whole image
        moved = seller_client.post(reverse("jobs:image_move", args=[job.pk, image.pk]), {"to": to})
        assert moved.status_code == 302
        assert list(job.images.all()) == [image]
        assert len(stored_files()) == 3

    run()


def test_the_edit_page_with_images_and_an_error_keeps_ids_unique_and_labels_pointing(
    seller_client, job
):
    gallery(job, 2)
    bad = SimpleUploadedFile("logo.png", HTML, content_type="image/png")

    html = upload(seller_client, job, bad).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    assert set(re.findall(r'<label[^>]*\sfor="([^"]+)"', html)) <= set(ids)
    assert 'for="id_image_image"' in html and 'for="id_image_alt"' in html


def test_seller_changes_an_images_description(seller_client, job):
    (image,) = gallery(job, 1)
    url = reverse("jobs:image_describe", args=[job.pk, image.pk])

    response = seller_client.post(url, {"alt": "  The portrait, framed  "}, follow=True)

    assert "The description was saved." in response.content.decode()
    image.refresh_from_db()
    assert image.alt_text == "The portrait, framed"
    seller_client.post(url, {"alt": ""})
    image.refresh_from_db()
    assert image.alt_text == "I will paint your house portrait, image 1"

    response = seller_client.post(url, {"alt": "x" * 201}, follow=True)

    assert "Keep a description under 200 characters." in response.content.decode()
    image.refresh_from_db()
    assert image.alt == ""
