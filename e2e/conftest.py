"""Browser journeys: Playwright driving Debian's Chromium against live_server."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from accounts.models import User
from conftest import CHROMIUM
from sales.models import Order, State

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

expect.set_options(timeout=10_000)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True, scope="session")
def _live_server_closes_its_connections():
    """The live server answers each request on a thread of its own, and with
    persistent connections (CONN_MAX_AGE) each thread left its connection
    open: a page with a dozen images opened a dozen, and a run of the
    browser tests used up PostgreSQL's connections. Each request's thread
    now closes its connection when the request is done."""
    connections.settings["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def demo():
    """seed_demo's world: its seller, its buyer, and an active order between them."""
    call_command("seed_demo", stdout=StringIO())
    seller = User.objects.get(username="demo_seller")
    buyer = User.objects.get(username="demo_buyer")
    order = Order.objects.filter(buyer=buyer, seller=seller, state=State.ACTIVE).first()
    return seller, buyer, order


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as a test artifact: screenshot(page, name)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def assert_accessible():
    """Run axe on the page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name}: " + " | ".join(bad)

    return check
