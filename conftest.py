"""Project-wide test setup: the fixtures several apps' tests share, each test
in a clean state (eager Celery, fast passwords, its own attachment folder, no
rate-limit counts), and the rule that tests needing PostgreSQL, Redis or a
browser skip locally but fail under CI=true. Factories and plain helpers are
in the ``testing`` package."""

import os
import shutil

import pytest

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(reason):
    if CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _missing(
                "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1/marketplace"
            )
    if item.get_closest_marker("redis"):
        from django.conf import settings

        if not settings.REDIS_URL:
            _missing(
                "needs Redis as the Celery broker: run with REDIS_URL=redis://127.0.0.1:6379/0"
            )
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium")


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run inline in tests, unless a test starts a real worker."""
    from marketplace import outages
    from marketplace.celery import app

    app.conf.task_always_eager = True
    # No back-off carried over from another test's outage.
    outages.broker.reset()
    outages.cache.reset()
    yield
    app.conf.task_always_eager = True
    outages.broker.reset()
    outages.cache.reset()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Attachments written by a test stay in its own temporary folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: each test starts with none.
    Only a local-memory cache is cleared; a shared one (CACHE_URL) is not ours."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    yield


@pytest.fixture
def support():
    """Sue Port, a staff member in the Support group, as seed_demo sets it up."""
    from testing.factories import SupportFactory

    return SupportFactory(username="support_sue", first_name="Sue", last_name="Port")
