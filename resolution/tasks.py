"""Periodic work on Resolution Center requests: answers are due in 48 hours."""

from celery import shared_task

from sales.tasks import run_scan

from . import selectors, services


def _act(service):
    def act(pk, now):
        return service(request_id=pk, now=now)

    return act


@shared_task
def expire_extension_requests():
    """Extension requests unanswered for REQUEST_ANSWER_HOURS expire."""
    return run_scan(
        selectors.extension_requests_unanswered, _act(services.extension_request_expire)
    )


@shared_task
def carry_out_cancellation_requests():
    """Cancellation requests unanswered for REQUEST_ANSWER_HOURS are carried out."""
    return run_scan(
        selectors.cancellation_requests_unanswered, _act(services.cancellation_request_carry_out)
    )
