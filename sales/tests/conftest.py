"""Fixtures shared by the sales tests."""

import pytest

from sales import services
from testing.racing import slowed


@pytest.fixture
def slow_checks(monkeypatch):
    """The order services' check pauses after it passes: a second thread gets
    time to pass it too, unless the row lock keeps it waiting."""
    slowed(monkeypatch, services, "_check")
