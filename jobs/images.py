"""A Job's gallery images: the upload check, the sizes made on upload, and
where the files live.

An image is checked by what Pillow decodes, not by its name: an HTML page or
an SVG renamed ``logo.png`` is not an image Pillow can open, and a file
whose header promises more pixels than ``MAX_PIXELS`` is refused before its
pixels are decoded (a decompression bomb). What is kept is never the
upload itself: django-imagekit's specs re-encode it, turned upright and
without its metadata (EXIF, GPS), and make the two thumbnails beside it.

The files go to the attachments' storage (settings.STORAGES["attachments"]:
this machine's private folder, or the S3 bucket) under ``job-images/``, and
``jobs.views.job_image_file`` serves them. Every file's name is new for new
content, so it may be cached for a year.
"""

import os
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from imagekit import ImageSpec
from imagekit.processors import ResizeToFill, ResizeToFit, Transpose
from PIL import Image, UnidentifiedImageError

MAX_IMAGES = 3
# Larger than any camera's photo; a header promising more is a bomb.
MAX_PIXELS = 50_000_000
FOLDER = "job-images"

# The format Pillow decodes -> the extension the re-encoded file is stored with.
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
EXTENSIONS = ("png", "jpg", "jpeg", "webp")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
ACCEPT = "image/png,image/jpeg,image/webp"


class Original(ImageSpec):
    """What is kept of the upload: upright, at most 2400 px a side, re-encoded
    in its own format, so none of its metadata survives."""

    processors = [Transpose(), ResizeToFit(2400, 2400, upscale=False)]
    options = {"quality": 88}


class Cover(ImageSpec):
    """A Browse card's cover."""

    processors = [Transpose(), ResizeToFill(480, 320)]
    format = "WEBP"
    options = {"quality": 80}


class Page(ImageSpec):
    """The Job page's gallery."""

    processors = [Transpose(), ResizeToFill(960, 640)]
    format = "WEBP"
    options = {"quality": 82}


# Each size made on upload, stored as <token>-<size>.webp beside the original.
SIZES = {"cover": Cover, "page": Page}


class _JobImageStorage(Storage):
    """The attachments' storage, looked up on every use as theirs is (tests
    switch it), with URLs of the view that serves Job images."""

    def __getattribute__(self, name):
        if name in ("url", "__class__", "__dict__", "__reduce__", "__reduce_ex__", "__repr__"):
            return object.__getattribute__(self, name)
        return getattr(storages["attachments"], name)

    def url(self, name):
        return reverse("jobs:image_file", args=[os.path.basename(name)])


_job_image_storage = _JobImageStorage()


def job_image_storage():
    return _job_image_storage


def new_name(fmt, *, now=None):
    """A stored original's name, under this month's folder (the orphan sweep
    looks at the last two): ``job-images/2026/12/<token>.png``."""
    now = now or timezone.now()
    return f"{FOLDER}/{now:%Y/%m}/{uuid.uuid4().hex}.{FORMATS[fmt]}"


def token_of(name):
    """The token a stored file's name starts with (its image's, for every size)."""
    return os.path.basename(name).split(".")[0].split("-")[0]


def size_name(name, size):
    """The name of an original's thumbnail of the given size."""
    stem = os.path.splitext(name)[0]
    return f"{stem}-{size}.webp"


def limit_text():
    return filesizeformat(settings.JOB_IMAGE_MAX_BYTES)


def check_image(upload):
    """Return the format Pillow decodes the upload as (``PNG``, ``JPEG`` or
    ``WEBP``), or raise ValidationError saying what is wrong. Reads the whole
    image once, so a truncated or corrupt one is refused here, not later."""
    name = os.path.basename(upload.name or "") or "image"
    if getattr(upload, "oversize", False) or upload.size > settings.JOB_IMAGE_MAX_BYTES:
        # (An oversize upload's bytes were dropped as it streamed in, marketplace.limits.)
        raise ValidationError(
            f"“{name}” is larger than {limit_text()}; an image can be at most {limit_text()}."
        )
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.")
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext not in EXTENSIONS:
        raise ValidationError(f"“{name}” is not an image we take: upload a PNG, JPEG or WebP.")
    not_an_image = ValidationError(
        f"“{name}” is not a PNG, JPEG or WebP image, so it can't be shown."
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns up to twice its own limit; any warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=list(FORMATS)) as image:
                fmt = image.format
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(
                        f"“{name}” is {image.width}×{image.height} pixels; "
                        f"an image can have at most {MAX_PIXELS // 1_000_000} million."
                    )
                image.verify()
            upload.seek(0)
            with Image.open(upload, formats=[fmt]) as image:
                image.load()  # verify() does not decode the pixels: a cut-off file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"“{name}” has too many pixels to be shown.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    finally:
        upload.seek(0)
    if fmt not in FORMATS:
        raise not_an_image
    return fmt
