"""Every migration of ours can be undone: `migrate <app> zero` then `migrate`
works (docs/reliability.md records a run on a PostgreSQL copy)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

APPS = ["accounts", "jobs", "sales", "messaging", "resolution"]


def test_every_migration_operation_is_reversible():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    irreversible = [
        f"{app}.{name}: {operation.describe()}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in APPS
        for operation in migration.operations
        if not operation.reversible
    ]
    assert irreversible == []


@pytest.mark.django_db(transaction=True)
def test_the_apps_migrate_to_zero_and_back():
    tables = set(connection.introspection.table_names())
    assert "sales_order" in tables

    for app in reversed(APPS[1:]):  # accounts stays: auth and admin hang on the user model
        call_command("migrate", app, "zero", verbosity=0)
    left = set(connection.introspection.table_names())
    assert not {t for t in left if t.split("_")[0] in APPS[1:]}

    call_command("migrate", verbosity=0)
    assert set(connection.introspection.table_names()) == tables


def _index_definition(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sales_page_index_is_swapped_in_place_both_ways():
    # Built beside the old one and renamed, so the name never goes missing.
    # Each swap (0011, 0015), forward and back.
    included = {
        "0010": "INCLUDE (seller_first_message_at)",
        "0011": "INCLUDE (seller_first_message_at, revisions_used)",
        "0014": "INCLUDE (seller_first_message_at, revisions_used)",
        "0015": "INCLUDE (seller_first_message_at, revisions_used, created_at)",
    }
    try:
        for migration in ["0010", "0011", "0014", "0015", "0014", "0010"]:
            call_command("migrate", "sales", migration, verbosity=0)
            (definition,) = _index_definition("order_seller_state_due")
            assert definition.endswith(included[migration]), (migration, definition)
            assert _index_definition("order_seller_state_due_next") == []
    finally:
        call_command("migrate", verbosity=0)
