"""How many published reviews gave each number of stars. Nothing to count
yet: reviews arrive in the same release (sales 0018), all of them after."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_public_profile'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='rating_1',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name='user',
            name='rating_2',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name='user',
            name='rating_3',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name='user',
            name='rating_4',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name='user',
            name='rating_5',
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
