"""Reviews in the browser: both sides review a completed order, neither
sees the other's first, the seller replies; the pages pass axe, and the
review form works with JavaScript off and at phone width."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sales.models import State
from testing.factories import OrderFactory, UserFactory

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _completed_order():
    buyer = UserFactory(first_name="Ann", last_name="Buyer")
    order = OrderFactory(state=State.COMPLETED, completed_at=timezone.now(), buyer=buyer)
    order.seller.first_name, order.seller.last_name = "Sam", "Seller"
    order.seller.save()
    return order


def test_both_sides_review_and_the_seller_replies(
    live_server, browser, screenshot, assert_accessible
):
    order = _completed_order()
    base = live_server.url
    buyer = log_in(browser, base, order.buyer)
    seller = log_in(browser, base, order.seller)
    url = f"{base}{order.get_absolute_url()}"

    buyer.goto(url)
    buyer.get_by_role("link", name="Leave a review").click()
    form = buyer.locator("#review-form")
    form.get_by_role("button", name="Send my review").click()
    expect(buyer.get_by_text("Rate the order overall from 1 to 5 stars.")).to_be_visible()
    form = buyer.locator("#review-form")
    form.get_by_role("group", name="Overall").get_by_label("4 stars").check()
    form.get_by_role("group", name="Communication").get_by_label("5 stars").check()
    form.get_by_role("group", name="As described").get_by_label("4 stars").check()
    form.get_by_role("group", name="Would you recommend this seller?").get_by_label("Yes").check()
    form.get_by_label("Your review").fill("Lovely work, exactly the brief.")
    assert_accessible(buyer, "review form")
    screenshot(buyer, "review-form")
    form.get_by_role("button", name="Send my review").click()
    expect(buyer.get_by_text("your review is saved")).to_be_visible()
    expect(buyer.get_by_text("Waiting for the other side").first).to_be_visible()

    seller.goto(url)
    expect(seller.get_by_text("Lovely work, exactly the brief.")).to_have_count(0)
    expect(seller.get_by_text("they have written theirs")).to_be_visible()
    form = seller.locator("#review-form")
    form.get_by_role("group", name="Overall").get_by_label("5 stars").check()
    form.get_by_label("Your review of the buyer").fill("Clear brief, quick answers.")
    form.get_by_role("button", name="Send my review").click()
    expect(seller.get_by_text("Lovely work, exactly the brief.")).to_be_visible()

    seller.locator("#reviews summary").click()
    seller.get_by_label("Your public reply").fill("Thank you, Ann!")
    seller.get_by_role("button", name="Publish my reply").click()
    expect(seller.get_by_text("Your reply is published under the review.")).to_be_visible()

    buyer.reload()
    reviews = buyer.locator("#reviews")
    expect(reviews.get_by_text("Clear brief, quick answers.")).to_be_visible()
    expect(reviews.get_by_text("Thank you, Ann!")).to_be_visible()
    assert_accessible(buyer, "published reviews")
    screenshot(buyer, "reviews-published")

    seller.goto(f"{base}/sales/numbers/")
    expect(seller.locator('[data-figure="rating"]')).to_contain_text("4.00 ★")
    assert_accessible(seller, "numbers with a rating")


def test_the_review_form_works_without_javascript_at_phone_width(live_server, browser):
    order = _completed_order()
    page = log_in(
        browser,
        live_server.url,
        order.seller,
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
    )
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    form = page.locator("#review-form")
    form.get_by_role("group", name="Overall").get_by_label("3 stars").check()
    form.get_by_label("Your review of the buyer").fill("Fine.")
    form.get_by_role("button", name="Send my review").click()
    expect(page.get_by_text("your review is saved")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
