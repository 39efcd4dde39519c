"""A message belongs to an order's conversation or to a question before
ordering, exactly one; and the notice of a message before ordering. The
index on the new column is built in the next migration, without blocking
the messages, and the check is taken for new rows here and validated for
the old ones in 0010, so the messages table is not read under this lock.
Going back needs the questions' messages gone first: they have no order."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from marketplace.migration_operations import AddCheckNotValid, AllowNull


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0007_review_kinds'),
        ('sales', '0019_preorder_questions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='inquiry',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='sales.inquiry'),
        ),
        AllowNull(
            model_name='message',
            name='order',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='sales.order'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('order_placed', 'New order'), ('requirements_submitted', 'Requirements submitted'), ('message', 'New message'), ('delivered', 'Order delivered'), ('revision_requested', 'Revision requested'), ('completed', 'Order completed'), ('canceled', 'Order canceled'), ('due_soon', 'Order due soon'), ('late', 'Order late'), ('very_late', 'Order very late'), ('extension_requested', 'Extension requested'), ('extension_answered', 'Extension answered'), ('cancellation_requested', 'Cancellation requested'), ('cancellation_answered', 'Cancellation answered'), ('cancellation_closed', 'Cancellation request closed'), ('requirements_reminder', 'Requirements reminder'), ('ticket_answered', 'Support ticket answered'), ('review_invited', 'Review the order'), ('reviews_published', 'Reviews published'), ('question_message', 'New message before ordering')], max_length=32),
        ),
        AddCheckNotValid(
            model_name='message',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('inquiry__isnull', True), ('order__isnull', False)), models.Q(('inquiry__isnull', False), ('order__isnull', True)), _connector='OR'), name='message_in_one_conversation'),
        ),
    ]
