"""The delivery-time insight: when a Job's orders often need more time, the
seller sees the actual delivery times and can raise the Job's delivery days
in one click."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jobs.selectors import job_delivery_insight
from messaging.models import Message, MessageKind
from sales.models import State
from sales.request_services import extension_request_approve, extension_request_create
from sales.requests import ExtensionRequest, RequestState
from sales.services import order_deliver
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

# Ten started orders, newest first: days each took to the first delivery, and
# whether it needed an approved extension. Nearest-rank 75th percentile of the
# ten is the 8th smallest, 4.5 days, so the suggestion is 5 days.
TOOK = [1.5, 7, 2, 3, 6, 2.5, 3, 4.5, 3, 3.5]
EXTENDED = {7, 6, 4.5}


@pytest.fixture(autouse=True)
def _insight_settings(settings):
    settings.EXTENSION_INSIGHT_WINDOW = 10
    settings.EXTENSION_INSIGHT_THRESHOLD = 3


def _started(job, *, days_ago, took=None, extended=False):
    """An order of ``job`` started ``days_ago`` days ago, first delivered ``took``
    days after it started, and with an approved extension if ``extended``."""
    started = timezone.now() - timedelta(days=days_ago)
    order = OrderFactory(
        job=job,
        state=State.COMPLETED if took is not None else State.ACTIVE,
        created_at=started - timedelta(hours=1),
        started_at=started,
        due_at=started + timedelta(days=job.delivery_days),
    )
    if took is not None:
        Message.objects.create(
            order=order,
            sender=job.seller,
            kind=MessageKind.DELIVERY,
            body="Here it is.",
            created_at=started + timedelta(days=took),
        )
    if extended:
        ExtensionRequest.objects.create(
            order=order,
            requested_by=job.seller,
            days=2,
            reason="More pages than planned.",
            state=RequestState.APPROVED,
            answered_by=order.buyer,
            answered_at=started + timedelta(days=1),
        )
    return order


def _history(job, took=TOOK, extended=EXTENDED, newest_days_ago=10):
    return [
        _started(job, days_ago=newest_days_ago + i, took=t, extended=t in extended)
        for i, t in enumerate(took)
    ]


def _insight(html, job):
    match = re.search(
        rf'<div class="alert alert-warning" data-insight="{job.pk}">.*?</div>', html, re.S
    )
    return match.group(0) if match else None


def _actual_days(snippet):
    listed = re.search(r"Actual delivery times: (.*?) \(it promises", snippet).group(1)
    return sorted(float(x.removesuffix(" days")) for x in listed.split(", "))


def _sales(client, seller):
    client.force_login(seller)
    # The figures, the chart and the insight live on the Numbers page, linked from Sales.
    sales = client.get(reverse("sales:sales")).content.decode()
    assert reverse("sales:numbers") in sales
    return client.get(reverse("sales:numbers")).content.decode()


def _edit(client, seller, job):
    client.force_login(seller)
    return client.get(reverse("jobs:edit", args=[job.pk])).content.decode()


@pytest.mark.parametrize("where", ["sales", "job_edit"])
def test_insight_shows_actual_times_and_a_raise_button(client, where):
    job = JobFactory(delivery_days=3)
    _history(job)

    html = _sales(client, job.seller) if where == "sales" else _edit(client, job.seller, job)

    snippet = _insight(html, job)
    assert snippet is not None
    assert "3 of its last 10 orders needed an extension" in snippet
    assert _actual_days(snippet) == sorted(TOOK)
    assert "it promises 3" in snippet
    assert "Raise to 5 days" in snippet
    assert f'action="{reverse("jobs:raise_delivery", args=[job.pk])}"' in snippet


@pytest.mark.parametrize("where", ["sales", "job_edit"])
def test_only_two_extensions_show_nothing(client, where):
    job = JobFactory(delivery_days=3)
    _history(job, extended={7, 6})

    html = _sales(client, job.seller) if where == "sales" else _edit(client, job.seller, job)

    assert "data-insight" not in html
    assert "Raise to" not in html


@pytest.mark.parametrize("where", ["sales", "job_edit"])
def test_extensions_older_than_the_last_ten_started_orders_do_not_count(client, where):
    job = JobFactory(delivery_days=3)
    _history(job, extended=set())  # the last ten: none needed more time
    for i in range(3):  # long ago: three did
        _started(job, days_ago=100 + i, took=8, extended=True)

    html = _sales(client, job.seller) if where == "sales" else _edit(client, job.seller, job)

    assert "data-insight" not in html


def test_two_recent_and_one_old_extension_show_nothing(client):
    job = JobFactory(delivery_days=3)
    _history(job, extended={7, 6})
    _started(job, days_ago=100, took=8, extended=True)
    assert "data-insight" not in _sales(client, job.seller)
    assert "data-insight" not in _edit(client, job.seller, job)


def test_several_slow_jobs_each_get_their_own_window(client):
    seller = UserFactory()
    first = JobFactory(seller=seller, title="A logo", delivery_days=3)
    _history(first)
    client.force_login(seller)

    def numbers_panel():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("sales:numbers")).content.decode()
        return html, len(ctx.captured_queries)

    _, with_one_slow_job = numbers_panel()

    second = JobFactory(seller=seller, title="B website", delivery_days=2)
    _history(second, took=[5, 4, 6, 1, 1], extended={5, 4, 6}, newest_days_ago=3)
    # An older run of slow orders beyond the first Job's window must not leak in.
    for i in range(3):
        _started(first, days_ago=200 + i, took=9, extended=True)
    quiet = JobFactory(seller=seller, title="C quiet", delivery_days=3)
    _history(quiet, extended={7, 6})

    html, queries = numbers_panel()

    assert "3 of its last 10 orders needed an extension" in _insight(html, first)
    assert _actual_days(_insight(html, first)) == sorted(TOOK)
    assert "3 of its last 5 orders needed an extension" in _insight(html, second)
    assert "Raise to 5 days" in _insight(html, second)  # 4th of 1, 1, 4, 5, 6
    assert _insight(html, quiet) is None
    assert html.index(f'data-insight="{first.pk}"') < html.index(f'data-insight="{second.pk}"')
    # One query per slow Job; the quiet one is not looked at.
    assert queries == with_one_slow_job + 1


def test_deliveries_within_a_day_read_in_hours_not_zero_days(client):
    job = JobFactory(delivery_days=1)
    _history(job, took=[2, 3, 1.5, 9 / 24, 0.01], extended={2, 3, 1.5})

    snippet = _insight(_sales(client, job.seller), job)

    assert "Actual delivery times: 2.0 days, 3.0 days, 1.5 days, 9 h, under 1 h" in snippet
    assert "(it promises 1 day)" in snippet
    assert "0.0" not in snippet


def test_the_window_counts_started_orders_not_placed_ones(client):
    job = JobFactory(delivery_days=3)
    _history(job, took=[6, 5, 4], extended={6, 5, 4})
    # Newer orders that have not started yet are not part of the window.
    for _ in range(10):
        OrderFactory(job=job, state=State.PENDING)
    snippet = _insight(_sales(client, job.seller), job)
    assert snippet is not None
    assert "3 of its last 3 orders" in snippet


def test_actual_time_runs_to_the_first_delivery_not_a_revised_one(client):
    job = JobFactory(delivery_days=3)
    orders = _history(job, took=[4, 4, 4], extended={4})
    for order in orders:  # each was sent back and delivered again later
        Message.objects.create(
            order=order,
            sender=job.seller,
            kind=MessageKind.DELIVERY,
            body="Revised.",
            created_at=order.started_at + timedelta(days=9),
        )
        Message.objects.create(
            order=order, sender=job.seller, body="Note", created_at=order.started_at
        )
    snippet = _insight(_edit(client, job.seller, job), job)
    assert _actual_days(snippet) == [4.0, 4.0, 4.0]
    assert "Raise to 4 days" in snippet


def test_insight_built_through_the_resolution_center(client):
    job = JobFactory(delivery_days=3)
    for _ in range(3):
        started = timezone.now() - timedelta(days=4, hours=12)
        order = OrderFactory(
            job=job, state=State.ACTIVE, started_at=started, due_at=started + timedelta(days=3)
        )
        request = extension_request_create(
            order=order, actor=job.seller, days=2, reason="Extra revisions."
        )
        extension_request_approve(request=request, actor=order.buyer)
        order_deliver(order=order, actor=job.seller, message="Delivered.")

    snippet = _insight(_sales(client, job.seller), job)

    assert snippet is not None
    assert "3 of its last 3 orders needed an extension" in snippet
    assert _actual_days(snippet) == [4.5, 4.5, 4.5]
    assert "Raise to 5 days" in snippet


def test_other_sellers_do_not_see_the_insight(client):
    job = JobFactory(delivery_days=3)
    _history(job)
    other_seller = JobFactory().seller
    assert "data-insight" not in _sales(client, other_seller)


def test_no_raise_button_when_the_job_already_promises_enough(client):
    job = JobFactory(delivery_days=7)
    _history(job)
    snippet = _insight(_edit(client, job.seller, job), job)
    assert snippet is not None  # still worth knowing
    assert "Raise to" not in snippet


# -- the one-click raise --------------------------------------------------------


def _raise(client, user, job, **kwargs):
    client.force_login(user)
    return client.post(reverse("jobs:raise_delivery", args=[job.pk]), **kwargs)


def test_raise_sets_the_suggested_days_and_keeps_placed_orders(client):
    job = JobFactory(delivery_days=3)
    orders = _history(job)
    active = OrderFactory(job=job, state=State.ACTIVE)
    terms = {o.pk: (o.delivery_days, o.due_at) for o in [*orders, active]}

    response = _raise(client, job.seller, job, follow=True)

    assert response.redirect_chain == [(reverse("jobs:edit", args=[job.pk]), 302)]
    job.refresh_from_db()
    assert job.delivery_days == 5
    html = response.content.decode()
    assert "now promises 5 days instead of 3" in html
    assert "Raise to" not in html  # nothing left to raise
    for order in job.orders.all():
        assert (order.delivery_days, order.due_at) == terms[order.pk]
    # New orders get the new promise.
    assert OrderFactory(job=job).delivery_days == 5


def test_raise_does_nothing_when_the_insight_does_not_apply(client):
    job = JobFactory(delivery_days=3)
    _history(job, extended={7, 6})

    response = _raise(client, job.seller, job, follow=True)

    job.refresh_from_db()
    assert job.delivery_days == 3
    assert "already matches how long its orders take" in response.content.decode()


def test_raise_does_nothing_when_the_job_already_promises_enough(client):
    job = JobFactory(delivery_days=7)
    _history(job)
    response = _raise(client, job.seller, job, follow=True)
    job.refresh_from_db()
    assert job.delivery_days == 7
    assert "already matches how long its orders take" in response.content.decode()


@pytest.mark.parametrize("staff", [False, True])
def test_another_seller_cannot_raise_the_job(client, staff):
    job = JobFactory(delivery_days=3)
    _history(job)
    intruder = UserFactory(is_staff=staff, is_superuser=staff)
    assert _raise(client, intruder, job).status_code == 404
    job.refresh_from_db()
    assert job.delivery_days == 3


def test_get_on_raise_is_405(client):
    job = JobFactory(delivery_days=3)
    _history(job)
    client.force_login(job.seller)
    assert client.get(reverse("jobs:raise_delivery", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.delivery_days == 3


def test_anonymous_raise_is_sent_to_log_in(client):
    job = JobFactory(delivery_days=3)
    _history(job)
    response = client.post(reverse("jobs:raise_delivery", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    job.refresh_from_db()
    assert job.delivery_days == 3


# -- bugs -----------------------------------------------------------------------


def test_suggestion_rounds_the_real_time_up_not_a_rounded_copy(client):
    job = JobFactory(delivery_days=3)
    four_days_one_hour = 4 + 1 / 24
    _history(job, took=[four_days_one_hour] * 3, extended={four_days_one_hour})

    snippet = _insight(_edit(client, job.seller, job), job)

    assert "Raise to 5 days" in snippet


def test_raise_never_goes_past_the_jobs_maximum(client):
    job = JobFactory(delivery_days=80)
    _history(job, took=[120, 110, 100], extended={120, 110, 100}, newest_days_ago=200)

    _raise(client, job.seller, job)

    job.refresh_from_db()
    assert job.delivery_days <= 90
    job.full_clean()


@pytest.mark.postgres
def test_the_insight_reads_a_jobs_last_orders_from_its_index():
    job = JobFactory()
    _history(job)
    with CaptureQueriesContext(connection) as ctx:
        job_delivery_insight(job)
    [query] = ctx.captured_queries
    with connection.cursor() as cursor:
        # The test table is tiny, and statistics left by other tests sway the
        # planner to a bitmap scan and a sort: ask only whether the index
        # serves the order by itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # The last WINDOW started orders straight from the index, not all of the
    # Job's orders sorted.
    assert "order_job_started" in plan
    assert "Sort" not in plan.split("SubPlan")[0]


# -- only the current terms count -------------------------------------------------


@pytest.mark.parametrize("where", ["sales", "job_edit"])
def test_after_the_raise_the_insight_is_gone_until_new_orders_show_it_again(client, where):
    job = JobFactory(delivery_days=3)
    _history(job, newest_days_ago=20)
    _raise(client, job.seller, job)
    job.refresh_from_db()
    assert job.delivery_days == 5

    def page():
        return _sales(client, job.seller) if where == "sales" else _edit(client, job.seller, job)

    assert "data-insight" not in page()

    # New orders under the new five days: two needing more time is no pattern yet...
    _history(job, took=[7, 6.5, 2], extended={7, 6.5}, newest_days_ago=5)
    assert "data-insight" not in page()

    # ...a third one is: counted among the new orders only.
    _started(job, days_ago=1, took=8, extended=True)
    snippet = _insight(page(), job)
    assert snippet is not None
    assert "3 of its last 4 orders needed an extension" in snippet
    assert "current 5-day delivery time" in snippet
    assert _actual_days(snippet) == [2.0, 6.5, 7.0, 8.0]
    assert "Raise to 7 days" in snippet  # the 3rd of 2, 6.5, 7, 8


def test_orders_placed_under_other_delivery_days_do_not_count(client):
    # The seller edited the Job from 2 to 3 days by hand: the slow orders
    # were promised 2 days, so they say nothing about the 3 promised now.
    job = JobFactory(delivery_days=2)
    _history(job, took=[4, 5, 6], extended={4, 5, 6}, newest_days_ago=30)
    job.delivery_days = 3
    job.save()
    _history(job, took=[2, 2.5], extended=set(), newest_days_ago=3)

    assert "data-insight" not in _sales(client, job.seller)
    assert "data-insight" not in _edit(client, job.seller, job)
    assert job_delivery_insight(job) is None


def test_the_window_skips_orders_under_old_terms_between_new_ones(client, settings):
    settings.EXTENSION_INSIGHT_WINDOW = 4
    job = JobFactory(delivery_days=3)
    _history(job, took=[4, 2], extended={4}, newest_days_ago=10)  # under 3 days
    job.delivery_days = 4
    job.save()
    _history(job, took=[9, 9, 9], extended={9}, newest_days_ago=20)  # under 4 days, older
    job.delivery_days = 3
    job.save()

    insight = job_delivery_insight(job)

    # The 4-day orders in the middle, all three extended, are not part of
    # the window: under 3 days, one of two needed more time.
    assert insight is None
    _history(job, took=[4.5], extended={4.5}, newest_days_ago=1)
    assert job_delivery_insight(job) is None  # 2 of 3: below the threshold of 3
    _history(job, took=[5], extended={5}, newest_days_ago=0.5)
    insight = job_delivery_insight(job)
    assert (insight.extended, insight.window) == (3, 4)
    assert sorted(t.days for t in insight.actual) == [2, 4, 4, 5]


def test_a_raise_that_finds_no_insight_under_the_current_terms_changes_nothing(client):
    job = JobFactory(delivery_days=3)
    _history(job)
    _raise(client, job.seller, job)  # to 5
    response = _raise(client, job.seller, job, follow=True)  # a second click, or a stale page

    job.refresh_from_db()
    assert job.delivery_days == 5
    assert "already matches how long its orders take" in response.content.decode()
