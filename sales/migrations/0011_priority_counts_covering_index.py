"""The Priority counts read revisions_used too (a revision asked for):
with it in the covering index they stay an index-only scan of the seller's
open orders.

On PostgreSQL the new index is built beside the old one without blocking
the table (CONCURRENTLY), then takes its name, so the Sales page keeps an
index throughout. SQLite ignores INCLUDE: its index does not change."""

from django.db import migrations, models

from marketplace.migration_operations import PostgreSQLOnly

COLUMNS = '"seller_id", "state", "due_at", "id"'
OLD = f'CREATE INDEX CONCURRENTLY {{name}} ON "sales_order" ({COLUMNS}) INCLUDE ("seller_first_message_at")'
NEW = (
    f'CREATE INDEX CONCURRENTLY {{name}} ON "sales_order" ({COLUMNS}) '
    'INCLUDE ("seller_first_message_at", "revisions_used")'
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

    dependencies = [("sales", "0010_support_admin")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="order", name="order_seller_state_due"),
                migrations.AddIndex(
                    model_name="order",
                    index=models.Index(
                        fields=["seller", "state", "due_at", "id"],
                        include=("seller_first_message_at", "revisions_used"),
                        name="order_seller_state_due",
                    ),
                ),
            ],
            database_operations=SWAP,
        ),
    ]
