"""Notices: written with the change they report, e-mailed after commit.

``notify()`` must be called inside the transaction of the change. The row is
the outbox: after commit a Celery task e-mails it and sets ``emailed_at``. If
the broker is down or hangs, the enqueue failure is logged (once per
back-off interval) and the row waits; the periodic sweep sends whatever is
still unsent, so mail is delayed, never lost.
"""

from django.db import transaction

from marketplace import outages

from .models import Notification
from .tasks import send_notification_email


def notify(*, recipients, kind, key, text, order=None, url=""):
    """Write one notice per recipient, at most once per (recipient, kind, key)."""
    url = url or (order.get_absolute_url() if order is not None else "")
    rows = [
        Notification(recipient=user, kind=kind, key=str(key), order=order, text=text[:300], url=url)
        for user in {u.pk: u for u in recipients if u is not None}.values()
    ]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    pks = list(
        Notification.objects.filter(
            kind=kind, key=str(key), recipient__in=[r.recipient for r in rows], emailed_at=None
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: enqueue_emails(pks))


def enqueue_emails(pks):
    """Queue one e-mail task per notice, after commit. The change is saved
    by then, so a broker that is down or hangs must not turn it into an
    error page (a user who retries would post it twice): each publish is one
    try bounded by the broker's socket timeouts; a failure starts the broker
    back-off (marketplace.outages), during which this process does not try
    at all. The notices wait in the outbox; the sweep sends them."""
    if outages.broker.skip():
        return
    for pk in pks:
        try:
            send_notification_email.delay(pk)
        except Exception as error:
            outages.broker.failed(error)
            return
    outages.broker.ok()
