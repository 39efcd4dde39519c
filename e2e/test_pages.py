"""The main pages as people meet them: accessible, usable by keyboard, on a
phone, without JavaScript, and live while they stay open."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from e2e.helpers import log_in, menu_toggle
from messaging.emails import unsubscribe_token
from sales import services
from sales.services import message_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    stop = reverse("messaging:email_unsubscribe", args=[unsubscribe_token(seller, "message")])
    for path in (
        "/",
        "/?q=logo&category=design",
        "/?q=qwzxv",  # nothing found
        f"/jobs/{job.pk}/",
        f"/sellers/{seller.username}/",
        "/accounts/login/",
        "/accounts/signup/",
        stop,
    ):
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
        "/notifications/email/",
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
    expect(page.locator("#order-panel .nav-link.active")).to_contain_text("PRIORITY")
    page.get_by_role("link", name=re.compile("DELIVERED")).click()
    expect(page).to_have_url(re.compile(r"tab=delivered"))
    expect(page.locator("#tab-description")).to_contain_text("delivered")
    page.get_by_role("link", name=re.compile("^Late")).click()  # a reason on the strip
    expect(page).to_have_url(re.compile(r"flag=late"))
    expect(page.locator("[data-reason=late]").first).to_be_visible()
    page.get_by_label("Search all orders").fill(order.number)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Numbers", exact=True).click()
    expect(page.get_by_role("heading", name="Your numbers")).to_be_visible()

    page.goto(f"{live_server.url}{order.get_absolute_url()}")
    page.get_by_label("Message*", exact=True).fill("No scripts needed.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Message sent.")).to_be_visible()
    # The delivery form opens from the header without a script.
    page.get_by_role("link", name="Deliver your work").click()
    expect(page.get_by_label("Delivery message*")).to_be_visible()


def test_tabs_search_and_paging_update_in_place(live_server, browser, demo, settings):
    settings.SALES_PAGE_SIZE = 2
    seller, buyer, order = demo
    page = _demo_log_in(browser, live_server.url, seller)
    page.goto(f"{live_server.url}/sales/")
    page.evaluate("window.__stayed = true")

    page.get_by_role("link", name=re.compile("COMPLETED")).click()
    expect(page).to_have_url(re.compile(r"tab=completed"))
    expect(page.locator("#tab-description")).to_contain_text("completed")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.get_by_role("link", name="First", exact=True)).to_be_visible()
    page.get_by_label("Search all orders").fill("zzz-nothing")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No orders match “zzz-nothing”")).to_be_visible()
    # The address holds each parameter once, and Back returns to the tab.
    expect(page).to_have_url(re.compile(r"/sales/\?tab=completed&q=zzz-nothing&sort=newest$"))
    assert page.evaluate("window.__stayed") is True  # no full page load happened
    page.go_back()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.locator("tr.order-row").first).to_be_visible()


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


def test_open_menus_and_the_404_page_have_no_serious_accessibility_violations(
    live_server, browser, demo, assert_accessible
):
    seller, _, _ = demo
    base = live_server.url
    for width, height in ((1366, 768), (390, 844)):
        page = _demo_log_in(browser, base, seller, viewport={"width": width, "height": height})
        page.goto(f"{base}/sales/")
        page.wait_for_load_state("networkidle")
        if width < 768:
            menu_toggle(page, "^Menu$").click()
            assert_accessible(page, f"/sales/ phone menu open ({width}px)")
        menu_toggle(page, "Selling").click()
        assert_accessible(page, f"/sales/ Selling menu open ({width}px)")
        menu_toggle(page, "Your account").click()
        assert_accessible(page, f"/sales/ account menu open ({width}px)")
        page.goto(f"{base}/no-such-page/")
        expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
        assert_accessible(page, f"404 ({width}px)")


def test_menus_close_on_escape_and_on_a_click_outside(live_server, browser, demo):
    seller, _, _ = demo
    page = _demo_log_in(browser, live_server.url, seller)
    page.goto(f"{live_server.url}/sales/")
    nav = page.get_by_role("navigation", name="Main")
    sales = nav.get_by_role("link", name="Sales", exact=True)
    profile = nav.get_by_role("link", name="Profile & time zone")

    # Escape closes the menu and gives the focus back to its toggle.
    menu_toggle(page, "Selling").click()
    nav.get_by_role("link", name="My Jobs").focus()
    page.keyboard.press("Escape")
    expect(sales).to_be_hidden()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Selling"
    assert _focus_is_visible(page)

    # Opening one menu closes the other; a click on the page closes both.
    menu_toggle(page, "Selling").click()
    menu_toggle(page, "Your account").click()
    expect(profile).to_be_visible()
    expect(sales).to_be_hidden()
    page.get_by_role("heading", name="Sales").click()
    expect(profile).to_be_hidden()

    # Tabbing out of a menu (from its last item) closes it.
    menu_toggle(page, "Selling").click()
    nav.get_by_role("link", name="Questions from buyers").focus()
    page.keyboard.press("Tab")
    expect(sales).to_be_hidden()


def test_menus_close_on_escape_at_phone_width(live_server, browser, demo):
    seller, _, _ = demo
    page = _demo_log_in(browser, live_server.url, seller, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/sales/")
    my_orders = page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders")

    expect(my_orders).to_be_hidden()
    menu_toggle(page, "^Menu$").click()
    menu_toggle(page, "Selling").click()
    page.keyboard.press("Escape")  # the Selling menu first
    expect(my_orders).to_be_visible()
    page.keyboard.press("Escape")  # then the phone menu
    expect(my_orders).to_be_hidden()
    assert _focus_is_visible(page)


def test_sign_up_preselects_the_browsers_time_zone(live_server, browser):
    page = browser.new_context(timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")

    page.get_by_label("Username").fill("tokyo_seller")
    page.get_by_label("Email address").fill("tokyo@example.com")
    page.locator("#id_password1").fill("a-long-unusual-pass-42")
    page.locator("#id_password2").fill("a-long-unusual-pass-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Times are shown in Asia/Tokyo.")).to_be_visible()
    assert User.objects.get(username="tokyo_seller").timezone == "Asia/Tokyo"
