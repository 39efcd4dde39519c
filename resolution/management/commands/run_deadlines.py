"""Run every periodic scan once, now: for operators, demos and tests."""

from django.core.management.base import BaseCommand

from messaging.tasks import sweep_unsent_notifications
from resolution.tasks import carry_out_cancellation_requests, expire_extension_requests
from sales.tasks import (
    auto_complete_deliveries,
    flag_due_soon,
    flag_late,
    flag_very_late,
    publish_reviews,
    remind_requirements,
)

SCANS = [
    ("due soon notices", flag_due_soon),
    ("late notices", flag_late),
    ("very late notices", flag_very_late),
    ("requirements reminders", remind_requirements),
    ("deliveries auto-completed", auto_complete_deliveries),
    ("orders' reviews published", publish_reviews),
    ("extension requests expired", expire_extension_requests),
    ("cancellation requests carried out", carry_out_cancellation_requests),
    ("notification e-mails sent", sweep_unsent_notifications),
]


class Command(BaseCommand):
    help = "Run every deadline scan once (the same work Celery beat schedules)."

    def handle(self, *args, **options):
        for label, task in SCANS:
            self.stdout.write(f"{task.run():>6}  {label}")
