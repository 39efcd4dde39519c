"""Shared steps for the browser journeys."""

import re

from playwright.sync_api import expect

PASSWORD = "pass-word-123"  # the factories' password
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d8a0"
    "e30000000049454e44ae426082"
)


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
