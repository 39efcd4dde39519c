"""Checks on uploaded files: size, count, and a type allowlist by content.

The extension must be on the allowlist and the bytes must say the same
thing: a program renamed to ``logo.png`` is refused.
"""

import os

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

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
