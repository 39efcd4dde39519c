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


class _PostgreSQLElsePlain:
    """A PostgreSQL-only form of an operation (building or dropping an index
    CONCURRENTLY, so a table that may hold millions of rows stays writable;
    adding a check NOT VALID, so the table is not scanned under its lock)
    on PostgreSQL, the ``plain`` operation on SQLite."""

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


class AddIndexConcurrently(_PostgreSQLElsePlain, postgres_operations.AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY (the migration says ``atomic = False``)."""

    plain = migrations.AddIndex


class RemoveIndexConcurrently(_PostgreSQLElsePlain, postgres_operations.RemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY (the migration says ``atomic = False``)."""

    plain = migrations.RemoveIndex


class AddCheckNotValid(_PostgreSQLElsePlain, postgres_operations.AddConstraintNotValid):
    """A check that holds for new rows at once; ``ValidateCheck``, in a
    later migration, checks the old ones under a lock that lets writes
    through."""

    plain = migrations.AddConstraint


class ValidateCheck(postgres_operations.ValidateConstraint):
    """VALIDATE CONSTRAINT on PostgreSQL; SQLite has checked every row."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)


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


class AllowNull(migrations.AlterField):
    """A column becomes nullable. On PostgreSQL that is DROP NOT NULL, which
    reads no row; Django's AlterField would also drop and re-add the
    column's foreign key, checking every row under the table's lock."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(self._sql(app_label, schema_editor, to_state, "DROP"))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(self._sql(app_label, schema_editor, to_state, "SET"))

    def _sql(self, app_label, schema_editor, state, verb):
        model = state.apps.get_model(app_label, self.model_name)
        column = model._meta.get_field(self.name).column
        quote = schema_editor.quote_name
        return f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN {quote(column)} {verb} NOT NULL"
