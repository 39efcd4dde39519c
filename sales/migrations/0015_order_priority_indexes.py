"""The Priority tab, read one reason at a time: a partial index for each of
the new and revision reasons, and ``created_at`` in the covering index, so
the late and due-soon orders sort by their urgency (due date, else when
ordered) from the index alone.

On PostgreSQL every index is built without blocking the table
(CONCURRENTLY); the covering index is built beside the old one under a
spare name, then takes its name, so the Sales page keeps an index
throughout. SQLite ignores INCLUDE: its index does not change."""

from django.db import migrations, models

from marketplace.migration_operations import AddIndexConcurrently, swap_index_include

SWAP = swap_index_include(
    table="sales_order",
    name="order_seller_state_due",
    columns='"seller_id", "state", "due_at", "id"',
    include=("seller_first_message_at", "revisions_used", "created_at"),
    old_include=("seller_first_message_at", "revisions_used"),
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("sales", "0014_order_seller_new")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(
                    ("seller_first_message_at", None), ("state__in", ["pending", "active"])
                ),
                fields=["seller", "state", "due_at", "created_at", "id"],
                name="order_seller_unanswered",
            ),
        ),
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(("revisions_used__gt", 0), ("state", "active")),
                fields=["seller", "due_at", "created_at", "id"],
                name="order_seller_revised",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="order", name="order_seller_state_due"),
                migrations.AddIndex(
                    model_name="order",
                    index=models.Index(
                        fields=["seller", "state", "due_at", "id"],
                        include=("seller_first_message_at", "revisions_used", "created_at"),
                        name="order_seller_state_due",
                    ),
                ),
            ],
            database_operations=SWAP,
        ),
    ]
