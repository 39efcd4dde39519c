"""The menus with JavaScript off: the "Selling" and account menus and the
phone menu are <details> elements, so every page they lead to is reachable,
log-out included, on a desktop and at phone width."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.helpers import log_in, menu_toggle
from sales.models import State
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def seller():
    seller = UserFactory(username="sam_seller", first_name="Sam", last_name="Seller")
    job = JobFactory(seller=seller, title="I will draw your logo")
    OrderFactory(job=job, state=State.ACTIVE)
    return seller


def _nav(page):
    return page.get_by_role("navigation", name="Main")


def _open(page, menu, phone):
    if phone:
        menu_toggle(page, "^Menu$").click()
    menu_toggle(page, menu).click()


def _header(page, name):
    """The page's top as it looks, for the report and for people to check."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / f"{name}.png"),
        clip={
            "x": 0,
            "y": 0,
            "width": page.viewport_size["width"],
            "height": min(page.viewport_size["height"], 560),
        },
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_menus_reach_every_page_and_log_out_without_javascript(
    live_server, browser, seller, viewport
):
    phone = viewport is PHONE
    name = "phone" if phone else "desktop"
    base = live_server.url
    page = log_in(browser, base, seller, java_script_enabled=False, viewport=viewport)

    destinations = [
        ("Selling", "Sales", r"/sales/$"),
        ("Selling", "My Jobs", r"/jobs/$"),
        ("Selling", "Create a Job", r"/jobs/new/$"),
        ("Sam Seller", "Profile & time zone", r"/accounts/profile/$"),
        ("Sam Seller", "E-mail notices", r"/notifications/email/$"),
        ("Sam Seller", "Change password", r"/accounts/password_change/$"),
        ("Sam Seller", "Support tickets", r"/support/$"),
    ]
    for menu, link, url in destinations:
        page.goto(f"{base}/sales/")
        item = _nav(page).get_by_role("link", name=link, exact=True)
        expect(item).to_be_hidden()  # menus start closed
        _open(page, menu, phone)
        expect(item).to_be_visible()
        item.click()
        expect(page).to_have_url(re.compile(url))

    page.goto(f"{base}/sales/")
    if phone:
        # Closed, the phone menu is one toggle beside the brand.
        expect(_nav(page).get_by_role("link", name="My orders")).to_be_hidden()
        _header(page, f"nojs-{name}-header-closed")
        menu_toggle(page, "^Menu$").click()
        expect(_nav(page).get_by_role("link", name="My orders")).to_be_visible()
    else:
        expect(_nav(page).get_by_role("link", name="My orders")).to_be_visible()
        _header(page, f"nojs-{name}-header-closed")
    menu_toggle(page, "Selling").click()
    expect(_nav(page).get_by_role("link", name="Sales", exact=True)).to_be_visible()
    _header(page, f"nojs-{name}-header-selling-open")
    menu_toggle(page, "Selling").click()  # the toggle closes it again
    expect(_nav(page).get_by_role("link", name="Sales", exact=True)).to_be_hidden()

    menu_toggle(page, "Sam Seller").click()
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    _header(page, f"nojs-{name}-header-account-open")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if phone:
        _assert_tap_targets(page)

    log_out.click()
    expect(menu_toggle(page, "Sam Seller")).to_have_count(0)
    page.goto(f"{base}/sales/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def _assert_tap_targets(page):
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'nav a, nav summary, nav button, main a.btn, main button, main input:not([type=hidden]), main select'
            )].filter((el) => el.getClientRects().length)
             .map((el) => [el.textContent.trim() || el.name, el.getBoundingClientRect().height])
             .filter(([, height]) => height < 44)"""
    )
    assert not small, f"tap targets under 44 px tall: {small}"


def test_the_menus_work_from_the_keyboard_without_javascript(live_server, browser, seller):
    page = log_in(browser, live_server.url, seller, java_script_enabled=False, viewport=DESKTOP)
    page.goto(f"{live_server.url}/sales/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Selling":
            break
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid", (
        "the focused menu toggle shows no outline"
    )
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sales"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/jobs/$"))


def test_sign_up_without_javascript_keeps_the_default_time_zone(live_server, browser):
    page = browser.new_context(java_script_enabled=False, timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_label("Time zone")).to_have_value("UTC")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_visitor_reaches_log_in_and_join_without_javascript(live_server, browser, viewport):
    phone = viewport is PHONE
    page = browser.new_context(java_script_enabled=False, viewport=viewport).new_page()
    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    if phone:
        menu_toggle(page, "^Menu$").click()
    _header(page, f"nojs-{'phone' if phone else 'desktop'}-visitor-404")
    _nav(page).get_by_role("link", name="Join").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    if phone:
        menu_toggle(page, "^Menu$").click()
    _nav(page).get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
