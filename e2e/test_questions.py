"""A question before ordering, in the browser: the buyer asks from the
form's page with a file, the seller sees the waiting line on the Sales
page, follows it and answers; the line is gone."""

import pytest
from playwright.sync_api import expect

from e2e.helpers import log_in
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.uploads import PNG_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_asks_and_the_seller_answers_from_the_sales_page(live_server, browser):
    job = JobFactory(seller=UserFactory(first_name="Nina", last_name="Park"))
    OrderFactory(seller=job.seller, job=job)  # the Sales page has a row
    buyer = UserFactory(first_name="Omar", last_name="Diaz")

    page = log_in(browser, live_server.url, buyer)
    page.goto(f"{live_server.url}/questions/ask/{job.pk}/")
    page.get_by_label("Your message").fill("Can you start this week?")
    page.locator("#contact-seller input[type=file]").set_input_files(
        [{"name": "sketch.png", "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".message")).to_contain_text("Can you start this week?")
    expect(page.locator(".message")).to_contain_text("sketch.png")

    seller = log_in(browser, live_server.url, job.seller, viewport={"width": 390, "height": 844})
    seller.goto(f"{live_server.url}/sales/")
    line = seller.locator("[data-questions-waiting]")
    expect(line).to_have_text("1 question from buyers waiting for your answer")
    expect(seller.locator("tr.order-row").first).to_be_in_viewport()
    line.get_by_role("link").click()
    seller.get_by_role("link", name=job.title).first.click()
    seller.get_by_label("Your message").fill("Yes, from Wednesday.")
    seller.get_by_role("button", name="Send", exact=True).click()
    expect(seller.locator(".message").last).to_contain_text("Yes, from Wednesday.")
    seller.goto(f"{live_server.url}/sales/")
    expect(seller.locator("[data-questions-waiting]")).to_have_count(0)
