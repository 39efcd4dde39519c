"""Small, real files for upload tests, and the helpers that post and inspect them."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.attachments import check_upload
from sales.services import message_send

# A valid 1x1 transparent PNG (signature, IHDR, IDAT, IEND with correct CRCs).
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)
TEXT_BYTES = b"Draft notes: colours are #1144aa and #ffcc00.\n"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MZ_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def png(name="logo.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def checked_png(name="logo.png"):
    """A PNG as the upload form hands it on: its content already checked."""
    upload = png(name)
    upload.checked_content_type = check_upload(upload)
    return upload


def png_sent(order, sender, name, *, body):
    """A PNG ``sender`` attached to a message on the order; returns its Attachment."""
    message = message_send(order=order, sender=sender, body=body, files=[checked_png(name)])
    return message.attachments.get()


def txt(name="notes.txt", content=TEXT_BYTES):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def stored_files():
    """Every file under the private attachment folder (empty if it does not exist)."""
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
