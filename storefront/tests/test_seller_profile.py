"""A seller's public profile, and the Job page's seller card that links it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from sales.metrics import seller_figures
from storefront.selectors import seller_response_time
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lena():
    return UserFactory(
        username="lena.design",
        first_name="Lena",
        last_name="Vogel",
        timezone="Asia/Tokyo",
        bio="Brand identities for small shops.",
        languages="German, English",
    )


def _profile(client, user):
    return client.get(reverse("storefront:seller", args=[user.username]))


def test_the_profile_shows_who_the_seller_is(client, lena):
    JobFactory(seller=lena, title="I will design your shop sign")
    User.objects.filter(pk=lena.pk).update(rating_avg="4.75", rating_count=8, rating_total=38)
    html = _profile(client, lena).content.decode()
    assert '<h1 class="h4 mb-1" id="seller-name">Lena Vogel</h1>' in html
    assert ">LV</span>" in html
    assert "Brand identities for small shops." in html
    assert "German, English" in html
    assert "Asia/Tokyo" in html
    local = timezone.localtime(timezone.now(), lena.zoneinfo)
    assert f"{local:%H}:" in html
    assert "Member since" in html
    assert "I will design your shop sign" in html
    assert "<strong>4.8</strong>" in html and "(8 reviews)" in html


def test_the_profile_shows_the_numbers_pages_response_time(client, lena):
    job = JobFactory(seller=lena)
    now = timezone.now()
    OrderFactory(job=job, created_at=now - timedelta(hours=5), seller_first_message_at=now)
    html = _profile(client, lena).content.decode()
    assert "Average first response</dt><dd>5 h</dd>" in html


def test_a_seller_not_yet_answering_says_so(client, lena):
    JobFactory(seller=lena)
    assert "No orders answered yet" in _profile(client, lena).content.decode()


def test_paused_jobs_are_not_on_the_profile(client, lena):
    JobFactory(seller=lena, title="Live one")
    JobFactory(seller=lena, title="Paused one", is_paused=True)
    html = _profile(client, lena).content.decode()
    assert "Live one" in html and "Paused one" not in html


def test_a_seller_with_every_job_paused_still_has_a_profile(client, lena):
    JobFactory(seller=lena, is_paused=True)
    response = _profile(client, lena)
    assert response.status_code == 200
    assert "no Jobs open for orders right now" in response.content.decode()


def test_an_unknown_username_is_a_404(client):
    assert client.get(reverse("storefront:seller", args=["nobody"])).status_code == 404


def test_a_buyer_who_sells_nothing_has_no_profile(client):
    buyer = UserFactory()
    assert _profile(client, buyer).status_code == 404


def test_an_inactive_seller_has_no_profile(client, lena):
    JobFactory(seller=lena)
    User.objects.filter(pk=lena.pk).update(is_active=False)
    assert _profile(client, lena).status_code == 404


@pytest.mark.parametrize("viewer", ["anonymous", "buyer", "seller", "staff"])
def test_everyone_sees_the_same_profile(client, lena, viewer):
    JobFactory(seller=lena, title="Live one")
    if viewer == "seller":
        client.force_login(lena)
    elif viewer != "anonymous":
        client.force_login(UserFactory(is_staff=viewer == "staff"))
    html = _profile(client, lena).content.decode()
    assert "Live one" in html
    assert ("Edit what your profile says" in html) == (viewer == "seller")


def test_the_job_page_has_the_seller_card_and_a_reviews_section(client, lena):
    job = JobFactory(seller=lena)
    html = client.get(job.get_absolute_url()).content.decode()
    assert 'href="/sellers/lena.design/"' in html
    assert "Member since" in html
    assert 'id="reviews"' in html and "No reviews yet" in html
    assert "revision" in html and "3-day delivery" in html


def test_the_profile_query_count_does_not_grow_with_jobs(client, lena, django_assert_num_queries):
    JobFactory(seller=lena)
    # The seller, has Jobs, their figures, the live Jobs, their images.
    with django_assert_num_queries(5):
        _profile(client, lena)
    for _ in range(20):
        JobFactory(seller=lena)
    with django_assert_num_queries(5):
        _profile(client, lena)


def test_the_response_time_is_the_numbers_pages_figure(lena):
    job = JobFactory(seller=lena)
    now = timezone.now()
    for hours, answered in ((3, True), (30, True), (50, False), (24 * 90, True)):
        OrderFactory(
            job=job,
            created_at=now - timedelta(hours=hours),
            seller_first_message_at=now - timedelta(hours=hours / 2) if answered else None,
        )
    figures = {f.rule.key: f.value for f in seller_figures(lena, now)}
    assert seller_response_time(lena, now) == figures["response_time"] != "-"
