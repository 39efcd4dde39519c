"""Every message already stored is in exactly one conversation: checked
under a lock that lets the messages be read and written meanwhile."""

from django.db import migrations

from marketplace.migration_operations import ValidateCheck


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_message_inquiry_index")]

    operations = [
        ValidateCheck(model_name="message", name="message_in_one_conversation"),
    ]
