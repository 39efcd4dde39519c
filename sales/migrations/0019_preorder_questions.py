"""Questions before ordering: the Inquiry table, and the order's link to
the one it followed (its index is built without blocking the orders, in
the next migration)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_job_images'),
        ('sales', '0018_reviews'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Inquiry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('last_message_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('waiting_since', models.DateTimeField(blank=True, null=True)),
                ('buyer_read_at', models.DateTimeField(blank=True, null=True)),
                ('seller_read_at', models.DateTimeField(blank=True, null=True)),
                ('buyer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='inquiries', to='jobs.job')),
                ('seller', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'question before ordering',
                'verbose_name_plural': 'questions before ordering',
            },
        ),
        migrations.AddField(
            model_name='order',
            name='inquiry',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='orders', to='sales.inquiry'),
        ),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(fields=['seller', '-last_message_at', '-id'], name='inquiry_seller_recent'),
        ),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(fields=['buyer', '-last_message_at', '-id'], name='inquiry_buyer_recent'),
        ),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(condition=models.Q(('waiting_since__isnull', False)), fields=['seller'], name='inquiry_seller_waiting'),
        ),
        migrations.AddConstraint(
            model_name='inquiry',
            constraint=models.UniqueConstraint(fields=('job', 'buyer'), name='inquiry_once_per_buyer_job'),
        ),
    ]
