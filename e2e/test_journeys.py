"""The journeys of the issue: the seller's day, the buyer, and support."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.helpers import log_in, log_in_admin, send_update_with_png
from sales import request_services as resolution
from sales import services
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.uploads import PNG_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sellers_day(live_server, browser, screenshot):
    seller = UserFactory(username="sasha_sells")
    job = JobFactory(seller=seller, title="I will illustrate your children's book")
    now = timezone.now()
    new_order = OrderFactory(
        job=job,
        state=State.ACTIVE,
        started_at=now - timedelta(hours=1),
        buyer=UserFactory(username="nina_new"),
    )
    due_soon = OrderFactory(
        job=job,
        state=State.ACTIVE,
        started_at=now - timedelta(days=2),
        due_at=now + timedelta(hours=5),
        seller_first_message_at=now,
    )
    OrderFactory(
        job=job,
        state=State.ACTIVE,
        started_at=now - timedelta(days=4),
        due_at=now - timedelta(hours=3),
        seller_first_message_at=now,
    )
    OrderFactory(job=job, state=State.PENDING)
    OrderFactory(job=job, state=State.COMPLETED, completed_at=now - timedelta(days=1))

    page = log_in(browser, live_server.url, seller)
    page.goto(f"{live_server.url}/sales/")
    expect(page.locator('[data-count="active"]')).to_have_text("3")
    expect(page.locator('[data-count="pending"]')).to_have_text("1")
    expect(page.locator('[data-count="completed"]')).to_have_text("1")
    expect(page.locator('[data-priority="late"]')).to_have_text("1")
    expect(page.locator('[data-priority="due_soon"]')).to_have_text("1")
    expect(page.locator(f'[data-order="{new_order.number}"] [data-reason="new"]')).to_be_visible()
    screenshot(page, "journey-seller-sales-page")
    page.get_by_role("link", name="Numbers", exact=True).click()
    expect(page.locator('[data-figure="earnings"]')).to_contain_text("$50.00")
    page.go_back()

    # Open the new order and reach out.
    page.get_by_role("link", name=f"#{new_order.number}").click()
    expect(page).to_have_url(re.compile(new_order.number))
    expect(page.get_by_text("Reach out:")).to_be_visible()
    page.get_by_label("Message*", exact=True).fill("Hi Nina! I have all I need and I'm starting.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Message sent.")).to_be_visible()

    # A progress update with a draft, with its upload progress.
    send_update_with_png(page, "Here is the first sketch.", "sketch.png")

    # Deliver: the header's next step opens the delivery form.
    page.get_by_role("link", name="Deliver your work").click()
    page.get_by_label("Delivery message*").fill("The finished illustrations.")
    page.locator("form[action$='/deliver/'] input[type=file]").set_input_files(
        [{"name": "final.png", "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    page.get_by_role("button", name="Deliver now").click()
    expect(page.get_by_text("Delivered. The buyer has been asked to review it.")).to_be_visible()
    expect(page.locator("[data-message=delivery]")).to_contain_text("final.png")

    # Ask for more time on the order due soon.
    page.goto(f"{live_server.url}{due_soon.get_absolute_url()}")
    page.get_by_text("Ask the buyer for more time").click()
    page.get_by_label("More days*").fill("3")
    page.get_by_label("Why do you need more time?*").fill("The colours need another pass.")
    page.get_by_role("button", name="Send the extension request").click()
    expect(page.get_by_text("Extension request sent")).to_be_visible()
    screenshot(page, "journey-seller-extension-requested")


def test_the_buyer(live_server, browser, screenshot):
    seller = UserFactory(username="otto_seller")
    job = JobFactory(
        seller=seller,
        title="I will record a voice-over",
        revisions=1,
        questions="What is the script?",
    )
    buyer = UserFactory(username="bob_buys")
    page = log_in(browser, live_server.url, buyer)

    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.get_by_role("button", name="Order for $50.00").click()
    page.get_by_label("What is the script?").fill("Welcome to our podcast!")
    page.get_by_role("button", name="Submit and start the order").click()
    expect(page.get_by_text("Requirements submitted: the order has started.")).to_be_visible()
    order = buyer.purchases.get()

    request = resolution.extension_request_create(
        order=order, actor=seller, days=2, reason="The studio is booked."
    )
    page.reload()
    page.get_by_role("button", name="Approve 2 more days").click()
    expect(page.get_by_text("Approved: the due date moved.")).to_be_visible()
    request.refresh_from_db()
    assert request.state == "approved"

    services.order_deliver(order=order, actor=seller, message="Take one.")
    page.reload()
    expect(page.get_by_text("Take one.")).to_be_visible()
    page.get_by_text("Ask for a revision").click()
    page.get_by_label("What should change?").fill("A little slower, please.")
    page.get_by_role("button", name="Request a revision").click()
    expect(page.get_by_text("Revision requested: the order is back in progress.")).to_be_visible()

    services.order_deliver(order=order, actor=seller, message="Take two, slower.")
    page.reload()
    page.get_by_role("button", name="Accept and complete the order").click()
    expect(page.get_by_text("Delivery accepted: the order is completed.")).to_be_visible()
    expect(page.locator(".badge", has_text="Completed")).to_be_visible()
    screenshot(page, "journey-buyer-accepted")


def test_support_cancels_and_both_sides_see_it(live_server, browser, screenshot):
    order = OrderFactory(state=State.ACTIVE)
    staff = UserFactory(username="stella_support", is_staff=True, is_superuser=True)
    admin = log_in_admin(browser, live_server.url, staff)

    admin.goto(f"{live_server.url}/admin/sales/order/?q={order.number}")
    admin.get_by_role("link", name=order.number).click()
    admin.get_by_role("link", name="Cancel order").click()
    admin.get_by_label("Reason").fill("   ")
    admin.get_by_role("button", name="Cancel order").click()
    expect(admin.get_by_text("Give a reason for the cancellation.")).to_be_visible()
    admin.get_by_label("Reason").fill("The buyer's card was reported stolen.")
    admin.get_by_role("button", name="Cancel order").click()
    expect(admin.get_by_text(f"Order #{order.number} was canceled.")).to_be_visible()
    screenshot(admin, "journey-support-admin")

    for user in (order.buyer, order.seller):
        page = log_in(browser, live_server.url, user)
        page.goto(f"{live_server.url}{order.get_absolute_url()}")
        event = page.locator("[data-event=canceled]")
        expect(event).to_contain_text("Customer Support")
        expect(event).to_contain_text("The buyer's card was reported stolen.")
    screenshot(page, "journey-support-cancel-seen-by-seller")
