"""The main pages as people meet them: accessible, usable by keyboard, on a
phone, without JavaScript, and live while they stay open."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from e2e.helpers import log_in
from messaging.services import message_send
from sales import services
from sales.models import Order, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())
    seller = User.objects.get(username="demo_seller")
    buyer = User.objects.get(username="demo_buyer")
    order = Order.objects.filter(buyer=buyer, seller=seller, state=State.ACTIVE).first()
    return seller, buyer, order


def _demo_log_in(browser, base, user, **context):
    role = user.username.removeprefix("demo_")  # demo_seller / demo-seller-pass
    return log_in(browser, base, user, password=f"demo-{role}-pass", **context)


def test_main_pages_have_no_serious_accessibility_violations(
    live_server, browser, demo, assert_accessible
):
    seller, buyer, order = demo
    base = live_server.url
    job = seller.jobs.first()
    public = browser.new_context().new_page()
    for path in ("/", f"/jobs/{job.pk}/", "/accounts/login/", "/accounts/signup/"):
        public.goto(f"{base}{path}")
        assert_accessible(public, path)

    page = _demo_log_in(browser, base, seller)
    for path in (
        "/sales/",
        "/sales/?tab=delivered",
        order.get_absolute_url(),
        "/resolution/",
        "/resolution/vacation/",
        "/support/new/",
        "/notifications/",
        "/sales/numbers/",
        "/sales/numbers/completion/",
        "/jobs/",
        f"/jobs/{job.pk}/edit/",
        "/accounts/profile/",
    ):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        assert_accessible(page, path)

    page = _demo_log_in(browser, base, buyer)
    for path in ("/orders/", order.get_absolute_url(), "/support/"):
        page.goto(f"{base}{path}")
        assert_accessible(page, path)


def _focus_is_visible(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return el !== document.body &&
                (style.outlineStyle !== 'none' && style.outlineWidth !== '0px' ||
                 style.boxShadow !== 'none');
        }"""
    )


def test_tabs_actions_and_forms_work_from_the_keyboard(live_server, browser, demo):
    seller, buyer, order = demo
    page = _demo_log_in(browser, live_server.url, seller)
    page.goto(f"{live_server.url}/sales/")

    # Tab through the page until the COMPLETED tab has focus; Enter opens it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if "COMPLETED" in (page.evaluate("document.activeElement.textContent") or ""):
            break
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"tab=completed"))
    expect(page.locator("#tab-description")).to_contain_text("completed")

    # A message written and sent with the keyboard alone.
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    box = page.get_by_label("Message*", exact=True)
    box.focus()
    page.keyboard.type("Sent from the keyboard.")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Send":
            break
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Message sent.")).to_be_visible()
    expect(page.get_by_text("Sent from the keyboard.")).to_be_visible()


@pytest.mark.parametrize("who", ["seller", "buyer"])
def test_phone_width_sales_and_order_pages(live_server, browser, demo, screenshot, who):
    seller, buyer, order = demo
    user = seller if who == "seller" else buyer
    page = _demo_log_in(browser, live_server.url, user, viewport={"width": 390, "height": 844})
    pages = [
        ("/sales/" if who == "seller" else "/orders/", "list"),
        (order.get_absolute_url(), "order"),
    ]
    for path, name in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"phone-{who}-{name}")
    # The actions stay reachable: the seller can still send a message.
    page.get_by_label("Message*", exact=True).fill("From my phone.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Message sent.")).to_be_visible()


def test_everything_works_without_javascript(live_server, browser, demo):
    seller, buyer, order = demo
    page = _demo_log_in(browser, live_server.url, seller, java_script_enabled=False)
    page.goto(f"{live_server.url}/sales/")
    page.get_by_role("tab", name=re.compile("DELIVERED")).click()
    expect(page).to_have_url(re.compile(r"tab=delivered"))
    expect(page.locator("#tab-description")).to_contain_text("delivered")
    page.get_by_label("Search").fill(order.number)
    page.get_by_role("tab", name=re.compile("ACTIVE")).click()
    page.get_by_label("Search").fill(order.number)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="See your numbers").click()
    expect(page.get_by_role("heading", name="Your numbers")).to_be_visible()

    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    page.get_by_label("Message*", exact=True).fill("No scripts needed.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Message sent.")).to_be_visible()


def test_numbers_that_fail_to_load_say_so_and_offer_the_link(live_server, browser, demo):
    seller, _, _ = demo
    page = _demo_log_in(browser, live_server.url, seller)
    page.route("**/sales/numbers/panel/", lambda route: route.fulfill(status=500, body="boom"))

    page.goto(f"{live_server.url}/sales/")

    expect(page.get_by_text("Your numbers could not be loaded just now.")).to_be_visible()
    expect(page.get_by_text("Loading your numbers")).to_be_hidden()
    page.get_by_role("link", name="See your numbers").click()
    expect(page.get_by_role("heading", name="Your numbers")).to_be_visible()


def test_tabs_search_and_paging_update_in_place(live_server, browser, demo, settings):
    settings.SALES_PAGE_SIZE = 2
    seller, buyer, order = demo
    page = _demo_log_in(browser, live_server.url, seller)
    page.goto(f"{live_server.url}/sales/")
    page.evaluate("window.__stayed = true")

    page.get_by_role("tab", name=re.compile("COMPLETED")).click()
    expect(page).to_have_url(re.compile(r"tab=completed"))
    expect(page.locator("#tab-description")).to_contain_text("completed")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.get_by_role("link", name="First", exact=True)).to_be_visible()
    page.get_by_label("Search").fill("zzz-nothing")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No completed orders match")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=zzz-nothing"))
    assert page.evaluate("window.__stayed") is True  # no full page load happened


def test_an_open_order_page_shows_news_without_a_reload(live_server, browser, demo, settings):
    settings.LIVE_POLL_SECONDS = 1
    seller, buyer, order = demo
    page = _demo_log_in(browser, live_server.url, buyer)
    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    page.evaluate("window.__stayed = true")

    message_send(order=order, sender=seller, body="News while you watch.")
    expect(page.get_by_text("News while you watch.")).to_be_visible(timeout=10_000)

    services.order_deliver(order=order, actor=seller, message="Delivered while you watch.")
    expect(page.locator("[data-state-changed]")).to_contain_text("delivered", timeout=10_000)
    assert page.evaluate("window.__stayed") is True
