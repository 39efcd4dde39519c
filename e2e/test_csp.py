"""The pages under the production Content-Security-Policy: nothing inline is
blocked (no CSP violation reported, none in the console) and htmx still
switches the Sales page's tabs in place."""

import re

import pytest
from playwright.sync_api import expect

from e2e.helpers import log_in_admin
from sales.models import Order, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs; Playwright's init scripts are not
# subject to the page's CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def csp_on(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": settings.CSP_DIRECTIVES}


class Watcher:
    def __init__(self, context):
        self.console = []
        context.add_init_script(RECORD_VIOLATIONS)
        self.page = context.new_page()
        self.page.on(
            "console",
            lambda msg: (
                self.console.append(msg.text)
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
                else None
            ),
        )

    def visit(self, url):
        response = self.page.goto(url)
        assert response.status < 400, (url, response.status)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        self.assert_clean(url)

    def assert_clean(self, where):
        self.page.wait_for_load_state("networkidle")
        violations = self.page.evaluate("window.__csp")
        assert not violations and not self.console, (where, violations, self.console)


def _log_in(browser, base, username, password):
    context = browser.new_context()
    watcher = Watcher(context)
    page = watcher.page
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    watcher.assert_clean("log-in")
    return watcher


def test_pages_work_under_the_csp_with_no_violations(live_server, browser, csp_on, demo):
    seller, buyer, _ = demo
    base = live_server.url
    job = seller.jobs.filter(is_paused=False).first()
    order = Order.objects.filter(seller=seller, buyer=buyer, state=State.ACTIVE).first()

    visitor = Watcher(browser.new_context())
    for path in ("/", f"/jobs/{job.pk}/", "/accounts/login/", "/accounts/signup/"):
        visitor.visit(base + path)

    watcher = _log_in(browser, base, "demo_seller", "demo-seller-pass")
    for path in (
        "/sales/",
        "/sales/numbers/",
        order.get_absolute_url(),
        "/jobs/",
        "/jobs/new/",
        "/resolution/",
        "/resolution/vacation/",
        "/support/new/",
        "/notifications/",
        "/accounts/profile/",
    ):
        watcher.visit(base + path)

    # htmx: the tabs swap the panel in place, with no full page load.
    page = watcher.page
    page.goto(f"{base}/sales/")
    page.evaluate("window.__stayed = true")
    page.get_by_role("link", name=re.compile("DELIVERED")).click()
    expect(page).to_have_url(re.compile(r"tab=delivered"))
    expect(page.locator("#tab-description")).to_contain_text("not yet marked as completed")
    page.get_by_role("link", name=re.compile("COMPLETED")).click()
    expect(page).to_have_url(re.compile(r"tab=completed"))
    assert page.evaluate("window.__stayed") is True
    # htmx did not add its indicator <style> (the CSP would have blocked it).
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    watcher.assert_clean("htmx tabs")

    buyer_watcher = _log_in(browser, base, "demo_buyer", "demo-buyer-pass")
    buyer_watcher.visit(f"{base}/orders/")
    buyer_watcher.visit(base + order.get_absolute_url())


def test_the_admin_works_under_the_csp(live_server, browser, csp_on, demo):
    from testing.factories import UserFactory

    support = UserFactory(is_staff=True, is_superuser=True)
    order = Order.objects.filter(state=State.ACTIVE).first()
    page = log_in_admin(browser, live_server.url, support)
    watcher = Watcher(page.context)
    watcher.visit(f"{live_server.url}/admin/sales/order/")
    watcher.visit(f"{live_server.url}/admin/sales/order/{order.pk}/change/")
