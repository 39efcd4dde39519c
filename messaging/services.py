"""Writes to the order conversation."""

import logging
from contextlib import contextmanager, suppress
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sales.models import Order

from .attachments import clean_name
from .models import (
    MAX_BODY,
    Attachment,
    EmailOptOut,
    Message,
    MessageKind,
    Notification,
    NotificationKind,
    attachment_storage,
)
from .notifications import notify


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


def message_create(*, order: Order, sender, kind: str, body: str, attachments=()) -> Message:
    """Write a message with its attachments (from ``attachments_stored``).
    Must run inside the caller's transaction; the caller has checked that
    ``sender`` is on the order. Stamps the seller's first reply."""
    body = (body or "").strip()
    if not body:
        raise MessagingError("Write a message before sending.")
    if len(body) > MAX_BODY:
        raise MessagingError(f"Keep a message under {MAX_BODY} characters.")
    message = Message.objects.create(order=order, sender=sender, kind=kind, body=body)
    for attachment in attachments:
        attachment.message = message
        attachment.save()
    if sender.pk == order.seller_id and order.seller_first_message_at is None:
        # Conditional: only the first message of the seller sets it.
        Order.objects.filter(pk=order.pk, seller_first_message_at=None).update(
            seller_first_message_at=message.created_at
        )
    return message


def message_send(*, order: Order, sender, body: str, kind: str = MessageKind.MESSAGE, files=()):
    """Post a plain message or (seller only) a progress update, and tell the
    other party. Raises ``MessagingError``."""
    role = order.role_of(sender)
    if role is None:
        raise MessagingError("Only the buyer and the seller can write in this conversation.")
    if kind == MessageKind.UPDATE and role != "seller":
        raise MessagingError("Only the seller can send progress updates.")
    if kind not in (MessageKind.MESSAGE, MessageKind.UPDATE):
        raise MessagingError("Deliveries are sent with the Deliver button.")
    with attachments_stored(files) as attachments, transaction.atomic():
        message = message_create(
            order=order, sender=sender, kind=kind, body=body, attachments=attachments
        )
        label = "a progress update" if kind == MessageKind.UPDATE else "a message"
        notify(
            recipients=[order.other_party(sender)],
            kind=NotificationKind.MESSAGE,
            key=f"message:{message.pk}",
            order=order,
            text=f"{sender.display_name} sent {label} on order #{order.number}.",
        )
    return message


def thread_mark_read(*, order: Order, user) -> None:
    """The user opened the conversation: everything in it so far is read."""
    now = timezone.now()
    field = order.read_at_field(user)
    Order.objects.filter(pk=order.pk).update(**{field: now})
    setattr(order, field, now)
    order_notices_mark_read(order=order, user=user, now=now)


def order_notices_mark_read(*, order: Order, user, now=None) -> int:
    """The user has seen the order (opened it, or acted on it): their unread
    notices about it are read, in one UPDATE. A support ticket's answer is
    read on the ticket's page, not the order's, so it stays unread. Call it
    inside the action's transaction. Returns the notices marked."""
    return (
        Notification.objects.filter(recipient=user, order=order, read_at=None)
        .exclude(kind=NotificationKind.TICKET_ANSWERED)
        .update(read_at=now or timezone.now())
    )


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
