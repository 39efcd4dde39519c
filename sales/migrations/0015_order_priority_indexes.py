"""The Priority tab, read one reason at a time: a partial index for each of
the new and revision reasons, and ``created_at`` in the covering index, so
the late and due-soon orders sort by their urgency (due date, else when
ordered) from the index alone.

On PostgreSQL every index is built without blocking the table
(CONCURRENTLY); the covering index is built beside the old one under a
spare name, then takes its name, so the Sales page keeps an index
throughout. SQLite ignores INCLUDE: its index does not change."""

from django.db import migrations, models

from marketplace.migration_operations import AddIndexConcurrently, PostgreSQLOnly

COLUMNS = '"seller_id", "state", "due_at", "id"'
OLD = (
    f'CREATE INDEX CONCURRENTLY {{name}} ON "sales_order" ({COLUMNS}) '
    'INCLUDE ("seller_first_message_at", "revisions_used")'
)
NEW = (
    f'CREATE INDEX CONCURRENTLY {{name}} ON "sales_order" ({COLUMNS}) '
    'INCLUDE ("seller_first_message_at", "revisions_used", "created_at")'
)
NAME, SPARE = "order_seller_state_due", "order_seller_state_due_next"
# Build the new index under a spare name, drop the one it replaces, rename;
# backwards, the same with the old index.
SWAP = [
    PostgreSQLOnly(sql=NEW.format(name=SPARE), reverse_sql=f"ALTER INDEX {SPARE} RENAME TO {NAME}"),
    PostgreSQLOnly(
        sql=f"DROP INDEX CONCURRENTLY {NAME}", reverse_sql=f"DROP INDEX CONCURRENTLY {NAME}"
    ),
    PostgreSQLOnly(sql=f"ALTER INDEX {SPARE} RENAME TO {NAME}", reverse_sql=OLD.format(name=SPARE)),
]


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
