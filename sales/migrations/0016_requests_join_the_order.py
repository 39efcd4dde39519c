"""The Resolution Center's requests become models of this app, the order's
(sales.requests): the tables stay as they are, only Django's record of
whose models they are changes. Their content types move with them, so the
permissions given for them (the Support group's) stay given."""

from functools import partial

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models


MODELS = ["extensionrequest", "cancellationrequest"]


def relabel(old, new, apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=MODELS).update(app_label=new)


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0015_order_priority_indexes'),
        ('resolution', '0007_request_answerer_required'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='CancellationRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(max_length=1000)),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for an answer'), ('approved', 'Approved'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn'), ('expired', 'Expired'), ('closed', 'Closed: the order moved on')], default='open', max_length=50, protected=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('answerer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cancellation_requests', to='sales.order')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'resolution_cancellationrequest',
                'ordering': ['-created_at', '-pk'],
                'abstract': False,
                'indexes': [models.Index(condition=models.Q(('state', 'open')), fields=['created_at'], name='cancellation_open_created'), models.Index(condition=models.Q(('state', 'open')), fields=['answerer'], include=('order',), name='cancellation_open_answerer')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('order',), name='one_open_cancellation_per_order')],
            },
            bases=(django_fsm.FSMModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ExtensionRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(max_length=1000)),
                ('state', django_fsm.FSMField(choices=[('open', 'Waiting for an answer'), ('approved', 'Approved'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn'), ('expired', 'Expired'), ('closed', 'Closed: the order moved on')], default='open', max_length=50, protected=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('days', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)])),
                ('due_before', models.DateTimeField(blank=True, null=True)),
                ('due_after', models.DateTimeField(blank=True, null=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('answerer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extension_requests', to='sales.order')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'resolution_extensionrequest',
                'ordering': ['-created_at', '-pk'],
                'abstract': False,
                'indexes': [models.Index(condition=models.Q(('state', 'open')), fields=['created_at'], name='extension_open_created'), models.Index(condition=models.Q(('state', 'open')), fields=['answerer'], include=('order',), name='extension_open_answerer')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('order',), name='one_open_extension_per_order'), models.CheckConstraint(condition=models.Q(('days__gte', 1), ('days__lte', 30)), name='extension_days_in_range')],
            },
            bases=(django_fsm.FSMModelMixin, models.Model),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(
            partial(relabel, "resolution", "sales"), partial(relabel, "sales", "resolution")
        ),
    ]
