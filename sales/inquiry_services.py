"""Writes to the questions before ordering: asking, replying, reading.

Each message locks the inquiry's row, so a buyer's message and the
seller's answer that cross queue on the lock, and the waiting mark ends as
the last of them leaves it (a read mark is a plain update of one's own
column). Messages and their files go through the conversation
store (``messaging.services``) like an order's."""

from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from messaging.models import MessageKind, NotificationKind
from messaging.outbox import notify
from messaging.services import (
    MessagingError,
    attachments_stored,
    message_create,
    notices_mark_read,
)

from .inquiries import Inquiry


class InquiryError(MessagingError):
    """A refusal, worded for the person who asked."""


def inquiry_check_allowed(*, job: Job, buyer) -> None:
    """Raise ``InquiryError`` if ``buyer`` may not ask about ``job`` now:
    their own Job, or a paused one. Asked again under the Job's row lock."""
    if job.seller_id == buyer.pk:
        raise InquiryError("This is your own Job: buyers ask you their questions here.")
    if job.is_paused:
        raise InquiryError("This Job is paused, so its seller is not taking questions right now.")


def _key_prefix(inquiry):
    return f"inquiry:{inquiry.pk}:"


def _post(*, inquiry: Inquiry, sender, body, attachments):
    """Add the message under the inquiry's lock, move the waiting mark, and
    tell the other side once. Inside the caller's transaction."""
    message = message_create(
        inquiry=inquiry,
        sender=sender,
        kind=MessageKind.MESSAGE,
        body=body,
        attachments=attachments,
    )
    now = message.created_at
    if sender.pk == inquiry.buyer_id:
        inquiry.waiting_since = inquiry.waiting_since or now
        text = f"{sender.display_name} asked you about “{inquiry.job.title}”."
    else:
        inquiry.waiting_since = None
        text = f"{sender.display_name} answered your question about “{inquiry.job.title}”."
    inquiry.last_message_at = now
    # Writing is reading: the sender has seen everything up to their message.
    setattr(inquiry, inquiry.read_at_field(sender), now)
    inquiry.save(update_fields=["waiting_since", "last_message_at", inquiry.read_at_field(sender)])
    notify(
        recipients=[inquiry.other_party(sender)],
        kind=NotificationKind.QUESTION_MESSAGE,
        key=f"{_key_prefix(inquiry)}message:{message.pk}",
        url=inquiry.get_absolute_url(),
        text=text,
    )
    notices_mark_read(
        user=sender, kind=NotificationKind.QUESTION_MESSAGE, key_prefix=_key_prefix(inquiry)
    )
    return message


def _lock(inquiry_pk) -> Inquiry:
    # of=("self",): only the inquiry's row, not the joined Job and people.
    return (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("job", "buyer", "seller")
        .get(pk=inquiry_pk)
    )


def inquiry_ask(*, job: Job, buyer, body: str, files=()) -> Inquiry:
    """The buyer writes to the seller of ``job`` before ordering: the one
    conversation of this buyer and Job is opened (or reused) and the message
    posted. Raises ``InquiryError``/``MessagingError``; nothing is saved
    then."""
    with attachments_stored(files) as attachments, transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        inquiry_check_allowed(job=job, buyer=buyer)
        # Under the Job's lock, a double click's second post finds the
        # conversation the first one opened.
        inquiry, _ = Inquiry.objects.get_or_create(
            job=job, buyer=buyer, defaults={"seller_id": job.seller_id}
        )
        inquiry = _lock(inquiry.pk)
        _post(inquiry=inquiry, sender=buyer, body=body, attachments=attachments)
    return inquiry


def inquiry_reply(*, inquiry: Inquiry, sender, body: str, files=()):
    """The buyer or the seller writes on an open question. Raises
    ``InquiryError``/``MessagingError``; nothing is saved then."""
    if inquiry.role_of(sender) is None:
        raise InquiryError("Only the buyer and the seller can write in this conversation.")
    with attachments_stored(files) as attachments, transaction.atomic():
        inquiry = _lock(inquiry.pk)
        return _post(inquiry=inquiry, sender=sender, body=body, attachments=attachments)


def inquiry_mark_read(*, inquiry: Inquiry, user) -> None:
    """The user opened the conversation: it and its notices are read."""
    now = timezone.now()
    field = inquiry.read_at_field(user)
    with transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(**{field: now})
        notices_mark_read(
            user=user,
            kind=NotificationKind.QUESTION_MESSAGE,
            key_prefix=_key_prefix(inquiry),
            now=now,
        )
    setattr(inquiry, field, now)
