"""A seller's search walks their orders newest first (sales/selectors.py,
_search): with many matches it stops at the first page of them."""

from django.db import migrations, models

from marketplace.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    # Built CONCURRENTLY on PostgreSQL: the orders table stays writable.
    atomic = False

    dependencies = [("sales", "0013_insight_current_terms_index")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["seller", "-created_at", "-id"], name="order_seller_new"),
        ),
    ]
