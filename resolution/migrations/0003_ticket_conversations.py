"""Support tickets become conversations: a TicketMessage model, the
ticket's last activity, and its new statuses. The data moves in 0004 and the
old columns go in 0005, each migration a transaction of its own: PostgreSQL
refuses to alter a table after rows were written in the same transaction."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0002_request_closed_state"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="supportticket",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Waiting for staff"),
                    ("waiting_for_user", "Waiting for the user"),
                    ("closed", "Closed"),
                    # Until 0004 converts the data.
                    ("answered", "Answered"),
                ],
                default="open",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="supportticket",
            name="last_message_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.CreateModel(
            name="TicketMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("from_staff", models.BooleanField(default=False)),
                ("body", models.TextField(max_length=5000)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("support_email_due", models.BooleanField(default=False, editable=False)),
                (
                    "support_email_claimed_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                (
                    "support_emailed_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="resolution.supportticket",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "pk"],
                "indexes": [
                    models.Index(
                        condition=models.Q(
                            ("support_email_due", True), ("support_emailed_at__isnull", True)
                        ),
                        fields=["created_at"],
                        name="ticket_message_support_unsent",
                    )
                ],
            },
        ),
    ]
