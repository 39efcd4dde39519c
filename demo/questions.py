"""The demo's questions before ordering: buyers who wrote to the demo
seller from a Job's page. Two are answered; one waits for the seller, so
the Sales page shows its line.

Written through the services, then moved back to when they happened."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from messaging.models import Message, Notification, NotificationKind
from sales import inquiry_services
from sales.inquiries import Inquiry

# (buyer, Job key, hours ago the first message came, [(who, hours later, text)])
CONVERSATIONS = [
    (
        "demo_buyer",
        "django",
        30 * 24,
        [
            (
                "buyer",
                0,
                "Hi! Our Django 4.2 project fails on one migration after an upgrade. "
                "Is that something you fix within the 3 days?",
            ),
            (
                "seller",
                2,
                "Hi Jonas, yes: migration problems are most of my orders. Send me the "
                "traceback once you order and I'll look at it first.",
            ),
        ],
    ),
    (
        "aisha.r",
        "logo",
        5 * 24,
        [
            (
                "buyer",
                0,
                "Do you also deliver the logo as an SVG, and a version for dark backgrounds?",
            ),
            (
                "seller",
                4,
                "Yes to both: every order comes with SVG, PNG and a dark-background version.",
            ),
        ],
    ),
    (
        "olivia_b",
        "wordpress",
        5,
        [
            (
                "buyer",
                0,
                "My WordPress site shows a white screen after a plugin update. Can you "
                "start today if I order now?",
            ),
        ],
    ),
]


def seed_questions(users, jobs):
    """Write the demo's questions once (none yet for the demo seller)."""
    seller = users["demo_seller"]
    if Inquiry.objects.filter(seller=seller).exists():
        return
    now = timezone.now()
    for username, job_key, hours_ago, lines in CONVERSATIONS:
        buyer, job = users[username], jobs[job_key][0]
        started = now - timedelta(hours=hours_ago)
        inquiry = None
        for role, hours_later, text in lines:
            sender = buyer if role == "buyer" else seller
            if inquiry is None:
                inquiry = inquiry_services.inquiry_ask(job=job, buyer=buyer, body=text)
            else:
                inquiry_services.inquiry_reply(inquiry=inquiry, sender=sender, body=text)
            _back_to(inquiry, started + timedelta(hours=hours_later))
        answered = inquiry.messages.filter(sender=seller).exists()
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=started,
            # The seller has read what came before their answer; the
            # buyer has read everything.
            buyer_read_at=now,
            seller_read_at=F("last_message_at") if answered else None,
        )
        if answered:
            Notification.objects.filter(
                kind=NotificationKind.QUESTION_MESSAGE, key__startswith=f"inquiry:{inquiry.pk}:"
            ).update(read_at=F("created_at") + timedelta(minutes=20))
    # Demo notices appear in the app but are not e-mailed to example.com.
    Notification.objects.filter(emailed_at=None).update(emailed_at=F("created_at"))


def _back_to(inquiry, when):
    """Move the message just written, its notice and the inquiry's marks
    from ``now`` to ``when``."""
    message = Message.objects.filter(inquiry=inquiry).order_by("-pk").first()
    Message.objects.filter(pk=message.pk).update(created_at=when)
    Notification.objects.filter(key=f"inquiry:{inquiry.pk}:message:{message.pk}").update(
        created_at=when
    )
    Notification.objects.filter(
        key__startswith=f"inquiry:{inquiry.pk}:", read_at__isnull=False, read_at__gt=when
    ).update(read_at=when)
    inquiry.refresh_from_db()
    if inquiry.waiting_since == message.created_at:  # this message started the wait
        inquiry.waiting_since = when
    inquiry.last_message_at = when
    inquiry.save(update_fields=["waiting_since", "last_message_at"])
