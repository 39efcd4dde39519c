"""The Job page and the seller's profile show the seller's rating, how many
reviews gave each number of stars, and the published reviews behind it:
never one still hidden, never the seller's review of a buyer."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.reviews import review_as_buyer, review_as_seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return JobFactory(seller=UserFactory(username="rev.seller", first_name="Rita"))


def _review(job, stars, text, *, publish=True):
    order = OrderFactory(
        job=job, state=State.COMPLETED, completed_at=timezone.now() - timedelta(days=1)
    )
    review_as_buyer(order, stars, as_described=4, text=text)
    if publish:
        review_as_seller(order, text="Kind buyer.")
    return order


def _pages(client, job):
    yield client.get(reverse("storefront:job", args=[job.pk])).content.decode()
    yield client.get(reverse("storefront:seller", args=[job.seller.username])).content.decode()


def test_the_rating_is_the_average_of_the_published_reviews(client, job):
    for stars, text in ((5, "Superb logo."), (4, "Good, a day late."), (2, "Not what I asked.")):
        _review(job, stars, text)
    _review(job, 1, "Still hidden.", publish=False)
    by_hand = round((5 + 4 + 2) / 3, 1)  # 3.7

    for html in _pages(client, job):
        assert f"<strong>{by_hand}</strong>" in html
        assert "(3 reviews)" in html
        assert [int(n) for n in _breakdown(html)] == [1, 1, 0, 1, 0]  # 5 stars down to 1
        assert "Superb logo." in html and "Not what I asked." in html
        assert "Still hidden." not in html
        assert "Kind buyer." not in html  # the seller's review of a buyer is not theirs


def _breakdown(html):
    return re.findall(r'data-stars="\d">(\d+)<', html)


def test_a_seller_without_reviews_says_so(client, job):
    for html in _pages(client, job):
        assert "No reviews yet." in html
        assert "rating-breakdown" not in html


def test_the_reviews_page_through(client, job, settings):
    for i in range(12):
        _review(job, 5, f"Review number {i}.")
    html = client.get(reverse("storefront:job", args=[job.pk])).content.decode()
    assert "Review number 11." in html and "Review number 0." not in html
    assert "?page=2" in html
    html = client.get(reverse("storefront:job", args=[job.pk]), {"page": "2"}).content.decode()
    assert "Review number 0." in html
    # A bad page number gives the nearest page, never an error.
    assert client.get(reverse("storefront:job", args=[job.pk]), {"page": "x"}).status_code == 200


def test_the_job_page_with_reviews_costs_the_same_at_two_sizes(
    client, job, django_assert_num_queries
):
    _review(job, 4, "Fine.")
    # The Job and its seller (with the rating's count and breakdown), its
    # images, a page of the reviews.
    with django_assert_num_queries(3):
        client.get(reverse("storefront:job", args=[job.pk]))
    for _ in range(8):
        _review(job, 5, "More.")
    with django_assert_num_queries(3):
        client.get(reverse("storefront:job", args=[job.pk]))
