"""Faults: the database connection dropped in the middle of a request.

These run against a real server thread (live_server), over HTTP, so Django's
own request-start and request-finish handling of a broken connection is what
is tested, not the test client's shortcuts. The connection is killed for
real, with pg_terminate_backend from another connection, as a database
restart or a failover would.
"""

import re
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from messaging.models import Attachment, Message, Notification
from sales import services as sales_services
from sales.models import Order, OrderEvent, State
from testing.factories import PASSWORD, OrderFactory
from testing.processes import conninfo
from testing.uploads import stored_files

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _terminate(pid):
    with psycopg.connect(conninfo(), autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


class Browser:
    """Just enough of a browser: cookies and the CSRF token; redirects are
    followed, so a successful post answers with the page it leads to."""

    def __init__(self, base):
        self.base = base
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def request(self, path, data=None):
        body = urlencode(data).encode() if data is not None else None
        req = Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            response = self.opener.open(req, timeout=20)
        except HTTPError as error:  # 4xx and 5xx arrive here, with their page
            return error.code, error.read().decode(), error.headers
        return response.status, response.read().decode(), response.headers

    def csrf(self, path):
        status, page, _ = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, username):
        token = self.csrf("/accounts/login/")
        status, page, _ = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert status == 200 and "Log out" in page, "the log-in did not work"

    def post_message(self, order, body):
        token = self.csrf(f"/orders/{order.number}/")
        return self.request(
            f"/orders/{order.number}/messages/", {"csrfmiddlewaretoken": token, "body": body}
        )


def _counts():
    return (
        Message.objects.count(),
        Notification.objects.count(),
        Attachment.objects.count(),
        OrderEvent.objects.count(),
    )


def test_connection_killed_mid_write_gives_a_clear_page_no_partial_write_and_recovers(
    live_server, monkeypatch
):
    order = OrderFactory(state=State.ACTIVE)
    browser = Browser(live_server.url)
    browser.log_in(order.buyer.username)
    before = _counts()

    real_notify = sales_services.notify
    killed = []

    def notify_then_lose_the_database(**kwargs):
        # The message row and its notice are written; before COMMIT the
        # server's connection is killed from outside.
        real_notify(**kwargs)
        if not killed:
            killed.append(connection.connection.info.backend_pid)
            _terminate(killed[0])

    monkeypatch.setattr(sales_services, "notify", notify_then_lose_the_database)

    status, page, _ = browser.post_message(order, "Is this saved?")

    assert killed, "the fault was not injected"
    assert status == 500
    assert "Something went wrong on our side" in page
    assert "open the order again to see whether it arrived" in page
    assert _counts() == before  # nothing half-written
    assert not Message.objects.filter(body="Is this saved?").exists()

    # The next requests are served as usual, on a fresh connection.
    status, page, _ = browser.request(f"/orders/{order.number}/")
    assert status == 200 and f"#{order.number}" in page
    status, page, _ = browser.post_message(order, "Second try")
    assert status == 200  # redirected to the order page
    assert Message.objects.filter(order=order, body="Second try").count() == 1
    assert Notification.objects.count() == before[1] + 1


def _wsgi(path, cookie, method="GET", body=b""):
    """One request through Django's own WSGI handler, with its request-start
    and request-finish connection handling (the test client skips those)."""
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        HTTP_COOKIE=cookie,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = BytesIO(body)
    started = []
    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        content = b"".join(response)
    finally:
        response.close()  # request_finished: Django closes a broken connection here
    return int(started[0].split()[0]), content.decode()


def test_connection_killed_between_requests_is_replaced_without_an_error(client):
    """The app keeps its connection between requests (CONN_MAX_AGE); a
    database restart kills it while idle. CONN_HEALTH_CHECKS notices and
    replaces it: the next request never sees an error."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    assert _wsgi(f"/orders/{order.number}/", cookie)[0] == 200
    pid = connection.connection.info.backend_pid  # kept open after the request

    _terminate(pid)

    status, page = _wsgi(f"/orders/{order.number}/", cookie)
    assert status == 200 and f"#{order.number}" in page
    assert connection.connection.info.backend_pid != pid


def test_a_delivery_whose_commit_fails_leaves_no_file_and_no_state_change(monkeypatch):
    """The same fault on the deliver path, with a file: no orphan file on disk."""

    order = OrderFactory(state=State.ACTIVE)
    real_notify_event = sales_services._notify_event
    killed = []

    def notify_then_lose_the_database(*args, **kwargs):
        real_notify_event(*args, **kwargs)
        if not killed:
            killed.append(connection.connection.info.backend_pid)
            _terminate(killed[0])

    monkeypatch.setattr(sales_services, "_notify_event", notify_then_lose_the_database)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("final.txt", b"The final text\n", content_type="text/plain")
    upload.checked_content_type = "text/plain"

    with pytest.raises(Exception):  # noqa: B017 - whichever error the dead connection raises
        sales_services.order_deliver(
            order=order, actor=order.seller, message="Done", files=[upload]
        )

    connection.close()  # what Django does at the end of a request that hit the error
    assert stored_files() == []
    assert Order.objects.get(pk=order.pk).state == State.ACTIVE
    assert Message.objects.count() == 0 and OrderEvent.objects.count() == 0
