"""The orders that followed a question, indexed without blocking the
orders table (CONCURRENTLY on PostgreSQL)."""

from django.db import migrations, models

from marketplace.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("sales", "0019_preorder_questions")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(("inquiry__isnull", False)),
                fields=["inquiry"],
                name="order_inquiry",
            ),
        ),
    ]
