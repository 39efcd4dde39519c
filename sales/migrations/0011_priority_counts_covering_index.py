"""The Priority counts read revisions_used too (a revision asked for):
with it in the covering index they stay an index-only scan of the seller's
open orders.

On PostgreSQL the new index is built beside the old one without blocking
the table (CONCURRENTLY), then takes its name, so the Sales page keeps an
index throughout. SQLite ignores INCLUDE: its index does not change."""

from django.db import migrations, models

from marketplace.migration_operations import swap_index_include

SWAP = swap_index_include(
    table="sales_order",
    name="order_seller_state_due",
    columns='"seller_id", "state", "due_at", "id"',
    include=("seller_first_message_at", "revisions_used"),
    old_include=("seller_first_message_at",),
)


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
