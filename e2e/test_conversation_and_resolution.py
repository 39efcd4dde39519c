"""The conversation and the Resolution Center, as buyer, seller and support."""

import re

import pytest
from playwright.sync_api import expect

from e2e.helpers import log_in, log_in_admin, send_update_with_png
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_seller_reaches_out_shares_a_draft_and_gets_more_time(live_server, browser, screenshot):
    order = OrderFactory(
        state=State.ACTIVE,
        job=JobFactory(seller=UserFactory(username="sam_seller")),
        buyer=UserFactory(username="bea_buyer"),
    )
    seller = log_in(browser, live_server.url, order.seller)
    buyer = log_in(browser, live_server.url, order.buyer)
    url = f"{live_server.url}{order.get_absolute_url()}"

    seller.goto(url)
    expect(seller.get_by_text("Reach out:")).to_be_visible()
    seller.get_by_label("Message*", exact=True).fill(
        "Hi Bea! I have everything I need. <b>Starting now.</b>"
    )
    seller.get_by_role("button", name="Send", exact=True).click()
    expect(seller.get_by_text("Message sent.")).to_be_visible()
    expect(seller.get_by_text("Reach out:")).to_have_count(0)
    expect(seller.get_by_text("<b>Starting now.</b>", exact=False)).to_be_visible()

    send_update_with_png(seller, "First draft attached.", "draft.png")

    seller.get_by_text("Ask the buyer for more time").click()
    seller.get_by_label("More days*").fill("40")
    seller.get_by_label("Why do you need more time?*").fill("The printer is late.")
    seller.get_by_role("button", name="Send the extension request").click()
    expect(seller.get_by_text("Ask for at most 30 days.")).to_be_visible()
    seller.get_by_label("More days*").fill("2")
    seller.get_by_role("button", name="Send the extension request").click()
    expect(seller.get_by_text("Extension request sent")).to_be_visible()

    buyer.goto(f"{live_server.url}/orders/")
    expect(buyer.locator(f'[data-order="{order.number}"] [data-unread]')).to_have_text("2 unread")
    buyer.get_by_role("link", name=f"#{order.number}").click()
    expect(buyer.get_by_text("sam_seller asks for 2 more days.")).to_be_visible()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="draft.png").click()
    assert download.value.suggested_filename == "draft.png"
    buyer.get_by_role("button", name="Approve 2 more days").click()
    expect(buyer.get_by_text("Approved: the due date moved.")).to_be_visible()
    expect(buyer.locator("[data-event=extension_approved]")).to_have_count(1)
    screenshot(buyer, "buyer-approved-extension")

    seller.goto(f"{live_server.url}/notifications/")
    expect(seller.get_by_text("bea_buyer approved 2 more days")).to_be_visible()


def test_mutual_cancellation_and_a_support_ticket(live_server, browser, screenshot):
    order = OrderFactory(state=State.ACTIVE)
    order.buyer.username = "ben_buyer"
    order.buyer.save()
    staff = UserFactory(username="sue_support", is_staff=True, is_superuser=True)
    buyer = log_in(browser, live_server.url, order.buyer)
    seller = log_in(browser, live_server.url, order.seller)

    buyer.goto(f"{live_server.url}{order.get_absolute_url()}")
    buyer.get_by_text("Ask to cancel by mutual agreement").click()
    buyer.get_by_label("Why cancel?*").fill("My project was shelved.")
    buyer.get_by_role("button", name="Send the cancellation request").click()
    expect(buyer.get_by_text("Cancellation request sent")).to_be_visible()

    seller.goto(f"{live_server.url}/resolution/")
    seller.get_by_role("link", name=f"#{order.number}").click()
    seller.get_by_role("button", name="Agree to cancel").click()
    expect(seller.get_by_text("The order was canceled by mutual agreement.")).to_be_visible()
    buyer.reload()
    expect(buyer.locator(".badge", has_text="Canceled")).to_be_visible()
    expect(buyer.get_by_text("Mutual agreement")).to_be_visible()

    buyer.get_by_role("link", name="Create a support ticket about this order").click()
    expect(buyer.get_by_label("Order number (optional)")).to_have_value(order.number)
    buyer.get_by_label("Subject*").fill("Refund for a canceled order")
    buyer.get_by_label("How can we help?*").fill("When will I get my money back?")
    buyer.get_by_role("button", name="Send to Support").click()
    expect(buyer.get_by_text("Your ticket was sent.")).to_be_visible()
    ticket_url = buyer.url

    support = log_in_admin(browser, live_server.url, staff)
    support.goto(f"{live_server.url}/admin/resolution/supportticket/")
    expect(support.get_by_role("link", name="Waiting for staff")).to_be_visible()
    support.get_by_role("link", name="Refund for a canceled order").click()
    expect(support.get_by_text("When will I get my money back?")).to_be_visible()
    support.get_by_label("Your reply").fill("The refund is on its way: 3 to 5 business days.")
    support.get_by_role("button", name="Send reply", exact=True).click()
    expect(support.get_by_text("Your reply was sent to")).to_be_visible()
    expect(support.get_by_role("link", name="Refund for a canceled order")).to_have_count(0)

    buyer.goto(ticket_url)
    expect(buyer.get_by_text("The refund is on its way")).to_be_visible()
    expect(buyer.locator(".badge", has_text="Customer Support answered")).to_be_visible()
    expect(buyer.locator("[data-unread-notifications]")).to_contain_text(re.compile(r"\d"))
    buyer.get_by_label("Your reply").fill("Thanks! To the card I paid with?")
    buyer.get_by_role("button", name="Send reply").click()
    expect(buyer.get_by_text("Your reply was sent.")).to_be_visible()
    expect(buyer.locator(".badge", has_text="Waiting for Customer Support")).to_be_visible()
    expect(buyer.locator("[data-ticket-message]")).to_have_count(3)
    screenshot(buyer, "buyer-ticket-conversation")

    support.reload()  # back in the queue
    support.get_by_role("link", name="Refund for a canceled order").click()
    expect(support.get_by_text("To the card I paid with?")).to_be_visible()
    screenshot(support, "support-ticket-reply")


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_seller_answers_the_buyers_cancellation_request_before_delivering(
    live_server, browser, screenshot, width, height
):
    order = OrderFactory(state=State.ACTIVE, buyer=UserFactory(first_name="Bea"))
    buyer = log_in(browser, live_server.url, order.buyer)
    seller = log_in(
        browser, live_server.url, order.seller, viewport={"width": width, "height": height}
    )
    url = f"{live_server.url}{order.get_absolute_url()}"

    buyer.goto(url)
    buyer.get_by_text("Ask to cancel by mutual agreement").click()
    buyer.get_by_label("Why cancel?*").fill("My project was shelved.")
    buyer.get_by_role("button", name="Send the cancellation request").click()
    expect(buyer.get_by_text("Cancellation request sent")).to_be_visible()

    seller.goto(url)
    blocked = seller.locator("[data-deliver-blocked]")
    expect(blocked).to_contain_text("Bea asked to cancel this order: answer that request")
    expect(seller.get_by_role("button", name="Deliver now")).to_have_count(0)
    screenshot(seller, f"deliver-waits-for-the-answer-{width}")
    blocked.get_by_role("link", name="Answer the request").click()
    seller.get_by_role("button", name="Decline, keep the order").click()

    expect(seller.locator("[data-deliver-blocked]")).to_have_count(0)
    seller.get_by_text("Deliver your work").click()
    seller.get_by_label("Delivery message*").fill("Here it is anyway.")
    seller.get_by_role("button", name="Deliver now").click()
    expect(seller.get_by_text("Delivered. The buyer has been asked to review it.")).to_be_visible()
