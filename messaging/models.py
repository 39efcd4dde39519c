import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import models
from django.utils import timezone


class PrivateStorage(FileSystemStorage):
    """Attachments live outside STATIC/MEDIA: no URL serves them directly.
    Only ``messaging.views.attachment_download`` does, after checking the viewer.
    The folder is read from settings.PRIVATE_MEDIA_ROOT each time."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


class _AttachmentStorage(Storage):
    """Stands for STORAGES["attachments"], looked up on every use (Django
    builds a field's storage once, at import; settings may change later, and
    tests switch to S3)."""

    def __getattribute__(self, name):
        if name in ("__class__", "__dict__", "__reduce__", "__reduce_ex__", "__repr__"):
            return object.__getattribute__(self, name)
        return getattr(storages["attachments"], name)


_attachment_storage = _AttachmentStorage()


def attachment_storage():
    """The "attachments" storage from settings.STORAGES: this machine's
    private folder, or S3-compatible storage in production."""
    return _attachment_storage


# The longest message, delivery note included: model, forms and service.
MAX_BODY = 5000


def attachment_path(instance, filename):
    # A random name: the original name is kept in the row, never on disk.
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    UPDATE = "update", "Progress update"
    DELIVERY = "delivery", "Delivery"


class Message(models.Model):
    """One entry in a conversation: an order's (one thread per order), or
    the questions a buyer asks before ordering (an inquiry). Exactly one of
    the two is set."""

    order = models.ForeignKey(
        "sales.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    inquiry = models.ForeignKey(
        "sales.Inquiry",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # the partial index below
    )
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    body = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["order", "created_at"], name="message_order_created"),
            models.Index(
                fields=["inquiry", "created_at"],
                condition=models.Q(inquiry__isnull=False),
                name="message_inquiry_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(order__isnull=False, inquiry__isnull=True)
                | models.Q(order__isnull=True, inquiry__isnull=False),
                name="message_in_one_conversation",
            )
        ]

    def __str__(self):
        where = f"order {self.order_id}" if self.order_id else f"inquiry {self.inquiry_id}"
        return f"{self.get_kind_display()} on {where} by {self.sender_id}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=200)
    name = models.CharField("original name", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class NotificationKind(models.TextChoices):
    ORDER_PLACED = "order_placed", "New order"
    REQUIREMENTS_SUBMITTED = "requirements_submitted", "Requirements submitted"
    MESSAGE = "message", "New message"
    DELIVERED = "delivered", "Order delivered"
    REVISION_REQUESTED = "revision_requested", "Revision requested"
    COMPLETED = "completed", "Order completed"
    CANCELED = "canceled", "Order canceled"
    DUE_SOON = "due_soon", "Order due soon"
    LATE = "late", "Order late"
    VERY_LATE = "very_late", "Order very late"
    EXTENSION_REQUESTED = "extension_requested", "Extension requested"
    EXTENSION_ANSWERED = "extension_answered", "Extension answered"
    CANCELLATION_REQUESTED = "cancellation_requested", "Cancellation requested"
    CANCELLATION_ANSWERED = "cancellation_answered", "Cancellation answered"
    CANCELLATION_CLOSED = "cancellation_closed", "Cancellation request closed"
    REQUIREMENTS_REMINDER = "requirements_reminder", "Requirements reminder"
    TICKET_ANSWERED = "ticket_answered", "Support ticket answered"
    REVIEW_INVITED = "review_invited", "Review the order"
    REVIEWS_PUBLISHED = "reviews_published", "Reviews published"
    QUESTION_MESSAGE = "question_message", "New message before ordering"


class Notification(models.Model):
    """A notice to one user, written in the same transaction as the change it
    reports (an outbox): e-mail goes out after commit and is marked when sent.

    ``key`` names what it reports (for example ``message:42``); the unique rule
    on (recipient, kind, key) makes a second identical notice impossible.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    key = models.CharField(max_length=64)
    order = models.ForeignKey(
        "sales.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the e-mail was done with: sent, or nothing to send (no address, or
    # the person turned e-mail off for this kind). Unset: the sweep's work.
    emailed_at = models.DateTimeField(null=True, blank=True)
    # A sender's lease on the e-mail: set before sending, so two workers never
    # send the same notice; a lease left by a dead worker runs out and the
    # sweep sends the notice then.
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self):
        return self.text


class EmailOptOut(models.Model):
    """A kind of notice this person does not want by e-mail. No row means
    yes: everyone starts with every kind on, and a kind added later is on
    too. The in-app notice is written either way.

    ``kind`` holds a NotificationKind value; it has no choices here, so adding
    a kind needs no migration of this table (forms and services check it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once")]

    def __str__(self):
        return f"{self.user_id}: no e-mail for {self.kind}"
