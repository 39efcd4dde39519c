"""Uploaded files: checks on size, count, and a type allowlist by content,
and the sweep of files no message kept.

The extension must be on the allowlist and the bytes must say the same
thing: a program renamed to ``logo.png`` is refused.
"""

import logging
import os
from datetime import timedelta

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from .models import Attachment, attachment_storage

logger = logging.getLogger(__name__)

# extension -> MIME type the content must sniff as (None: plain text).
ALLOWED_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "mp3": "audio/mpeg",
    "wav": "audio/x-wav",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "txt": None,
    "md": None,
    "csv": None,
}
TEXT_TYPE = "text/plain"
SNIFF_BYTES = 8192


def allowed_extensions():
    return sorted(ALLOWED_TYPES)


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is fine.
        return error.start >= len(head) - 3
    return True


def clean_name(name):
    base = os.path.basename(name or "").replace("\x00", "").strip() or "file"
    stem, ext = os.path.splitext(base)
    return f"{stem[: 200 - len(ext) - 1]}{ext}"


def check_upload(upload):
    """Return the content type to store, or raise ValidationError."""
    name = clean_name(upload.name)
    if getattr(upload, "oversize", False):
        # Stopped while streaming in (marketplace.limits): its bytes were dropped.
        limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
        raise ValidationError(
            f"“{name}” is larger than {limit}; files can be at most {limit}. It was not uploaded."
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(upload.size)}; files can be at most "
            f"{filesizeformat(settings.ATTACHMENT_MAX_BYTES)}."
        )
    if upload.size == 0:
        raise ValidationError(f"“{name}” is empty.")
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            f"“{name}”: this type of file can't be attached. Allowed: "
            f"{', '.join(allowed_extensions())}."
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    expected = ALLOWED_TYPES[ext]
    guessed = filetype.guess(head)
    if expected is None:
        if guessed is None and _looks_like_text(head):
            return TEXT_TYPE
    elif guessed is not None and guessed.mime == expected:
        return expected
    elif (
        guessed is not None
        and expected.startswith("application/vnd.openxml")
        and guessed.mime == "application/zip"
    ):
        # Office files are zip archives; older signatures may only see the zip.
        return expected
    raise ValidationError(f"“{name}” is not really a .{ext} file, so it can't be attached.")


def orphan_files_delete(*, now=None, grace=timedelta(hours=1)) -> int:
    """Delete attachment files no Attachment row points at: what a process
    killed between writing a file and committing its message left behind
    (a rollback deletes its own files, see above). Looks at this month's and
    last month's folders; a file younger than ``grace`` may belong to a
    transaction still running and is left alone. Returns the files deleted."""
    now = now or timezone.now()
    storage = attachment_storage()
    last_month = now.replace(day=1) - timedelta(days=1)
    deleted = 0
    for month in sorted({f"{last_month:%Y/%m}", f"{now:%Y/%m}"}):
        folder = f"attachments/{month}"
        try:
            names = [f"{folder}/{name}" for name in storage.listdir(folder)[1]]
        except FileNotFoundError:  # no file that month (an object store says [] instead)
            continue
        kept = set()
        for start in range(0, len(names), 1000):
            batch = names[start : start + 1000]
            kept |= set(Attachment.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in names:
            if name in kept:
                continue
            try:
                if storage.get_modified_time(name) > now - grace:
                    continue
            except FileNotFoundError:  # gone meanwhile: a rollback deleted it
                continue
            except Exception:  # e.g. the object store refused: say so, try tomorrow
                logger.warning("Orphan sweep skipped %s", name, exc_info=True)
                continue
            storage.delete(name)
            deleted += 1
    return deleted


class AttachmentUnavailable(Exception):
    """The attachment storage can't be reached just now."""

    text = "This file can't be fetched just now. Please try again in a few minutes."


def attachment_response(attachment):
    """The stored file as a download, never shown inline. The caller has
    checked who may have it. Raises ``Http404`` when the file is gone and
    ``AttachmentUnavailable`` when the storage is down."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("This file is no longer available.") from None
    except Exception as error:  # the storage is down (S3 unreachable)
        logger.error("Opening attachment %s failed", attachment.pk, exc_info=True)
        raise AttachmentUnavailable from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
