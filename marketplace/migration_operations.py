"""Migration operations the apps share."""

from django.contrib.postgres import operations as postgres_operations
from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """SQL only PostgreSQL runs (trigram and expression indexes for search).
    On SQLite the searches read their tables, which its sizes allow."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
# create it. It stays on the way back: other indexes may use it.
TRIGRAM_EXTENSION = PostgreSQLOnly(
    sql="CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop
)


class _ConcurrentlyOnPostgreSQL:
    """Django's concurrent index operations (CREATE and DROP INDEX
    CONCURRENTLY, so a table that may hold millions of rows stays writable;
    they check the migration says ``atomic = False``) on PostgreSQL, the
    ``plain`` operation on SQLite."""

    plain = None

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrently(_ConcurrentlyOnPostgreSQL, postgres_operations.AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexConcurrently(
    _ConcurrentlyOnPostgreSQL, postgres_operations.RemoveIndexConcurrently
):
    plain = migrations.RemoveIndex


def swap_index_include(*, table, name, columns, include, old_include):
    """Give index ``name`` other INCLUDE columns on PostgreSQL without a
    moment when no index has that name: build the new one beside the old
    under a spare name (CONCURRENTLY: the table stays writable), drop the
    old one, rename; backwards, the same with the old columns. SQLite
    ignores INCLUDE: its index does not change. The migration needs
    ``atomic = False``."""
    spare = f"{name}_next"

    def create(included):
        quoted = ", ".join(f'"{column}"' for column in included)
        return f'CREATE INDEX CONCURRENTLY {spare} ON "{table}" ({columns}) INCLUDE ({quoted})'

    return [
        PostgreSQLOnly(sql=create(include), reverse_sql=f"ALTER INDEX {spare} RENAME TO {name}"),
        PostgreSQLOnly(
            sql=f"DROP INDEX CONCURRENTLY {name}", reverse_sql=f"DROP INDEX CONCURRENTLY {name}"
        ),
        PostgreSQLOnly(
            sql=f"ALTER INDEX {spare} RENAME TO {name}", reverse_sql=create(old_include)
        ),
    ]
