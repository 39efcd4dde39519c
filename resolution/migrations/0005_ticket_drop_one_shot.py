"""The one-shot ticket's columns, now messages (0004)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0004_ticket_messages_from_tickets"),
    ]

    operations = [
        # blank=True changes nothing in the database; it lets the column come
        # back (filled with "") when this migration is reversed.
        migrations.AlterField(
            model_name="supportticket",
            name="body",
            field=models.TextField(blank=True, max_length=5000),
        ),
        migrations.RemoveField(model_name="supportticket", name="body"),
        migrations.RemoveField(model_name="supportticket", name="answer"),
        migrations.RemoveField(model_name="supportticket", name="answered_by"),
        migrations.RemoveField(model_name="supportticket", name="answered_at"),
        migrations.AlterField(
            model_name="supportticket",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Waiting for staff"),
                    ("waiting_for_user", "Waiting for the user"),
                    ("closed", "Closed"),
                ],
                default="open",
                max_length=16,
            ),
        ),
        migrations.AlterModelOptions(
            name="supportticket",
            options={"ordering": ["-last_message_at", "-pk"]},
        ),
        migrations.RemoveIndex(
            model_name="supportticket",
            name="resolution__user_id_1f9979_idx",
        ),
        migrations.AddIndex(
            model_name="supportticket",
            index=models.Index(fields=["user", "-last_message_at"], name="ticket_user_activity"),
        ),
        migrations.AddIndex(
            model_name="supportticket",
            index=models.Index(
                fields=["status", "last_message_at"], name="ticket_status_waiting"
            ),
        ),
    ]
