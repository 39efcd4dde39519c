"""The messages of questions before ordering, indexed without blocking the
messages table (CONCURRENTLY on PostgreSQL)."""

from django.db import migrations, models

from marketplace.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("messaging", "0008_preorder_questions")]

    operations = [
        AddIndexConcurrently(
            model_name="message",
            index=models.Index(
                condition=models.Q(("inquiry__isnull", False)),
                fields=["inquiry", "created_at"],
                name="message_inquiry_created",
            ),
        ),
    ]
