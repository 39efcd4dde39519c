"""Each request names who must answer it: the party that did not ask.

The column comes without its index here: PostgreSQL would build it at the
end of this migration, after the rows are filled, and refuses to while the
fill's foreign-key checks are pending. 0007 adds it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Order = apps.get_model("sales", "Order")
    for name in ("ExtensionRequest", "CancellationRequest"):
        model = apps.get_model("resolution", name)
        order = Order.objects.filter(pk=OuterRef("order_id"))
        model.objects.update(answerer=Subquery(order.values("seller_id")))
        model.objects.filter(requested_by=Subquery(order.values("seller_id"))).update(
            answerer=Subquery(order.values("buyer_id"))
        )


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0005_ticket_drop_one_shot"),
        ("sales", "0014_order_seller_new"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="answerer",
                field=models.ForeignKey(
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            )
            for model in ("extensionrequest", "cancellationrequest")
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
