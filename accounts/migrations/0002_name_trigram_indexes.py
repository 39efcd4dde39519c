"""Indexes for finding people, on PostgreSQL (the Sales page's search and
support's order search in the admin).

- Part of a name: ``icontains`` is UPPER(col::text) LIKE UPPER('%term%'), so
  the trigram indexes are on that expression.
- A username or e-mail typed whole, in any case: ``iexact`` is
  UPPER(col::text) = UPPER('…'), which the unique indexes can't serve."""

from django.db import migrations

from marketplace.migration_operations import TRIGRAM_EXTENSION, PostgreSQLOnly


def _index(name, sql):
    return PostgreSQLOnly(
        sql=f'CREATE INDEX CONCURRENTLY {name} ON "accounts_user" {sql}',
        reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    # CONCURRENTLY keeps the users table writable while the indexes build;
    # PostgreSQL allows it only outside a transaction.
    atomic = False
    dependencies = [("accounts", "0001_initial")]
    operations = [
        TRIGRAM_EXTENSION,
        *(
            _index(f"user_{field}_trgm", f'USING gin ((UPPER("{field}"::text)) gin_trgm_ops)')
            for field in ("username", "first_name", "last_name")
        ),
        _index("user_username_upper", '(UPPER("username"::text))'),
        _index("user_email_upper", '(UPPER("email"::text))'),
    ]
