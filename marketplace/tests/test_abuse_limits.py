"""Abuse limits: log-in lockout, per-user rate limits on what reaches other
people, and upload sizes enforced while the body streams in."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from marketplace.limits import UploadLimitMiddleware
from messaging.models import Attachment, Message, Notification
from resolution.models import SupportTicket
from sales.models import State
from sales.requests import CancellationRequest, ExtensionRequest
from testing.factories import PASSWORD, OrderFactory, UserFactory
from testing.uploads import stored_files

pytestmark = pytest.mark.django_db

# --- log-in lockout (django-axes) ---------------------------------------------


def _log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failed_log_ins_lock_the_account_out_with_a_clear_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="victim")

    for _ in range(2):
        assert _log_in(client, "victim", "guess").status_code == 200  # the form again
    locked = _log_in(client, "victim", "guess")

    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-ins" in page
    assert "wrong password was given 3 times" in page
    # Even the right password is refused while locked.
    right = _log_in(client, "victim", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Someone else logs in from the same address as usual.
    UserFactory(username="other")
    assert _log_in(client, "other", PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) != user.pk


def _log_in_via(client, username, password, *, forwarded_for=None):
    """A log-in arriving through a load balancer at 10.0.0.2."""
    extra = {"REMOTE_ADDR": "10.0.0.2"}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_behind_a_proxy_the_lockout_is_per_client_address(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="victim")

    for _ in range(3):
        _log_in_via(client, "victim", "guess", forwarded_for="198.51.100.9")
    assert _log_in_via(client, "victim", PASSWORD, forwarded_for="198.51.100.9").status_code == 429
    # The real owner, from another address behind the same proxy, is not locked out.
    assert _log_in_via(client, "victim", PASSWORD, forwarded_for="192.0.2.44").status_code == 302


def test_a_proxy_that_adds_the_port_is_understood(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="victim")

    first = _log_in_via(client, "victim", "guess", forwarded_for="198.51.100.9:4711")
    second = _log_in_via(client, "victim", "guess", forwarded_for="198.51.100.9:4712")
    right = _log_in_via(client, "victim", PASSWORD, forwarded_for="198.51.100.9:5000")

    # Whatever the port, one address: the second failure locks it out.
    assert (first.status_code, second.status_code, right.status_code) == (200, 429, 429)


def test_addresses_of_one_ipv6_network_are_one_client(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="victim")

    for host in ("1", "2"):
        extra = {"REMOTE_ADDR": f"2001:db8:5:6::{host}"}
        client.post(reverse("login"), {"username": "victim", "password": "guess"}, **extra)
    refused = client.post(
        reverse("login"),
        {"username": "victim", "password": PASSWORD},
        REMOTE_ADDR="2001:db8:5:6:ffff::3",
    )
    assert refused.status_code == 429


@pytest.mark.parametrize(
    ("trusted", "attempt_header", "last_header"),
    [
        # Behind the proxy: the attacker makes up a new address each time; the
        # proxy appends the one it really saw, and only that one counts.
        (1, "10.9.9.{n}, 198.51.100.9", "10.9.9.77, 198.51.100.9"),
        # No proxy configured: the header is ignored altogether.
        (0, "198.51.100.{n}", "192.0.2.44"),
    ],
)
def test_a_made_up_address_does_not_step_around_the_lockout(
    client, settings, trusted, attempt_header, last_header
):
    settings.TRUSTED_PROXIES = trusted
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="victim")

    for n in range(3):
        _log_in_via(client, "victim", "guess", forwarded_for=attempt_header.format(n=n))
    assert _log_in_via(client, "victim", PASSWORD, forwarded_for=last_header).status_code == 429


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "203.0.113.1, 198.51.100.9", "198.51.100.9"),
        (2, "203.0.113.1, 198.51.100.9, 10.0.0.7", "198.51.100.9"),
        (2, "198.51.100.9", "10.0.0.2"),  # came round a proxy: not trusted
        (1, "", "10.0.0.2"),
        (1, " , ", "10.0.0.2"),
        (1, "198.51.100.9:4711", "198.51.100.9"),  # some proxies add the port
        (1, "[2001:db8::1]:443", "2001:db8::"),
        (1, "2001:db8::abcd:1", "2001:db8::"),  # an IPv6 address counts as its /64
        (1, "2001:db8:0:1::7", "2001:db8:0:1::"),
        (1, "::ffff:198.51.100.9", "198.51.100.9"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "198.51.100.9; DROP TABLE", "10.0.0.2"),
    ],
)
def test_the_client_address_behind_trusted_proxies(settings, trusted, forwarded_for, expected):
    from marketplace.proxies import client_ip

    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


def test_the_lockout_ends_after_the_cool_off(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = 0.25  # hours
    UserFactory(username="victim")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            _log_in(client, "victim", "guess")
        assert _log_in(client, "victim", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert _log_in(client, "victim", PASSWORD).status_code == 302


def test_a_successful_log_in_resets_the_failure_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="forgetful")
    for _ in range(2):
        _log_in(client, "forgetful", "guess")
    assert _log_in(client, "forgetful", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _log_in(client, "forgetful", "guess").status_code == 200
    assert _log_in(client, "forgetful", PASSWORD).status_code == 302


# --- rate limits -------------------------------------------------------------


def _assert_429(response, what):
    assert response.status_code == 429
    page = response.content.decode()
    assert f"Too many {what} for now" in page
    assert "Nothing was sent this time." in page
    assert int(response["Retry-After"]) > 0


def test_messages_past_the_limit_get_429_and_nothing_is_written(client, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"message": "3/600"}
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    url = reverse("sales:message_send", args=[order.number])

    for i in range(3):
        assert client.post(url, {"body": f"Hello {i}"}).status_code == 302
    notices = Notification.objects.count()
    refused = client.post(url, {"body": "One too many"})

    _assert_429(refused, "messages")
    assert Message.objects.filter(order=order).count() == 3
    assert Notification.objects.count() == notices
    # The other side of the order has a limit of their own.
    client.force_login(order.seller)
    assert client.post(url, {"body": "Hi!"}).status_code == 302


def test_the_limit_is_a_window_it_opens_again(client, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"message": "1/600"}
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    url = reverse("sales:message_send", args=[order.number])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post(url, {"body": "First"}).status_code == 302
        assert client.post(url, {"body": "Second"}).status_code == 429
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert client.post(url, {"body": "Third"}).status_code == 302
    assert list(order.messages.values_list("body", flat=True)) == ["First", "Third"]


def test_with_the_shared_cache_unreachable_messages_still_go_through(client, settings, caplog):
    # A Redis cache (CACHE_URL) at a port nobody listens on: the limit steps
    # aside and says so in the log, once for the outage (test_outages.py
    # has more); the message is written once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
        }
    }
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"message": "1/600"}
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    url = reverse("sales:message_send", args=[order.number])

    assert client.post(url, {"body": "First"}).status_code == 302
    assert client.post(url, {"body": "Second"}).status_code == 302

    assert list(order.messages.values_list("body", flat=True)) == ["First", "Second"]
    assert caplog.text.count("cache unreachable") == 1
    assert caplog.text.count("rate limits are not applied") == 1


def test_resolution_requests_past_the_limit_get_429_and_nothing_is_written(client, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"request": "1/3600"}
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    first = client.post(
        reverse("resolution:cancellation_create", args=[order.number]), {"reason": "Can't do it"}
    )
    assert first.status_code == 302
    refused = client.post(
        reverse("resolution:extension_create", args=[order.number]),
        {"days": 3, "reason": "More time"},
    )
    vacation = client.post(reverse("resolution:vacation"), {"days": 3, "reason": "Away"})

    _assert_429(refused, "Resolution Center requests")
    _assert_429(vacation, "Resolution Center requests")
    assert CancellationRequest.objects.count() == 1
    assert ExtensionRequest.objects.count() == 0
    order.refresh_from_db()
    assert order.events.count() == 1  # the cancellation request's event only


def test_support_tickets_past_the_limit_get_429_and_nothing_is_written(client, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"ticket": "2/3600"}
    client.force_login(UserFactory())
    url = reverse("resolution:ticket_create")
    for i in range(2):
        assert client.post(url, {"subject": f"Help {i}", "body": "Please"}).status_code == 302

    refused = client.post(url, {"subject": "Help 3", "body": "Please"})

    _assert_429(refused, "support tickets and replies")
    assert SupportTicket.objects.count() == 2
    assert client.get(url).status_code == 200  # reading the form is not limited


# --- upload size -------------------------------------------------------------


class CountingHandler(FileUploadHandler):
    """Sits after the size limit and counts what reaches the handlers that keep files."""

    received = 0

    def receive_data_chunk(self, raw_data, start):
        CountingHandler.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_an_oversize_file_is_stopped_while_streaming_with_a_clear_message(client, settings):
    settings.ATTACHMENT_MAX_BYTES = 100 * 1024
    settings.FILE_UPLOAD_HANDLERS = [
        "marketplace.limits.SizeLimitUploadHandler",
        f"{__name__}.CountingHandler",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    CountingHandler.received = 0
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    big = SimpleUploadedFile("huge.txt", b"a" * (5 * 1024 * 1024), content_type="text/plain")

    response = client.post(
        reverse("sales:message_send", args=[order.number]), {"body": "Files", "files": [big]}
    )

    assert response.status_code == 400
    assert (
        "“huge.txt” is larger than 100.0\xa0KB; files can be at most 100.0\xa0KB."
        in response.content.decode()
    )
    # Of 5 MB, the handlers that keep data saw at most the limit and one chunk.
    assert CountingHandler.received <= settings.ATTACHMENT_MAX_BYTES + 64 * 1024
    assert Message.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored_files() == []


def test_a_file_at_the_limit_still_uploads(client, settings):
    settings.ATTACHMENT_MAX_BYTES = 100 * 1024
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    fits = SimpleUploadedFile("fits.txt", b"a" * (100 * 1024), content_type="text/plain")

    response = client.post(
        reverse("sales:message_send", args=[order.number]), {"body": "Files", "files": [fits]}
    )

    assert response.status_code == 302
    assert Attachment.objects.get().size == 100 * 1024


def test_a_body_announced_too_large_is_refused_before_it_is_read(client, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 64 * 1024
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    big = SimpleUploadedFile("big.txt", b"a" * (200 * 1024), content_type="text/plain")

    response = client.post(
        reverse("sales:message_send", args=[order.number]), {"body": "Files", "files": [big]}
    )

    assert response.status_code == 413
    assert "That upload is too large" in response.content.decode()
    assert Message.objects.count() == 0


def test_the_content_length_check_never_touches_the_body(settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1000

    class Untouchable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().post("/orders/X/messages/", data={"body": "x" * 2000})
    request._stream = Untouchable()
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()

    response = UploadLimitMiddleware(lambda r: pytest.fail("the view ran"))(request)

    assert response.status_code == 413
