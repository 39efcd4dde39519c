"""The Priority counts read revisions_used too (a revision asked for):
with it in the covering index they stay an index-only scan of the seller's
open orders."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('sales', '0010_support_admin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='order_seller_state_due',
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['seller', 'state', 'due_at', 'id'], include=('seller_first_message_at', 'revisions_used'), name='order_seller_state_due'),
        ),
    ]
