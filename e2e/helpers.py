"""Shared steps for the browser journeys."""

import re

from playwright.sync_api import expect

from testing.factories import PASSWORD
from testing.uploads import PNG_BYTES


def log_in(browser, base, user, *, password=PASSWORD, **context):
    page = browser.new_context(**context).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return page


def log_in_admin(browser, base, user):
    page = browser.new_context().new_page()
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Site administration")).to_be_visible()
    return page


def send_update_with_png(page, body, filename):
    """On an open order page: send a progress update with a PNG attached,
    and see it in the conversation."""
    page.get_by_label("Message*", exact=True).fill(body)
    page.get_by_label("Send as").select_option("update")
    page.locator("#message-form input[type=file]").set_input_files(
        [{"name": filename, "mimeType": "image/png", "buffer": PNG_BYTES}]
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("[data-message=update]")).to_contain_text(filename)


def menu_toggle(page, name):
    """A menu's toggle: the <summary> with that text (it has no ARIA role
    Playwright can query by)."""
    return page.locator("nav summary").filter(has_text=re.compile(name))
