"""Indexes for Browse on PostgreSQL: one per sort, over live Jobs only
(``NOT is_paused``, the condition every Browse query has), each ending
with the id that breaks ties, so a page is a seek and a short read at any
depth; and the search's GIN index.

- Search: PostgreSQL's full-text search rather than trigrams. Buyers type
  words ("logo", "podcast editing"), and a stemmed word index finds
  "logos" and "edited" too; a GIN index of words is a fraction of the
  size of a trigram index over descriptions up to 5,000 characters, and
  its matches don't degrade on short words. The expression is the one
  ``storefront.selectors.search_vector()`` writes (the planner matches
  an expression index only by its exact spelling), title weighing more
  than description.
- Best rated: the rating is the seller's, so the walk goes through the
  users index by rating, then each seller's Jobs by the seller index
  (a seller's few Jobs are put in order of id as they come)."""

from django.db import migrations

from marketplace.migration_operations import PostgreSQLOnly

SEARCH_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(\"title\", '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(\"description\", '')), 'B'))"
)


def _index(name, table, sql):
    return PostgreSQLOnly(
        sql=f'CREATE INDEX CONCURRENTLY {name} ON "{table}" {sql}',
        reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


def _live_job_index(name, sql):
    return _index(name, "jobs_job", f'{sql} WHERE NOT "is_paused"')


class Migration(migrations.Migration):
    # CONCURRENTLY keeps the tables writable while the indexes build;
    # PostgreSQL allows it only outside a transaction.
    atomic = False
    dependencies = [("jobs", "0002_category"), ("accounts", "0003_seller_rating")]
    operations = [
        _live_job_index("job_live_newest", '("created_at", "id")'),
        _live_job_index("job_live_price", '("price", "id")'),
        _live_job_index("job_live_delivery", '("delivery_days", "id")'),
        _live_job_index("job_live_search", f"USING gin ({SEARCH_VECTOR})"),
        _index("user_rating", "accounts_user", '((COALESCE("rating_avg", 0)) DESC, "id" DESC)'),
    ]
