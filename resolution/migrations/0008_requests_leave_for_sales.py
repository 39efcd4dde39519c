"""The requests are the sales app's models now (sales 0016): forgotten
here, with their tables left in place."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('resolution', '0007_request_answerer_required'),
        ('sales', '0016_requests_join_the_order'),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name='extensionrequest',
            name='answered_by',
        ),
        migrations.RemoveField(
            model_name='extensionrequest',
            name='answerer',
        ),
        migrations.RemoveField(
            model_name='extensionrequest',
            name='order',
        ),
        migrations.RemoveField(
            model_name='extensionrequest',
            name='requested_by',
        ),
        migrations.DeleteModel(
            name='CancellationRequest',
        ),
        migrations.DeleteModel(
            name='ExtensionRequest',
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
