"""Notices: written with the change they report, e-mailed after commit.

``notify()`` must be called inside the transaction of the change. The row is
the outbox: if the e-mail cannot go out now (the mail server is down, the
process dies), ``emailed_at`` stays empty and a later sweep sends it.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


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
    transaction.on_commit(lambda: send_notification_emails(pks))


def send_notification_emails(pks):
    """E-mail each notice once. A notice is claimed by a conditional update
    before it is sent, so two senders never mail the same one; a failed send
    releases the claim so the sweep tries again."""
    for notification in Notification.objects.filter(pk__in=pks, emailed_at=None).select_related(
        "recipient"
    ):
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at=None).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            _send(notification)
        except Exception:
            logger.exception(
                "Could not e-mail notification %s; it will be retried", notification.pk
            )
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)


def _send(notification):
    user = notification.recipient
    if not user.email:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    body = f"Hi {user.username},\n\n{notification.text}\n\n{link}\n".rstrip() + "\n"
    send_mail(
        subject=notification.text[:120],
        message=body,
        from_email=None,
        recipient_list=[user.email],
    )
