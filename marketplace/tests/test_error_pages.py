"""The error pages as production shows them (DEBUG off): a friendly 404 for an
unknown address and for another person's order alike, and a 500 page that
renders with no request context and no database."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import include, path
from django.views.defaults import server_error

from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

FRIENDLY_404 = "We couldn't find that page"


def _boom(request):
    raise RuntimeError("a bug in a view")


# This module is also a URLconf: the site's URLs plus a view that fails.
urlpatterns = [path("boom/", _boom), path("", include("marketplace.urls"))]


def _assert_friendly_404(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert FRIENDLY_404 in html
    assert "isn't yours" in html
    for link in ('href="/"', 'href="/sales/"', 'href="/orders/"'):
        assert link in html
    return html


@override_settings(DEBUG=False)
def test_an_unknown_address_shows_the_friendly_404(client):
    client.force_login(UserFactory())
    html = _assert_friendly_404(client.get("/no-such-page/"))
    assert "Not found · Marketplace" in html
    assert "Log out" in html  # the whole site menu, as on every page


@override_settings(DEBUG=False)
def test_another_users_order_shows_the_same_friendly_404(client):
    order = OrderFactory(title="Secret logo for ACME")
    client.force_login(UserFactory())
    html = _assert_friendly_404(client.get(order.get_absolute_url()))
    # Nothing says the order exists.
    assert order.title not in html
    assert order.number not in html


@override_settings(DEBUG=False)
def test_a_visitor_is_offered_to_log_in_from_the_404(client):
    html = _assert_friendly_404(client.get("/no-such-page/"))
    assert 'href="/accounts/login/?next=/no-such-page/"' in html


def test_the_500_page_needs_no_request_context_and_no_database(django_db_blocker):
    request = RequestFactory().get("/")
    # Any query would raise here; server_error renders with no request, so
    # no context processor (user, notifications) runs either.
    with django_db_blocker.block():
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_an_error_in_a_view_shows_the_friendly_500(client):
    client.force_login(UserFactory())
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "a bug in a view" not in html
