import logging
from smtplib import SMTPDataError, SMTPException, SMTPRecipientsRefused

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .notifications import email_notification, unsent_notification_ids
from .services import orphan_files_delete

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=120,  # well inside EMAIL_CLAIM_MINUTES
)
def send_notification_email(notification_id):
    """E-mail one notice; safe to run twice (the second finds it claimed or sent)."""
    return email_notification(notification_id)


@shared_task
def sweep_unsent_notifications():
    """Send what the after-commit tasks could not: the outbox sweep."""
    sent = 0
    while ids := unsent_notification_ids(now=timezone.now(), limit=settings.SCAN_BATCH_SIZE):
        progress = 0
        for pk in ids:
            try:
                progress += email_notification(pk)
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
