"""A buyer finds a Job: searches, narrows to a category, opens a Job and
looks at the seller's profile, on a laptop and on a phone."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from jobs.models import Category
from testing.factories import JobFactory, UserFactory

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_buyer_searches_filters_opens_a_job_and_meets_the_seller(
    live_server, browser, screenshot, width, height
):
    lena = UserFactory(
        username="lena.design",
        first_name="Lena",
        last_name="Vogel",
        timezone="Europe/Vienna",
        bio="Illustrator in Vienna: packaging, book covers and mascots.",
        languages="German, English",
    )
    get_user_model().objects.filter(pk=lena.pk).update(
        rating_avg="4.80", rating_count=25, rating_total=120
    )
    JobFactory(
        seller=lena,
        title="I will design a playful mascot logo",
        category=Category.DESIGN,
        description="A character your customers remember.",
        price="85.00",
        delivery_days=5,
    )
    JobFactory(seller=lena, title="I will draw a book cover", category=Category.DESIGN)
    JobFactory(title="I will write a logo story for your blog", category=Category.WRITING)
    JobFactory(title="I will edit your podcast", category=Category.MUSIC)
    buyer = UserFactory()
    page = log_in(browser, live_server.url, buyer, viewport={"width": width, "height": height})

    page.goto(f"{live_server.url}/")
    page.get_by_label("Search Jobs").fill("logo")
    page.get_by_role("button", name="Show Jobs").click()
    results = page.locator("#browse-results article")
    expect(results).to_have_count(2)
    expect(page).to_have_url(f"{live_server.url}/?q=logo")

    page.get_by_label("Category").select_option("design")
    page.get_by_role("button", name="Show Jobs").click()
    expect(results).to_have_count(1)
    expect(page).to_have_url(f"{live_server.url}/?q=logo&category=design")
    screenshot(page, f"storefront-browse-{width}")

    page.go_back()
    expect(results).to_have_count(2)
    page.go_forward()
    expect(results).to_have_count(1)

    page.get_by_role("link", name="I will design a playful mascot logo").click()
    expect(page.get_by_role("heading", name="I will design a playful mascot logo")).to_be_visible()
    expect(page.get_by_role("button", name="Order for $85.00")).to_be_visible()
    expect(page.locator("#reviews")).to_contain_text("25 reviews")
    screenshot(page, f"storefront-job-{width}")

    page.get_by_role("link", name="See Lena Vogel's profile").click()
    expect(page.get_by_role("heading", name="Lena Vogel", exact=True)).to_be_visible()
    expect(page.get_by_text("German, English")).to_be_visible()
    expect(page.get_by_text("Europe/Vienna", exact=False)).to_be_visible()
    expect(page.locator("article")).to_have_count(2)
    screenshot(page, f"storefront-seller-{width}")
