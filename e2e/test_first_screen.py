"""The first screen: a seller (and a buyer) sees their orders without
scrolling, at a laptop's and at a phone's size, with the header and what
needs them on screen, and the page does not move by itself."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from e2e.helpers import log_in
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def _assert_first_screen(page, size):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # anything that would scroll the page has run
    assert page.evaluate("window.scrollY") == 0, "the page scrolled by itself"
    height = size["height"]
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    assert nav["y"] >= 0 and nav["y"] + nav["height"] <= height
    strip = page.locator(".priority-strip").bounding_box()
    assert strip["y"] + strip["height"] <= height, "the priority strip is below the fold"
    row = page.locator("tr.order-row").first
    expect(row).to_be_visible()
    box = row.bounding_box()
    # The row's top, and its first line (the order number), are on screen.
    assert box["y"] + 40 <= height, f"the first order starts at {box['y']:.0f} px"


@pytest.mark.parametrize("size", list(SIZES))
def test_demo_seller_sees_the_first_order_without_scrolling(live_server, browser, size):
    call_command("seed_demo", stdout=StringIO())
    from accounts.models import User

    seller = User.objects.get(username="demo_seller")
    page = log_in(
        browser, live_server.url, seller, password="demo-seller-pass", viewport=SIZES[size]
    )
    page.goto(f"{live_server.url}/sales/")
    expect(page.locator("#order-panel .nav-link.active")).to_contain_text("PRIORITY")
    _assert_first_screen(page, SIZES[size])

    buyer = User.objects.get(username="demo_buyer")
    page = log_in(browser, live_server.url, buyer, password="demo-buyer-pass", viewport=SIZES[size])
    page.goto(f"{live_server.url}/orders/")
    _assert_first_screen(page, SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
def test_a_new_seller_sees_their_first_order_and_why_it_needs_them(live_server, browser, size):
    job = JobFactory(seller=UserFactory(first_name="Nina", last_name="Park"))
    order = OrderFactory(job=job, buyer=UserFactory(first_name="Omar"), state=State.PENDING)
    page = log_in(browser, live_server.url, job.seller, viewport=SIZES[size])
    page.goto(f"{live_server.url}/sales/")
    _assert_first_screen(page, SIZES[size])
    row = page.locator(f'tr[data-order="{order.number}"]')
    expect(row.locator('[data-reason="new"]')).to_have_text("New, not answered yet")
    expect(row.locator('[data-deadline="new"]')).to_contain_text("Reply by")
    expect(row).to_contain_text("Omar")
