"""Trigram indexes on people's names, on PostgreSQL: a search for part of a
name (``icontains``, which Django writes as UPPER(col::text) LIKE UPPER(%s))
finds the people from the index instead of reading every user. SQLite has
no such index and searches by reading, which its sizes allow."""

from django.db import migrations

FIELDS = ("username", "first_name", "last_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS user_{field}_trgm ON accounts_user "
            f"USING gin ((UPPER({field}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS user_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
