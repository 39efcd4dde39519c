"""A notice's e-mail: sent at most once, and recorded (the outbox's other
end: ``messaging.outbox`` writes the notices and queues their e-mails)."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from .emails import notice_email
from .models import EmailOptOut, Notification

logger = logging.getLogger(__name__)


def email_notification(pk) -> bool:
    """Send one notice's e-mail, at most once. Returns True if it was sent now.

    The notice is claimed with a conditional update (a lease of
    EMAIL_CLAIM_MINUTES), then sent, then marked ``emailed_at``. A failed send
    gives the claim back and raises, so the caller can retry.
    """
    now = timezone.now()
    lease_over = now - timedelta(minutes=settings.EMAIL_CLAIM_MINUTES)
    claimed = (
        Notification.objects.filter(pk=pk, emailed_at=None)
        .filter(Q(email_claimed_at=None) | Q(email_claimed_at__lt=lease_over))
        .update(email_claimed_at=now)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "order").get(pk=pk)
    try:
        _send(notification)
    except Exception:
        Notification.objects.filter(pk=pk, email_claimed_at=now).update(email_claimed_at=None)
        raise
    # From here on the mail is out: whatever fails, only the record is retried.
    # The claim is kept, so the sweep leaves the notice alone meanwhile.
    mark_emailed(pk, sent_at=timezone.now(), claimed_at=now)
    return True


class SentNotMarked(Exception):
    """The mail server took the e-mail but the database would not record it.
    Retry ``mark_emailed`` with ``sent_at``, never the send, while the claim
    taken at ``claimed_at`` keeps the sweep away."""

    def __init__(self, pk, sent_at, claimed_at):
        # The arguments go to Exception too, so Celery can pickle the error.
        super().__init__(pk, sent_at, claimed_at)
        self.pk, self.sent_at, self.claimed_at = pk, sent_at, claimed_at

    def __str__(self):
        return f"E-mail for notification {self.pk} sent at {self.sent_at} but not marked"


# Pauses between tries to record a sent e-mail, about half a minute in all:
# a database restart or fail-over is usually over by then. Sending again is
# the one thing the recording must never cause.
MARK_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15)
_sleep = time.sleep


def mark_emailed(pk, *, sent_at, claimed_at):
    """Record that the notice's e-mail went out. Retries a failing database
    MARK_RETRY_DELAYS times (dropping a broken connection, so the next try
    opens a fresh one), then raises SentNotMarked. A notice already marked
    stays as it is."""
    for delay in (*MARK_RETRY_DELAYS, None):
        try:
            Notification.objects.filter(pk=pk, emailed_at=None).update(emailed_at=sent_at)
            return
        except DatabaseError as error:
            if delay is None:
                raise SentNotMarked(pk, sent_at, claimed_at) from error
            logger.warning(
                "E-mail for notification %s was sent but could not be marked (%s); "
                "trying the database again in %s s",
                pk,
                error,
                delay,
            )
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            _sleep(delay)


def unsent_notification_ids(*, now, limit):
    """Notices still waiting for their e-mail (older than a minute, so the
    after-commit task gets its chance first), oldest first."""
    lease_over = now - timedelta(minutes=settings.EMAIL_CLAIM_MINUTES)
    return list(
        Notification.objects.filter(emailed_at=None, created_at__lte=now - timedelta(minutes=1))
        .filter(Q(email_claimed_at=None) | Q(email_claimed_at__lt=lease_over))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def _send(notification):
    """E-mail the notice, unless there is nobody to send it to: no address,
    or the person turned e-mail for this kind off (then the notice is marked
    done like a sent one, so the sweep does not come back to it)."""
    user = notification.recipient
    if not user.email:
        return
    if EmailOptOut.objects.filter(user=user, kind=notification.kind).exists():
        return
    notice_email(notification).send()
