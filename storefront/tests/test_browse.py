"""Browse, the home page: search, category, sorts, and pages that reach
every live Job once."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from jobs.models import Category, Job
from storefront import selectors
from testing.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db

JOB_LINK = re.compile(r'href="/jobs/(\d+)/"')


def _ids(response):
    return [int(pk) for pk in JOB_LINK.findall(response.content.decode())]


def _next(response):
    found = re.search(r'href="(\?[^"]*)" rel="next"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client, params, size):
    """Every Job the pages show, following Next from the first page."""
    seen, url, pages = [], reverse("home"), 0
    response = client.get(url, params, follow=True)
    while True:
        pages += 1
        assert response.status_code == 200
        assert len(_ids(response)) <= size
        seen += _ids(response)
        following = _next(response)
        if following is None:
            return seen, pages
        response = client.get(url + following)


@pytest.fixture
def page_size(monkeypatch):
    def set_size(n):
        # The default argument is read when the function is defined.
        original = selectors.browse_page

        def small(query, viewer=None, size=n):
            return original(query, viewer, size)

        monkeypatch.setattr(selectors, "browse_page", small)

    return set_size


def _rate(user, avg, count):
    User.objects.filter(pk=user.pk).update(
        rating_avg=Decimal(avg) if avg is not None else None,
        rating_count=count,
        rating_total=round(Decimal(avg or 0) * count),
    )


def test_home_lists_live_jobs_with_what_a_buyer_judges_by(client):
    seller = UserFactory(first_name="Lena", last_name="Vogel")
    _rate(seller, "4.86", 12)
    JobFactory(
        seller=seller,
        title="I will design a modern logo",
        category=Category.DESIGN,
        price=Decimal("45.00"),
        delivery_days=3,
    )
    html = client.get(reverse("home")).content.decode()
    assert "I will design a modern logo" in html
    assert '<span class="person-name">Lena Vogel</span>' in html
    assert ">LV</span>" in html  # the initials avatar
    assert "<strong>4.9</strong>" in html and "(12" in html
    assert "From <strong>$45.00</strong>" in html
    assert "3-day delivery" in html
    assert "Graphics &amp; design" in html
    assert 'class="job-cover job-cover-card job-cover-design"' in html


def test_a_seller_with_no_reviews_is_new(client):
    JobFactory()
    assert "New seller" in client.get(reverse("home")).content.decode()


def test_paused_and_own_jobs_are_not_listed(client):
    me = UserFactory()
    mine = JobFactory(seller=me)
    paused = JobFactory(is_paused=True)
    live = JobFactory()
    client.force_login(me)
    assert _ids(client.get(reverse("home"))) == [live.pk]
    client.logout()
    assert sorted(_ids(client.get(reverse("home")))) == [mine.pk, live.pk]
    assert paused.pk not in _ids(client.get(reverse("home"), {"q": paused.title}))


def test_search_finds_words_in_the_title_and_in_the_description(client):
    logo = JobFactory(title="I will design a minimalist logo", description="Vector files.")
    podcast = JobFactory(title="I will edit audio", description="Your podcast, cleaned up.")
    JobFactory(title="I will write a blog post", description="SEO articles.")
    assert _ids(client.get(reverse("home"), {"q": "logo"})) == [logo.pk]
    assert _ids(client.get(reverse("home"), {"q": "podcast"})) == [podcast.pk]
    assert _ids(client.get(reverse("home"), {"q": "minimalist logo"})) == [logo.pk]


def test_a_search_for_nonsense_finds_nothing_and_says_what_to_do(client):
    JobFactory(title="I will design a logo", category=Category.DESIGN)
    response = client.get(reverse("home"), {"q": "qwzxv", "category": "design"})
    html = response.content.decode()
    assert _ids(response) == []
    assert "No Jobs match “qwzxv” in Graphics &amp; design." in html
    assert "Check the spelling" in html
    assert 'href="?q=qwzxv">Search “qwzxv” in all categories' in html
    assert "See every Job" in html


def test_the_category_filter_shows_that_category_only(client):
    design = JobFactory(category=Category.DESIGN)
    JobFactory(category=Category.MUSIC)
    response = client.get(reverse("home"), {"category": "design"})
    assert _ids(response) == [design.pk]
    assert '<option value="design" selected>' in response.content.decode()


def _jobs_for_sorting():
    now = timezone.now()
    sellers = [UserFactory() for _ in range(3)]
    _rate(sellers[0], "4.20", 5)
    _rate(sellers[1], "4.90", 30)
    _rate(sellers[2], None, 0)
    specs = [  # seller, price, days, age in days
        (0, "30", 5, 4),
        (1, "100", 1, 2),
        (2, "10", 14, 1),
        (0, "30", 3, 3),
        (1, "10", 5, 5),
    ]
    jobs = []
    for seller, price, days, age in specs:
        job = JobFactory(seller=sellers[seller], price=Decimal(price), delivery_days=days)
        Job.objects.filter(pk=job.pk).update(created_at=now - timedelta(days=age))
        jobs.append(Job.objects.select_related("seller").get(pk=job.pk))
    return jobs


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("newest", lambda j: (-j.created_at.timestamp(), -j.pk)),
        ("rating", lambda j: (-(j.seller.rating_avg or 0), -j.seller_id, -j.pk)),
        ("price", lambda j: (j.price, j.pk)),
        ("delivery", lambda j: (j.delivery_days, j.pk)),
    ],
)
def test_each_sort_orders_the_jobs(client, sort, key):
    jobs = _jobs_for_sorting()
    expected = [j.pk for j in sorted(jobs, key=key)]
    response = client.get(reverse("home"), {"sort": sort}, follow=True)
    assert _ids(response) == expected
    assert f'<option value="{sort}" selected>' in response.content.decode()


def test_best_rated_puts_new_sellers_last(client):
    jobs = _jobs_for_sorting()
    ids = _ids(client.get(reverse("home"), {"sort": "rating"}))
    assert ids[0] == jobs[1].pk or ids[0] == jobs[4].pk  # the 4.9 seller's
    assert ids[-1] == jobs[2].pk  # the seller with no reviews


@pytest.fixture
def many_jobs():
    """37 Jobs with ties on every sort key: two prices, two delivery times,
    three sellers (two with the same rating), a handful of creation times."""
    now = timezone.now()
    sellers = [UserFactory() for _ in range(3)]
    _rate(sellers[0], "4.50", 3)
    _rate(sellers[1], "4.50", 9)
    jobs = []
    for i in range(37):
        job = JobFactory(
            seller=sellers[i % 3],
            price=Decimal("20") if i % 2 else Decimal("40"),
            delivery_days=3 if i % 3 else 7,
            category=Category.DESIGN if i % 4 else Category.WRITING,
        )
        Job.objects.filter(pk=job.pk).update(created_at=now - timedelta(hours=i % 5))
        jobs.append(job)
    JobFactory(is_paused=True)
    return jobs


@pytest.mark.parametrize("sort", list(selectors.SORTS))
@pytest.mark.parametrize("size", [1, 5, 36, 37])
def test_the_pages_reach_every_job_once(client, many_jobs, page_size, sort, size):
    page_size(size)
    seen, pages = _walk(client, {"sort": sort}, size)
    assert sorted(seen) == sorted(j.pk for j in many_jobs)
    assert len(seen) == len(set(seen))
    assert pages == -(-37 // size)


def test_the_pages_of_a_category_reach_its_every_job(client, many_jobs, page_size):
    page_size(4)
    seen, _ = _walk(client, {"category": "writing", "sort": "price"}, 4)
    writing = [j.pk for j in many_jobs if j.category == Category.WRITING]
    assert sorted(seen) == sorted(writing) and len(seen) == len(set(seen))


def test_previous_goes_back_to_the_same_page(client, many_jobs, page_size):
    page_size(5)
    first = client.get(reverse("home"), {"sort": "price"})
    second = client.get(reverse("home") + _next(first))
    html = second.content.decode()
    previous = re.search(r'href="(\?[^"]*)" rel="prev"', html).group(1).replace("&amp;", "&")
    assert _ids(client.get(reverse("home") + previous)) == _ids(first)


def test_the_address_holds_each_parameter_once(client, many_jobs, page_size):
    page_size(5)
    first = client.get(reverse("home"), {"q": "work", "category": "design", "sort": "price"})
    assert first.status_code == 200
    following = _next(first)
    assert following.startswith("?q=work&category=design&sort=price&after=")
    second = client.get(reverse("home") + following)
    assert _next(second).count("after=") == 1
    # Reload shows the same page.
    assert _ids(client.get(reverse("home") + following)) == _ids(second)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "cheapest"},
        {"sort": ""},
        {"category": "gardening"},
        {"category": ["design", "music"]},
        {"after": "garbage"},
        {"after": "%%%"},
        {"before": "bm90LWEtY3Vyc29y"},  # base64 of something that is not a key
        {"after": "MjAyNi0wMS0wMX4x"},  # a newest cursor given to another sort
        {"after": "TmFOfjE", "sort": "price"},  # NaN~1
        {"after": "MUUrOTk5OTk5OTk5fjE", "sort": "price"},  # 1E+999999999~1
        {"after": "MUUtOTk5OTk5OTk5fjE", "sort": "price"},  # 1E-999999999~1
        {"after": "x" * 5000},
        {"q": "x" * 5000},
        {"q": "\x00"},
        {"q": "'\"&|!():*<>"},
        {"page": "-1"},
    ],
)
def test_bad_parameters_get_the_default_view(client, many_jobs, params):
    if params == {"after": "MjAyNi0wMS0wMX4x"}:
        params = {"after": "MjAyNi0wMS0wMX4x", "sort": "price"}
    response = client.get(reverse("home"), params, follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) <= 1


def test_an_unknown_sort_falls_back_to_newest(client, many_jobs):
    default = _ids(client.get(reverse("home")))
    for params in ({"sort": "cheapest"}, {"category": "gardening"}):
        response = client.get(reverse("home"), params, follow=True)
        assert response.redirect_chain == [("/", 302)]
        assert _ids(response) == default


def test_the_form_s_empty_fields_leave_the_address(client, many_jobs):
    response = client.get(reverse("home"), {"q": "work", "category": "", "sort": "newest"})
    assert response.status_code == 302 and response["Location"] == "/?q=work"


def test_a_cursor_past_the_end_says_so(client, many_jobs):
    last = max(many_jobs, key=lambda j: (j.price, j.pk))
    query = selectors.BrowseQuery(sort="price")
    after = selectors._encode(Job.objects.get(pk=last.pk), selectors.SORTS["price"])
    html = client.get(reverse("home") + query.url(after=after)).content.decode()
    assert "No more Jobs here." in html and "Back to the first page" in html


def test_the_page_works_without_javascript(client):
    html = client.get(reverse("home")).content.decode()
    assert 'method="get" action="/"' in html
    for name in ("q", "category", "sort"):
        assert f'name="{name}"' in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_the_jobs(
    client, django_assert_num_queries, signed_in, page_size
):
    page_size(60)
    if signed_in:
        client.force_login(UserFactory())
    # The Jobs, then their images; signed in, the session, the viewer and
    # their unread notices first.
    expected = 5 if signed_in else 2

    for _ in range(5):
        JobFactory(seller=UserFactory())
    for params in ({}, {"sort": "rating"}, {"q": "work", "category": "other"}):
        with django_assert_num_queries(expected):
            client.get(reverse("home"), params)
    for _ in range(45):
        JobFactory(seller=UserFactory())
    for params in ({}, {"sort": "rating"}, {"q": "work", "category": "other"}):
        with django_assert_num_queries(expected):
            client.get(reverse("home"), params)


def _previous(response):
    found = re.search(r'href="(\?[^"]*)" rel="prev"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_previous_walks_back_over_every_job_once(client, many_jobs, page_size, sort):
    page_size(4)
    response = client.get(reverse("home"), {"sort": sort}, follow=True)
    forward = []
    while True:  # to the last page
        forward.append(_ids(response))
        following = _next(response)
        if following is None:
            break
        response = client.get(reverse("home") + following)
    backward = [_ids(response)]
    while (previous := _previous(response)) is not None:
        response = client.get(reverse("home") + previous)
        backward.append(_ids(response))
    assert backward == forward[::-1]
