"""The demo seller logs in, reads the Sales page, and opens an order."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from sales.models import Order, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_seller_sees_tab_counts_and_opens_an_order(live_server, page, screenshot):
    call_command("seed_demo", stdout=StringIO())
    seller_orders = Order.objects.filter(seller__username="demo_seller")

    page.goto(f"{live_server.url}/sales/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("demo_seller")
    page.get_by_label("Password").fill("demo-seller-pass")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/sales/")

    expect(page.get_by_role("heading", name="Sales")).to_be_visible()
    for state in State.values:
        expected = seller_orders.filter(state=state).count()
        expect(page.locator(f'[data-count="{state}"]')).to_have_text(str(expected))
    expect(page.locator('[data-priority="late"]')).not_to_have_text("0")
    screenshot(page, "sales-page")

    # Switch to the Delivered tab (htmx swaps the panel and updates the URL).
    page.get_by_role("link", name=re.compile("DELIVERED")).click()
    expect(page).to_have_url(re.compile(r"tab=delivered"))
    expect(page.locator("#tab-description")).to_contain_text("not yet marked as completed")
    delivered = seller_orders.filter(state=State.DELIVERED).order_by("-created_at").first()

    page.get_by_role("link", name=f"#{delivered.number}").click()

    expect(page).to_have_url(re.compile(rf"/orders/{delivered.number}/"))
    expect(page.get_by_role("heading", name=delivered.title)).to_be_visible()
    expect(page.get_by_text("Here is the finished work.")).to_be_visible()
    expect(page.locator("[data-event=delivered]")).to_have_count(1)
    screenshot(page, "order-page")
