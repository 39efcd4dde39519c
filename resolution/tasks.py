"""Periodic work on Resolution Center requests: answers are due in 48 hours.
And the e-mail that tells support about a ticket."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from sales import request_services
from sales.tasks import run_scan

from . import selectors, support_email

logger = logging.getLogger(__name__)


def _act(service):
    def act(pk, now):
        return service(request_id=pk, now=now)

    return act


@shared_task
def expire_extension_requests():
    """Extension requests unanswered for REQUEST_ANSWER_HOURS expire."""
    return run_scan(
        selectors.extension_requests_unanswered, _act(request_services.extension_request_expire)
    )


@shared_task
def carry_out_cancellation_requests():
    """Cancellation requests unanswered for REQUEST_ANSWER_HOURS are carried out."""
    return run_scan(
        selectors.cancellation_requests_unanswered,
        _act(request_services.cancellation_request_carry_out),
    )


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=120,  # well inside EMAIL_CLAIM_MINUTES
)
def email_support(message_id):
    """E-mail SUPPORT_EMAIL about a new ticket or a user's reply; safe to run
    twice (the second finds it claimed or sent)."""
    return support_email.support_email_send(message_id)


@shared_task
def sweep_support_emails():
    """Send the e-mails to support that the after-commit task could not."""
    sent = 0
    for pk in support_email.support_emails_unsent(
        now=timezone.now(), limit=settings.SCAN_BATCH_SIZE
    ):
        try:
            sent += support_email.support_email_send(pk)
        except OSError:
            # SMTP errors are OSErrors: one address, so the rest would fail the same way.
            logger.warning(
                "Mail server not usable; the support e-mail sweep stops here", exc_info=True
            )
            break
        except Exception:
            logger.warning("E-mail to support for ticket message %s failed", pk, exc_info=True)
    return sent
