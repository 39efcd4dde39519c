"""On PostgreSQL, the search and each sort read an index, never the whole
Jobs table: Browse stays a seek and a short read at 100,000 Jobs."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from jobs.models import Category, Job
from storefront import selectors
from testing.factories import JobFactory, UserFactory

# Committed rows, so VACUUM can mark their pages all-visible as autovacuum
# keeps a live table; statistics are taken in a transaction rolled back.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    sellers = [UserFactory() for _ in range(40)]
    for i, seller in enumerate(sellers[:30]):
        User.objects.filter(pk=seller.pk).update(rating_avg=3 + (i % 20) / 10, rating_count=i + 1)
    Job.objects.bulk_create(
        Job(
            seller=sellers[i % 40],
            title=f"I will {'design a logo' if i % 50 == 0 else 'write an article'} {i}",
            description="Careful work." if i % 7 else "A podcast edited with care.",
            category=Category.values[i % len(Category.values)],
            price=5 + i % 300,
            delivery_days=1 + i % 30,
            is_paused=i % 20 == 0,
        )
        for i in range(3000)
    )
    JobFactory(seller=sellers[0])


def _plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("VACUUM jobs_job")
        cursor.execute("VACUUM accounts_user")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
        cursor.execute("ANALYZE accounts_user")
        # A small table would be read whole: ask whether the indexes serve it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _browse_plan(**params):
    query = selectors.BrowseQuery.from_params(params)
    first = selectors.browse_page(query)
    if params.pop("deep", False):
        query = selectors.BrowseQuery.from_params(
            params | {"after": first.next_url.rsplit("after=", 1)[1]}
        )
    with CaptureQueriesContext(connection) as ctx:
        selectors.browse_page(query)
    # The page's Jobs (then, if it has any, their images by the Jobs' ids).
    sql = ctx.captured_queries[0]["sql"]
    # The captured SQL has its values in it already.
    return _plan(sql.replace("%", "%%"), [])


SORT_INDEXES = {
    "newest": "job_live_newest",
    "price": "job_live_price",
    "delivery": "job_live_delivery",
    "rating": "user_rating",
}


@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("category", ["", "design"])
@pytest.mark.parametrize("sort", list(SORT_INDEXES))
def test_each_sort_reads_its_index(catalogue, sort, category, deep):
    plan = _browse_plan(sort=sort, category=category, deep=deep)
    assert f"using {SORT_INDEXES[sort]}" in plan, plan
    assert "Seq Scan on jobs_job" not in plan, plan


@pytest.mark.parametrize("sort", list(SORT_INDEXES))
@pytest.mark.parametrize("q", ["logo", "podcast", "qwzxv", "design logo"])
def test_search_reads_the_word_index(catalogue, sort, q):
    plan = _browse_plan(q=q, sort=sort)
    assert "Seq Scan on jobs_job" not in plan, plan
    assert "job_live_search" in plan or f"using {SORT_INDEXES[sort]}" in plan, plan


def test_search_finds_stemmed_words(catalogue):
    page = selectors.browse_page(selectors.BrowseQuery.from_params({"q": "logos"}))
    assert page.object_list and all("logo" in job.title for job in page.object_list)
    page = selectors.browse_page(selectors.BrowseQuery.from_params({"q": "podcasts"}))
    assert page.object_list
