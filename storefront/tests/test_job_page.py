"""The Job page: what a buyer reads before ordering, and who may see it."""

import pytest
from django.urls import reverse

from accounts.models import User
from jobs.models import Category
from testing.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(job):
    return reverse("storefront:job", args=[job.pk])


def test_the_job_page_keeps_its_address():
    assert reverse("storefront:job", args=[7]) == "/jobs/7/"


def test_the_page_shows_what_a_buyer_judges_by(client):
    seller = UserFactory(first_name="Nora", last_name="Fitzgerald")
    User.objects.filter(pk=seller.pk).update(rating_avg="4.50", rating_count=2, rating_total=9)
    job = JobFactory(
        seller=seller,
        title="I will record a voice-over",
        category=Category.MUSIC,
        description="Warm, natural English.",
        price="60.00",
        delivery_days=2,
        revisions=3,
    )
    html = client.get(_url(job)).content.decode()
    for text in (
        "I will record a voice-over",
        "Music &amp; audio",
        "Warm, natural English.",
        "$60.00",
        "2-day delivery",
        "3 revisions included",
        '<span class="person-name">Nora Fitzgerald</span>',
        "(2 reviews)",
        "Member since",
        'href="/sellers/',
        'id="reviews"',
        'class="job-cover job-cover-page job-cover-music"',
    ):
        assert text in html, text


@pytest.mark.parametrize("viewer", ["anonymous", "buyer", "staff"])
def test_a_paused_job_is_a_404_to_everyone_but_its_seller(client, viewer):
    job = JobFactory(is_paused=True)
    if viewer != "anonymous":
        client.force_login(UserFactory(is_staff=viewer == "staff"))
    response = client.get(_url(job))
    assert response.status_code == 404
    assert "This Job is not available" in response.content.decode()


def test_its_seller_sees_a_paused_job_and_can_edit_it(client):
    job = JobFactory(is_paused=True)
    client.force_login(job.seller)
    html = client.get(_url(job)).content.decode()
    assert "This Job is paused" in html and "Edit your Job" in html


def test_an_unknown_job_is_a_404(client):
    assert client.get(reverse("storefront:job", args=[999999])).status_code == 404


def test_the_job_page_reads_one_row(client, django_assert_num_queries):
    job = JobFactory()
    with django_assert_num_queries(2):  # the Job with its seller, its images
        client.get(_url(job))


def test_a_buyer_can_contact_the_seller_from_the_job_page(client):
    job = JobFactory()
    client.force_login(UserFactory())
    html = client.get(_url(job)).content.decode()
    assert "Contact the seller" in html
    assert f'action="{reverse("sales:question_ask", args=[job.pk])}"' in html
    client.force_login(job.seller)
    assert "Contact the seller" not in client.get(_url(job)).content.decode()
