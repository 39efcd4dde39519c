import logging
import math
from datetime import datetime, timedelta
from smtplib import SMTPDataError, SMTPException, SMTPRecipientsRefused

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .attachments import orphan_files_delete
from .notifications import SentNotMarked, email_notification, mark_emailed, unsent_notification_ids

logger = logging.getLogger(__name__)


# After the mail server took an e-mail that could not be marked, the task
# retries only the mark, this often, for as long as the notice's claim lasts
# (EMAIL_CLAIM_MINUTES from the claim): after that the sweep may send it
# again, with the same Message-ID, and a mark from here would only race it.
MARK_RETRY_SECONDS = 30


def _mark_tries_max():
    return math.ceil(settings.EMAIL_CLAIM_MINUTES * 60 / MARK_RETRY_SECONDS)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=120,  # well inside EMAIL_CLAIM_MINUTES
)
def send_notification_email(self, notification_id, sent_at=None, claimed_at=None, mark_tries=0):
    """E-mail one notice; safe to run twice (the second finds it claimed or sent).

    With ``sent_at`` the e-mail already went out and only its record is left
    to write: this run never sends."""
    try:
        if sent_at is not None:
            sent = datetime.fromisoformat(sent_at)
            claimed = datetime.fromisoformat(claimed_at) if claimed_at else sent
            mark_emailed(notification_id, sent_at=sent, claimed_at=claimed)
            return False
        return email_notification(notification_id)
    except SentNotMarked as error:
        claim_over = error.claimed_at + timedelta(minutes=settings.EMAIL_CLAIM_MINUTES)
        if timezone.now() >= claim_over or mark_tries >= _mark_tries_max():
            logger.error(
                "E-mail for notification %s was sent but could not be marked before its "
                "claim ran out; the sweep may send it again (with the same Message-ID)",
                notification_id,
            )
            return False
        raise self.retry(
            kwargs=_mark_kwargs(error, mark_tries + 1),
            countdown=MARK_RETRY_SECONDS,
            # The claim bounds these tries (above), not the send's retries
            # this task may already have used.
            max_retries=self.request.retries + 1,
            exc=error,
        ) from error


def _mark_kwargs(error, mark_tries):
    return {
        "notification_id": error.pk,
        "sent_at": error.sent_at.isoformat(),
        "claimed_at": error.claimed_at.isoformat(),
        "mark_tries": mark_tries,
    }


def retry_mark_later(error):
    """Hand a sent but unmarked notice to a task that retries the mark."""
    try:
        send_notification_email.apply_async(
            kwargs=_mark_kwargs(error, 1), countdown=MARK_RETRY_SECONDS
        )
    except Exception:
        logger.warning(
            "Could not queue the mark for notification %s; it may be e-mailed again "
            "after its claim runs out (with the same Message-ID)",
            error.pk,
            exc_info=True,
        )


@shared_task
def sweep_unsent_notifications():
    """Send what the after-commit tasks could not: the outbox sweep."""
    sent = 0
    while ids := unsent_notification_ids(now=timezone.now(), limit=settings.SCAN_BATCH_SIZE):
        progress = 0
        for pk in ids:
            try:
                progress += email_notification(pk)
            except SentNotMarked as error:
                # Sent, but the database is failing: the rest would fail too.
                retry_mark_later(error)
                logger.warning("Database not usable; the sweep stops here", exc_info=True)
                return sent + progress + 1
            except (SMTPRecipientsRefused, SMTPDataError):
                # The server refused this recipient or this message: the others may go.
                logger.warning("E-mail for notification %s refused; will retry", pk, exc_info=True)
            except OSError:
                # Every other SMTP error is one (SMTPException is an OSError)
                # and concerns the server, not the notice: unreachable, hung
                # (each try waits EMAIL_TIMEOUT), busy, or refusing our log-in
                # or sender, so the rest would fail the same way (and repeated
                # bad log-ins get a sender blocked). Stop; the next run tries again.
                logger.warning("Mail server not usable; the sweep stops here", exc_info=True)
                return sent + progress
            except Exception:
                logger.warning("E-mail for notification %s failed; will retry", pk, exc_info=True)
        sent += progress
        if progress == 0 or len(ids) < settings.SCAN_BATCH_SIZE:
            break
    return sent


@shared_task
def sweep_orphan_files():
    """Delete attachment files that no message kept (daily)."""
    deleted = orphan_files_delete()
    if deleted:
        logger.info("Deleted %s attachment files no message points at", deleted)
    return deleted
