"""Migration operations the apps share."""

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


class AddIndexConcurrently(migrations.AddIndex):
    """AddIndex that, on PostgreSQL, builds the index without blocking writes
    to a table that may hold millions of rows (CREATE INDEX CONCURRENTLY; the
    migration must say ``atomic = False``). SQLite builds it as usual."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)
