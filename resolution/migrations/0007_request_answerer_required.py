"""Every request now has its answerer (0006): required, and indexed for
"requests waiting on me". A migration of its own: PostgreSQL can't alter a
table in the transaction that just updated its rows' foreign keys."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0006_request_answerer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            migrations.AlterField(
                model_name=model,
                name="answerer",
                field=models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            )
            for model in ("extensionrequest", "cancellationrequest")
        ),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("state", "open")),
                fields=["answerer"],
                include=["order"],
                name="extension_open_answerer",
            ),
        ),
        migrations.AddIndex(
            model_name="cancellationrequest",
            index=models.Index(
                condition=models.Q(("state", "open")),
                fields=["answerer"],
                include=["order"],
                name="cancellation_open_answerer",
            ),
        ),
    ]
