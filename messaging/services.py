"""Writes to the conversation store and the notices: messages and their
files, notices read, e-mail preferences. The order's own services (sales)
call these inside their transactions."""

import logging
from contextlib import contextmanager, suppress

from django.db import transaction
from django.utils import timezone

from .attachments import clean_name
from .models import (
    MAX_BODY,
    Attachment,
    EmailOptOut,
    Message,
    Notification,
    NotificationKind,
)


class MessagingError(Exception):
    """A refusal, worded for the person who asked."""


STORAGE_DOWN = (
    "Your files could not be stored just now, so nothing was sent. "
    "Please try again in a few minutes."
)


logger = logging.getLogger(__name__)


@contextmanager
def attachments_stored(files):
    """Write the files to attachment storage first, before the transaction
    that records them, so no row stays locked while they upload (to S3 that
    can take seconds). Yields the unsaved ``Attachment`` rows for
    ``message_create``. If the block raises (a refusal, or the database gone
    before COMMIT) the files are deleted: a message that was not kept leaves
    no file behind. ``files`` must have passed ``check_upload``."""
    attachments = []
    try:
        for upload in files:
            attachment = Attachment(
                name=clean_name(upload.name),
                content_type=getattr(upload, "checked_content_type", "application/octet-stream"),
                size=upload.size,
            )
            try:
                attachment.file.save(upload.name, upload, save=False)
            except Exception as error:  # the storage is down (S3 unreachable, disk full)
                logger.error("Storing an attachment failed", exc_info=True)
                raise MessagingError(STORAGE_DOWN) from error
            attachments.append(attachment)
        yield attachments
    except BaseException:
        for attachment in attachments:
            with suppress(Exception):  # best effort: the error that matters is raised
                attachment.file.storage.delete(attachment.file.name)
        raise


def message_create(
    *, sender, kind: str, body: str, attachments=(), order=None, inquiry=None
) -> Message:
    """Write a message on an order's conversation, or on a question before
    ordering (``inquiry``), with its attachments (from
    ``attachments_stored``). Must run inside the caller's transaction (the
    caller's services check that ``sender`` takes part)."""
    body = (body or "").strip()
    if not body:
        raise MessagingError("Write a message before sending.")
    if len(body) > MAX_BODY:
        raise MessagingError(f"Keep a message under {MAX_BODY} characters.")
    message = Message.objects.create(
        order=order, inquiry=inquiry, sender=sender, kind=kind, body=body
    )
    for attachment in attachments:
        attachment.message = message
        attachment.save()
    return message


def order_notices_mark_read(*, order, user, now=None) -> int:
    """The user has seen the order (opened it, or acted on it): their unread
    notices about it are read, in one UPDATE. A support ticket's answer is
    read on the ticket's page, not the order's, so it stays unread. Call it
    inside the action's transaction. Returns the notices marked."""
    return (
        Notification.objects.filter(recipient=user, order=order, read_at=None)
        .exclude(kind=NotificationKind.TICKET_ANSWERED)
        .update(read_at=now or timezone.now())
    )


def notices_mark_read(*, user, kind, key_prefix, now=None) -> int:
    """The user has seen what notices of ``kind`` whose key starts with
    ``key_prefix`` report (a conversation with no order): they are read, in
    one UPDATE over the user's unread notices."""
    return Notification.objects.filter(
        recipient=user, read_at=None, kind=kind, key__startswith=key_prefix
    ).update(read_at=now or timezone.now())


def notifications_mark_read(*, user, pk=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


def email_kinds_off(user) -> set[str]:
    """The kinds of notice ``user`` does not want by e-mail."""
    return set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))


def email_preferences_save(*, user, kinds_on) -> None:
    """Keep e-mail on for ``kinds_on`` and turn it off for every other kind.
    Raises ValueError for a kind that does not exist (the form checks first)."""
    kinds_on = {str(kind) for kind in kinds_on}
    unknown = kinds_on - set(NotificationKind.values)
    if unknown:
        raise ValueError(f"Unknown kinds of notice: {sorted(unknown)}")
    kinds_off = set(NotificationKind.values) - kinds_on
    with transaction.atomic():
        EmailOptOut.objects.filter(user=user).exclude(kind__in=kinds_off).delete()
        EmailOptOut.objects.bulk_create(
            [EmailOptOut(user=user, kind=kind) for kind in sorted(kinds_off)],
            ignore_conflicts=True,
        )


def email_unsubscribe(*, user, kind) -> bool:
    """Turn e-mail off for one kind of notice. Returns False if it was off."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown kind of notice: {kind!r}")
    _, created = EmailOptOut.objects.get_or_create(user=user, kind=kind)
    return created
