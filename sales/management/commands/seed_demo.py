"""Demo data: a seller, buyers, a support user, Jobs and orders in every state.

Running it again changes nothing: users and Jobs are looked up by name, and
orders are only created when the demo seller has none.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jobs.models import Job
from sales import services
from sales.models import Delivery, Order, OrderEvent

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
    "view_delivery",
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

        def place():
            n = next(counter)
            return services.order_place(job=live[n % len(live)], buyer=buyers[n % len(buyers)])

        def start(order):
            answers = [
                {"question": q, "answer": "See the brief in my first message."}
                for q in order.questions
            ]
            return services.order_submit_requirements(
                order=order, actor=order.buyer, answers=answers
            )

        def deliver(order):
            return services.order_deliver(
                order=order,
                actor=seller,
                message="Here is the finished work. Tell me what you think!",
            )

        # Pending: placed, waiting for the buyer's requirements.
        _age(place(), hours=3)
        _age(place(), minutes=40)
        # Active: on time, due within 24 h, late, and very late (over 24 h).
        _age(start(place()), hours=20)
        _age(start(place()), days=1, hours=6)
        _set_due(start(place()), hours=6)
        _set_due(start(place()), hours=-5)
        _set_due(start(place()), hours=-50)
        # Delivered, waiting for the buyer's review.
        _age(deliver(start(place())), hours=10)
        _age(deliver(start(place())), days=2)
        # Completed: accepted by the buyer.
        for days in (12, 20, 33):
            order = deliver(start(place()))
            _age(services.order_accept(order=order, actor=order.buyer), days=days)
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


def _age(order, **ago):
    """Move an order's whole history back in time, events included."""
    delta = timedelta(**ago)
    Order.objects.filter(pk=order.pk).update(
        **{
            f: F(f) - delta
            for f in (
                "created_at",
                "started_at",
                "due_at",
                "delivered_at",
                "completed_at",
                "canceled_at",
            )
        }
    )
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") - delta)
    Delivery.objects.filter(order=order).update(created_at=F("created_at") - delta)


def _set_due(order, **from_now):
    """Make an active order due at now + from_now, as if it started a window earlier."""
    due = timezone.now() + timedelta(**from_now)
    _age(order, seconds=(order.due_at - due).total_seconds())
