"""Two new users, in two browsers: one sells, one buys, from sign-up to completion."""

import pytest
from playwright.sync_api import expect

from sales.models import Order, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_up(page, base, username, tz):
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email address").fill(f"{username}@example.com")
    page.get_by_label("Time zone").select_option(tz)
    page.locator("#id_password1").fill("a-long-unusual-pass-42")
    page.locator("#id_password2").fill("a-long-unusual-pass-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Welcome, {username}!")).to_be_visible()


def test_new_seller_and_buyer_complete_an_order(live_server, browser, screenshot):
    base = live_server.url
    seller = browser.new_context().new_page()
    buyer = browser.new_context().new_page()

    _sign_up(seller, base, "new_seller", "Asia/Tokyo")
    seller.goto(f"{base}/jobs/new/")
    seller.get_by_label("Title").fill("I will draw your cat as a superhero")
    seller.get_by_label("Category").select_option("Graphics & design")
    seller.get_by_label("Description").fill("A hand-drawn portrait.")
    seller.get_by_label("Price").fill("-3")
    seller.get_by_label("Delivery days").fill("2")
    seller.get_by_label("Questions for the buyer").fill("Your cat's name?")
    seller.get_by_role("button", name="Publish").click()
    expect(seller.get_by_text("Ensure this value is greater than or equal to 5")).to_be_visible()
    seller.get_by_label("Price").fill("35")
    seller.get_by_role("button", name="Publish").click()
    expect(seller.get_by_role("link", name="I will draw your cat as a superhero")).to_be_visible()

    _sign_up(buyer, base, "new_buyer", "America/Chicago")
    buyer.goto(f"{base}/")
    buyer.get_by_role("link", name="I will draw your cat as a superhero").click()
    buyer.get_by_role("button", name="Order for $35.00").click()
    expect(buyer.get_by_role("heading", name="Submit the requirements")).to_be_visible()
    buyer.get_by_role("button", name="Submit and start the order").click()
    expect(buyer.get_by_text("Answer this question to start the order.")).to_be_visible()
    buyer.get_by_label("Your cat's name?").fill("Captain Whiskers")
    buyer.get_by_role("button", name="Submit and start the order").click()
    expect(buyer.get_by_text("Requirements submitted: the order has started.")).to_be_visible()
    order = Order.objects.get(buyer__username="new_buyer")

    seller.goto(f"{base}/sales/")
    expect(seller.locator('[data-count="active"]')).to_have_text("1")
    seller.get_by_role("link", name=f"#{order.number}").click()
    expect(seller.get_by_text("Captain Whiskers")).to_be_visible()
    expect(seller.get_by_role("progressbar")).to_be_visible()
    seller.locator("#deliver summary").click()
    seller.get_by_label("Delivery message").fill("Here is Captain Whiskers, ready to save the day.")
    seller.get_by_role("button", name="Deliver now").click()
    expect(seller.get_by_text("Delivered. The buyer has been asked to review it.")).to_be_visible()

    buyer.reload()
    expect(buyer.get_by_text("Here is Captain Whiskers")).to_be_visible()
    buyer.get_by_text("Ask for a revision").click()
    buyer.get_by_label("What should change?").fill("Give him a red cape.")
    buyer.get_by_role("button", name="Request a revision").click()
    expect(buyer.get_by_text("Revision requested: the order is back in progress.")).to_be_visible()

    seller.reload()
    expect(seller.get_by_text("Give him a red cape.").first).to_be_visible()  # the revision leads
    seller.locator("#deliver summary").click()
    seller.get_by_label("Delivery message").fill("Red cape added.")
    seller.get_by_role("button", name="Deliver now").click()

    buyer.reload()
    expect(buyer.get_by_text("No revisions are left on this order.")).to_be_visible()
    buyer.get_by_role("button", name="Accept and complete the order").click()
    expect(buyer.get_by_text("Delivery accepted: the order is completed.")).to_be_visible()
    screenshot(buyer, "buyer-completed-order")

    order.refresh_from_db()
    assert order.state == State.COMPLETED
    seller.goto(f"{base}/sales/?tab=completed")
    expect(seller.get_by_role("link", name=f"#{order.number}")).to_be_visible()
    seller.set_viewport_size({"width": 390, "height": 844})
    seller.reload()
    expect(seller.locator(".nav-tabs .active")).to_be_in_viewport()
    screenshot(seller, "sales-completed-phone")
