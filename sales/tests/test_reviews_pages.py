"""Where reviews are read: the order page (its queries pinned), the Numbers
page's rating and its trend, the seller's review list and breakdown for
the buyer-facing pages, and support's read-only admin."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from marketplace.tests.test_page_markup import _check
from sales import review_selectors, review_services
from sales.models import State
from sales.reviews import Review
from testing.factories import JobFactory, OrderFactory
from testing.reviews import review_as_buyer, review_as_seller

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def _completed(job=None, when=None, **kwargs):
    kwargs.setdefault("state", State.COMPLETED)
    if job is not None:
        kwargs["job"] = job
    return OrderFactory(completed_at=when or timezone.now(), **kwargs)


def _review(order, stars, *, text="Good work.", seller_too=True, now=None):
    review = review_as_buyer(
        order, stars, as_described=5, would_recommend=stars >= 3, text=text, now=now
    )
    if seller_too:
        review_as_seller(order, text="Great buyer.", now=now)
    review.refresh_from_db()
    return review


# -- the order page ------------------------------------------------------------------


# The order page of a completed order: its usual queries, plus one asking
# whether the viewer may still review and one reading the order's reviews.
@pytest.mark.parametrize(
    "stage,role,queries",
    [
        ("open", "buyer", 14),
        ("open", "seller", 14),
        ("waiting", "buyer", 14),
        ("waiting", "seller", 14),
        ("published", "buyer", 14),
        ("published", "seller", 14),
        ("replied", "seller", 14),
    ],
)
def test_the_order_page_with_reviews_costs_pinned_queries(
    client, django_assert_num_queries, stage, role, queries
):
    order = _completed()
    if stage == "waiting":
        _review(order, 4, seller_too=False)
    elif stage in ("published", "replied"):
        review = _review(order, 4)
        if stage == "replied":
            review_services.review_reply(review=review, actor=order.seller, text="Thanks!")
    client.force_login(getattr(order, role))
    client.get(order.get_absolute_url())  # the first visit marks notices read
    with django_assert_num_queries(queries):
        response = client.get(order.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("stage", ["open", "waiting", "published", "replied", "closed"])
def test_the_order_page_with_reviews_has_unique_ids_and_labels(client, stage):
    order = _completed(when=timezone.now() - timedelta(days=30 if stage == "closed" else 1))
    if stage == "waiting":
        _review(order, 4, seller_too=False)
    elif stage in ("published", "replied"):
        review = _review(order, 4)
        if stage == "replied":
            review_services.review_reply(review=review, actor=order.seller, text="Thanks!")
    for user in (order.buyer, order.seller):
        client.force_login(user)
        _check(client.get(order.get_absolute_url()).content.decode(), f"{stage} as {user}")


def test_published_reviews_show_both_sides_and_the_reply(client):
    order = _completed()
    review = _review(order, 4, text="Lovely logo.")
    review_services.review_reply(review=review, actor=order.seller, text="Thank you!")
    client.force_login(order.buyer)
    html = client.get(order.get_absolute_url()).content.decode()
    assert 'data-reviews="published"' in html
    assert "Lovely logo." in html and "Great buyer." in html and "Thank you!" in html
    assert 'aria-label="4 out of 5 stars"' in html
    assert "Recommends this seller" in html


# -- the Numbers page ----------------------------------------------------------------


def test_the_rating_shown_is_the_average_of_the_published_reviews(client):
    job = JobFactory()
    seller = job.seller
    for stars in (5, 4, 4, 2):
        _review(_completed(job), stars)
    _review(_completed(job), 1, seller_too=False)  # not published: does not count
    _review(OrderFactory(state=State.COMPLETED, completed_at=timezone.now()), 1)  # another seller

    published = Review.objects.filter(subject=seller, role="buyer", published_at__isnull=False)
    stars = list(published.values_list("stars", flat=True))
    by_hand = (Decimal(sum(stars)) / len(stars)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert by_hand == Decimal("3.75")

    client.force_login(seller)
    html = client.get(reverse("sales:numbers")).content.decode()
    link = f'href="{reverse("sales:metric_detail", args=["rating"])}" data-figure="rating"'
    figure = html[html.index(link) :][:600]
    assert f"{by_hand} ★" in figure and "4 reviews" in figure

    html = client.get(reverse("sales:metric_detail", args=["rating"])).content.decode()
    assert html.count("data-stars=") == 4
    assert sorted(int(s) for s in _attr_values(html, "data-stars")) == sorted(stars)


def _attr_values(html, name):
    return [part.split('"', 2)[1] for part in html.split(f"{name}=")[1:]]


def test_no_reviews_yet_shows_a_dash(client):
    seller = JobFactory().seller
    client.force_login(seller)
    html = client.get(reverse("sales:numbers")).content.decode()
    figure = html[html.index('data-figure="rating"') :][:600]
    assert "no reviews yet" in figure


def test_the_rating_trend_per_month_links_to_its_reviews(client):
    job = JobFactory()
    seller = job.seller
    now = datetime(2030, 6, 20, 12, tzinfo=UTC)
    with time_machine.travel(now - timedelta(days=40), tick=False):  # May
        may = [_review(_completed(job), s) for s in (5, 3)]
    with time_machine.travel(now - timedelta(days=2), tick=False):  # June
        june = [_review(_completed(job), 4)]
    with time_machine.travel(now, tick=False):
        trend = review_selectors.rating_by_month(seller)
        client.force_login(seller)
        html = client.get(reverse("sales:numbers")).content.decode()
        month_page = client.get(
            reverse("sales:metric_detail", args=["rating"]), {"month": "2030-05"}
        ).content.decode()
    assert [m["month"].month for m in trend] == [1, 2, 3, 4, 5, 6]
    assert (trend[-2]["count"], trend[-2]["average"]) == (2, Decimal("4.00"))
    assert (trend[-1]["count"], trend[-1]["average"]) == (1, Decimal("4.00"))
    assert trend[0]["count"] == 0 and trend[0]["average"] is None
    assert f"{reverse('sales:metric_detail', args=['rating'])}?month=2030-05" in html
    for review in may:
        assert review.order.number in month_page
    assert june[0].order.number not in month_page


# -- the selectors the buyer-facing pages use --------------------------------------------


def test_seller_reviews_pages_newest_first_with_the_reply():
    job = JobFactory()
    seller = job.seller
    start = timezone.now() - timedelta(days=5)
    reviews = []
    for i in range(12):
        with time_machine.travel(start + timedelta(hours=i), tick=False):
            reviews.append(_review(_completed(job), 1 + i % 5, text=f"Review {i}"))
    review_services.review_reply(review=reviews[-1], actor=seller, text="Thanks a lot!")
    _review(_completed(job), 5, seller_too=False)  # hidden
    _review(OrderFactory(state=State.COMPLETED, completed_at=timezone.now()), 5)  # not theirs

    seller.refresh_from_db()  # the rating kept on the seller's row, as pages read it
    first = review_selectors.seller_reviews(seller)
    assert [r.text for r in first] == [f"Review {i}" for i in range(11, 1, -1)]
    assert first[0].reply == "Thanks a lot!"
    second = review_selectors.seller_reviews(seller, page=2)
    assert [r.text for r in second] == ["Review 1", "Review 0"]
    assert not second.has_next()


def test_seller_reviews_costs_one_query_and_renders_alone(django_assert_num_queries):
    job = JobFactory()
    for stars in (5, 4, 3):
        _review(_completed(job), stars)
    review = Review.objects.filter(subject=job.seller, role="buyer").first()
    review_services.review_reply(review=review, actor=job.seller, text="Glad it helped.")
    job.seller.refresh_from_db()
    with django_assert_num_queries(1):  # the page: the seller's row counts them
        page = review_selectors.seller_reviews(job.seller)
        html = render_to_string("sales/_review_list.html", {"reviews": page})
    assert html.count("data-review=") == 3
    assert job.seller.display_name in html and "Glad it helped." in html
    assert "<time" in html and 'aria-label="5 out of 5 stars"' in html


def test_the_partial_says_when_there_are_no_reviews():
    page = review_selectors.seller_reviews(JobFactory().seller)
    assert "No reviews yet." in render_to_string("sales/_review_list.html", {"reviews": page})


def test_the_rating_breakdown_counts_each_star():
    job = JobFactory()
    for stars in (5, 5, 4, 1):
        _review(_completed(job), stars)
    _review(_completed(job), 3, seller_too=False)  # hidden
    job.seller.refresh_from_db()
    assert review_selectors.seller_rating_breakdown(job.seller) == {5: 2, 4: 1, 3: 0, 2: 0, 1: 1}


# -- support ----------------------------------------------------------------------------


def test_support_reads_reviews_and_cannot_change_them(client, support):
    order = _completed()
    review = _review(order, 4, text="Solid work.")
    client.force_login(support)
    listing = client.get(reverse("admin:sales_review_changelist"))
    assert listing.status_code == 200
    page = client.get(reverse("admin:sales_review_change", args=[review.pk]))
    assert page.status_code == 200 and "Solid work." in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    client.post(reverse("admin:sales_review_change", args=[review.pk]), {"stars": 1})
    assert Review.objects.get(pk=review.pk).stars == 4
    assert client.get(reverse("admin:sales_review_delete", args=[review.pk])).status_code == 403


def test_the_rating_list_pages_within_its_month(client):
    job = JobFactory()
    when = datetime(2030, 5, 10, 12, tzinfo=UTC)
    with time_machine.travel(when, tick=False):
        for _ in range(51):
            _review(_completed(job), 5)
    with time_machine.travel(when + timedelta(days=2), tick=False):
        client.force_login(job.seller)
        url = reverse("sales:metric_detail", args=["rating"])
        html = client.get(url, {"month": "2030-05"}).content.decode()
        assert html.count("data-stars=") == 50
        assert 'href="?month=2030-05&amp;page=2"' in html
        html = client.get(url, {"month": "2030-05", "page": "2"}).content.decode()
        assert html.count("data-stars=") == 1
        assert "No published reviews yet." in client.get(url, {"month": "2030-04"}).content.decode()
        # A month that isn't one lists them all.
        assert client.get(url, {"month": "May"}).content.decode().count("data-stars=") == 50


def test_seller_reviews_of_one_job():
    job = JobFactory()
    other_job = JobFactory(seller=job.seller)
    _review(_completed(job), 5, text="About the first Job.")
    _review(_completed(other_job), 3, text="About the other Job.")
    page = review_selectors.seller_reviews(job.seller, job=job)
    assert [r.text for r in page] == ["About the first Job."]
    job.seller.refresh_from_db()
    assert len(review_selectors.seller_reviews(job.seller)) == 2
