"""New orders not answered yet are listed in the Priority tab by their
urgency (due date, else when placed): an index sorted on it reads a page of
them without sorting all of a big seller's unanswered orders. It is built
beside the index it replaces without blocking the table, and that one is
dropped after."""

from django.db import migrations, models
from django.db.models.functions import Coalesce

from marketplace.migration_operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("sales", "0016_requests_join_the_order")]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                models.F("seller"),
                Coalesce("due_at", "created_at"),
                models.F("id"),
                condition=models.Q(
                    ("seller_first_message_at", None), ("state__in", ["pending", "active"])
                ),
                name="order_seller_awaiting_reply",
            ),
        ),
        RemoveIndexConcurrently(model_name="order", name="order_seller_unanswered"),
    ]
