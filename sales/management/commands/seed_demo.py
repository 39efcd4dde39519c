"""Demo data: a seller, buyers, a support user, Jobs and orders in every state.

Running it again changes nothing: users and Jobs are looked up by name, and
orders are only created when the demo seller has none.
"""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.models import Job
from messaging.attachments import check_upload
from messaging.models import Message, MessageKind, Notification
from messaging.services import message_send
from resolution import services as resolution
from resolution.models import CancellationRequest, ExtensionRequest
from sales import services
from sales.models import Order, OrderEvent, State

User = get_user_model()

LOGINS = [
    # username, password, role, time zone
    ("demo_seller", "demo-seller-pass", "seller", "America/New_York"),
    ("demo_buyer", "demo-buyer-pass", "buyer", "Europe/Berlin"),
    ("support", "demo-support-pass", "support staff (admin at /admin/)", "UTC"),
]
OTHER_BUYERS = ["maria_k", "tom_builds", "lena.design"]

JOBS = [
    (
        "I will design a modern minimalist logo",
        "45.00",
        3,
        2,
        "What is your business name?\nDescribe your audience in a sentence.\nAny colors to use or avoid?",
    ),
    (
        "I will write SEO blog posts for your website",
        "80.00",
        5,
        1,
        "What is the topic?\nWho reads your blog?",
    ),
    (
        "I will fix bugs in your Django project",
        "150.00",
        2,
        1,
        "Link to the repository or a zip of the code.\nWhat is broken, and how do you reproduce it?",
    ),
    ("I will edit your podcast episode", "60.00", 4, 3, ""),
    ("I will translate your app into Spanish", "120.00", 7, 1, "How many words, roughly?"),
]
PAUSED_JOB = 4  # the translation Job starts paused

SUPPORT_PERMISSIONS = [
    "view_order",
    "change_order",
    "view_orderevent",
    "view_message",
    "view_notification",
    "view_extensionrequest",
    "view_cancellationrequest",
    "view_supportticket",
    "change_supportticket",
    "view_job",
    "change_job",
    "view_user",
]


class Command(BaseCommand):
    help = "Load demo users, Jobs and orders (safe to run again)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = self._users()
            jobs = self._jobs(users["seller"])
            if Order.objects.filter(seller=users["seller"]).exists():
                self.stdout.write("Demo orders already exist; nothing to add.")
            else:
                self._orders(users, jobs)
                _spread_out_replies_and_deliveries(users["seller"])
                # Demo notices appear in the app but are not e-mailed to example.com.
                Notification.objects.filter(emailed_at=None).update(emailed_at=timezone.now())
        self.stdout.write(self.style.SUCCESS("Demo log-ins (http://127.0.0.1:8000/):"))
        for username, password, role, _tz in LOGINS:
            self.stdout.write(f"  {role:<36} {username} / {password}")

    def _users(self):
        users = {}
        group, _ = Group.objects.get_or_create(name="Support")
        if not group.permissions.exists():
            group.permissions.set(Permission.objects.filter(codename__in=SUPPORT_PERMISSIONS))
        for username, password, role, tz in LOGINS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.com",
                    "timezone": tz,
                    "is_staff": role.startswith("support"),
                },
            )
            if created:
                user.set_password(password)
                user.save()
                if user.is_staff:
                    user.groups.add(group)
            users[role.split()[0]] = user
        users["others"] = []
        for username in OTHER_BUYERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                user.set_unusable_password()
                user.save()
            users["others"].append(user)
        return users

    def _jobs(self, seller):
        jobs = []
        for i, (title, price, days, revisions, questions) in enumerate(JOBS):
            job, _ = Job.objects.get_or_create(
                seller=seller,
                title=title,
                defaults={
                    "description": f"{title}. Clear communication, on-time delivery, and "
                    "revisions until it is right.",
                    "price": Decimal(price),
                    "delivery_days": days,
                    "revisions": revisions,
                    "questions": questions,
                    "is_paused": i == PAUSED_JOB,
                },
            )
            jobs.append(job)
        return jobs

    def _orders(self, users, jobs):
        seller, buyer, support = users["seller"], users["buyer"], users["support"]
        buyers = [buyer, *users["others"]]
        live = [job for job in jobs if not job.is_paused]
        counter = iter(range(100))

        def place(job=None, buyer=None):
            n = next(counter)
            return services.order_place(
                job=job or live[n % len(live)], buyer=buyer or buyers[n % len(buyers)]
            )

        def start(order):
            answers = [
                {"question": q, "answer": "See the brief in my first message."}
                for q in order.questions
            ]
            return services.order_submit_requirements(
                order=order, actor=order.buyer, answers=answers
            )

        def chat(order, update=False):
            message_send(
                order=order,
                sender=order.buyer,
                body="Hi! Looking forward to this. Anything else you need from me?",
            )
            message_send(
                order=order,
                sender=seller,
                body="Thanks! I have all the specifics. I'll ask if questions come up.",
            )
            if update:
                message_send(
                    order=order,
                    sender=seller,
                    kind=MessageKind.UPDATE,
                    body="A first draft: tell me what you think of the direction.",
                    files=[_file("draft-1.png", _PNG)],
                )
            return order

        def deliver(order):
            return services.order_deliver(
                order=order,
                actor=seller,
                message="Here is the finished work. Tell me what you think!",
                files=[_file("final-files.zip", _zip()), _file("notes.txt", b"Read me first.\n")],
            )

        # Pending: placed, waiting for the buyer's requirements; not answered yet.
        _age(place(), hours=3)
        _age(place(), minutes=40)
        # Active: on time, due within 24 h, late, and very late (over 24 h).
        _age(chat(start(place()), update=True), hours=20)
        extended = start(place(buyer=buyer))
        resolution.extension_request_create(
            order=extended,
            actor=seller,
            days=2,
            reason="The stock photos you chose need a licence check.",
        )
        _age(extended, days=1, hours=6)
        _set_due(chat(start(place())), hours=6)
        _set_due(start(place()), hours=-5)
        very_late = chat(start(place(buyer=buyer)))
        _set_due(very_late, hours=-50)
        resolution.cancellation_request_create(
            order=very_late,
            actor=very_late.buyer,
            reason="I needed this for a launch that has passed.",
        )
        # Two that change by themselves a few minutes after `make run`, with
        # the worker and beat running: one turns late, one auto-completes.
        _set_due(chat(start(place(buyer=buyer))), minutes=3)
        _age(
            deliver(chat(start(place(buyer=buyer)))),
            days=settings.ORDER_REVIEW_DAYS,
            minutes=-4,
        )
        # Delivered, waiting for the buyer's review.
        _age(deliver(chat(start(place()), update=True)), hours=10)
        _age(deliver(start(place())), days=2)
        # Completed: accepted by the buyer.
        for days in (12, 20, 33):
            order = deliver(chat(start(place())))
            _age(services.order_accept(order=order, actor=order.buyer), days=days)
        # A Job whose orders keep needing more time: the delivery-time insight.
        slow = next(job for job in live if "SEO" in job.title)
        for days in (40, 45, 50):
            order = start(place(slow))
            request = resolution.extension_request_create(
                order=order, actor=seller, days=3, reason="Research took longer than planned."
            )
            resolution.extension_request_approve(request=request, actor=order.buyer)
            order = deliver(order)
            order = services.order_accept(order=order, actor=order.buyer)
            _age(order, days=days)
            # Each one took 8 days against the 5 the Job promises.
            took = order.started_at + timedelta(days=8)
            Order.objects.filter(pk=order.pk).update(delivered_at=took)
            Message.objects.filter(order=order, kind=MessageKind.DELIVERY).update(created_at=took)
        # Canceled by Customer Support.
        order = services.order_cancel(
            order=place(), actor=support, reason="The buyer's payment was reversed by the bank."
        )
        _age(order, days=9)
        order = services.order_cancel(
            order=start(place()),
            actor=support,
            reason="Both sides asked Support to cancel: the brief changed.",
        )
        _age(order, days=15)
        # What is over is read; what is open still waits in the notification list.
        Notification.objects.filter(order__state__in=[State.COMPLETED, State.CANCELED]).update(
            read_at=timezone.now()
        )
        # Support tickets: one answered, one waiting.
        ticket = resolution.ticket_create(
            user=buyer,
            subject="How do revisions work?",
            body="Can I ask for more than one change in a revision?",
            order=None,
        )
        resolution.ticket_answer(
            ticket=ticket,
            staff=support,
            answer="Yes: put every change in one revision request, and the seller reworks them together.",
        )
        resolution.ticket_create(
            user=seller,
            subject="Payout date",
            body="When will the money for my completed orders arrive?",
        )


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d8a0"
    "e30000000049454e44ae426082"
)


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("final.txt", "The finished work.")
    return buffer.getvalue()


def _file(name, content):
    upload = SimpleUploadedFile(name, content)
    upload.checked_content_type = check_upload(upload)
    return upload


def _spread_out_replies_and_deliveries(seller):
    """Demo orders are made in an instant; give the seller believable reply
    and delivery times (so the Sales page's numbers look like a real week)."""
    now = timezone.now()
    for order in Order.objects.filter(seller=seller):
        replies = Message.objects.filter(order=order, sender=seller).exclude(
            kind=MessageKind.DELIVERY
        )
        first = None
        for i, message in enumerate(replies.order_by("pk")):
            when = min(order.created_at + timedelta(minutes=35 + 50 * i), now)
            Message.objects.filter(pk=message.pk).update(created_at=when)
            first = first or when
        fields = {"seller_first_message_at": first} if first else {}
        delivery = (
            Message.objects.filter(order=order, kind=MessageKind.DELIVERY).order_by("pk").first()
        )
        end = order.completed_at or now
        if delivery and order.started_at and order.first_delivered_at and order.delivered_at:
            took = min(
                timedelta(days=order.delivery_days * 0.7),
                end - order.started_at - timedelta(hours=1),
            )
            if (
                took > timedelta(0)
                and not Order.objects.filter(
                    pk=order.pk, first_delivered_at__gt=F("started_at") + timedelta(days=1)
                ).exists()
            ):
                when = order.started_at + took
                Message.objects.filter(pk=delivery.pk).update(created_at=when)
                fields |= {"first_delivered_at": when, "first_delivery_late": when > order.due_at}
                if order.delivered_at <= when or order.state == State.COMPLETED:
                    fields["delivered_at"] = when
        if fields:
            Order.objects.filter(pk=order.pk).update(**fields)


def _age(order, **ago):
    """Move an order's whole history back in time: events, messages, requests."""
    delta = timedelta(**ago)
    fields = (
        "created_at",
        "started_at",
        "due_at",
        "delivered_at",
        "completed_at",
        "canceled_at",
        "seller_first_message_at",
        "seller_read_at",
        "buyer_read_at",
    )
    Order.objects.filter(pk=order.pk).update(**{f: F(f) - delta for f in fields})
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") - delta)
    Message.objects.filter(order=order).update(created_at=F("created_at") - delta)
    for model in (ExtensionRequest, CancellationRequest):
        model.objects.filter(order=order).update(
            created_at=F("created_at") - delta, answered_at=F("answered_at") - delta
        )
    order.refresh_from_db()


def _set_due(order, **from_now):
    """Make an active order due at now + from_now, as if it started a window earlier."""
    order.refresh_from_db()
    due = timezone.now() + timedelta(**from_now)
    _age(order, seconds=(order.due_at - due).total_seconds())
