"""The buyer of a pending order is reminded to submit the requirements: when
the next reminder falls due, and the scan's partial index."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def schedule_reminders(apps, schema_editor):
    """Pending orders placed within the reminders' span get their first
    reminder, as a new order would: one already past is sent by the next scan
    (only the latest due, once). Orders pending for longer than the last
    reminder get none: a first nudge weeks late reads as noise."""
    hours = settings.REQUIREMENTS_REMINDERS_HOURS
    if not hours:
        return
    Order = apps.get_model("sales", "Order")
    Order.objects.filter(
        state="pending", created_at__gt=timezone.now() - timedelta(hours=hours[-1])
    ).update(requirements_reminder_at=F("created_at") + timedelta(hours=hours[0]))


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0011_priority_counts_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="requirements_reminder_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("requirements_reminder_at__isnull", False), ("state", "pending")),
                fields=["requirements_reminder_at"],
                name="order_scan_requirements",
            ),
        ),
        migrations.RunPython(schedule_reminders, migrations.RunPython.noop),
    ]
