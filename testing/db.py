"""The database under a test: moving it between migrations, and asking
PostgreSQL how it would run a query."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate the test database to ``targets``; return the apps as they
    stand there, for building rows the way that migration saw them."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest_migrations():
    """Every app's last migration: where a migration test leaves the database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def explain(sql, *, seqscan):
    """PostgreSQL's EXPLAIN of a captured query. ``seqscan=False`` asks only
    whether an index fits it: a near-empty test table would be read whole
    anyway, which says nothing of a full one."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET enable_seqscan = {'on' if seqscan else 'off'}")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    return plan
