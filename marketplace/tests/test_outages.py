"""While the broker or the rate-limit cache is out, the site keeps working,
each web process stops waiting on it for a back-off interval, and the
outage is logged once per interval, one line under ``outage.<service>``:
an operator counts outages, not requests."""

import logging
import time

import pytest
from django.urls import reverse

from marketplace import outages
from marketplace.celery import app
from messaging.models import Message, Notification
from sales.models import State
from testing.factories import OrderFactory
from testing.processes import SilentServer, answered_within, manage, use_broker

from .test_dev_settings import _env, _settings_in

MARGIN = 1.5


def _lines(caplog, service):
    return [r for r in caplog.records if r.name == f"outage.{service}"]


def _one_line_each(records):
    for record in records:
        assert record.exc_info is None and "\n" not in record.getMessage()


def _end_back_off(outage, monkeypatch):
    # The back-off's end is moved, not the clock: a frozen time.monotonic
    # would stop kombu's and redis-py's timeouts too.
    monkeypatch.setattr(outage, "down_until", time.monotonic() - 1)


def test_every_redis_client_gives_up_after_its_timeout(tmp_path):
    env = _env(tmp_path, REDIS_URL="redis://127.0.0.1:6399/0", CACHE_URL="redis://127.0.0.1:6399/1")
    values = _settings_in(
        env,
        "REDIS_TIMEOUT",
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        "CELERY_TASK_PUBLISH_RETRY",
        "CACHES",
    )

    broker = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert broker["socket_connect_timeout"] == broker["socket_timeout"] == values["REDIS_TIMEOUT"]
    assert broker["max_retries"] == 0 and values["CELERY_TASK_PUBLISH_RETRY"] is False
    cache = values["CACHES"]["default"]["OPTIONS"]
    assert cache["socket_connect_timeout"] and cache["socket_timeout"]
    # Results are not kept: no result backend, so no client of it to bound.
    assert app.conf.result_backend is None and app.conf.task_ignore_result is True


@pytest.fixture
def hung_cache(settings):
    server = SilentServer().start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url(1),
            # As settings.py sets them for CACHE_URL=redis://… (checked above).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield server
    server.close()


@pytest.mark.django_db(transaction=True)
def test_a_hung_rate_limit_cache_costs_one_timeout_and_one_line_per_back_off(
    client, settings, hung_cache, caplog, monkeypatch
):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"message": "1/600"}
    caplog.set_level(logging.INFO, logger="outage")
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    url = reverse("sales:message_send", args=[order.number])

    def post(body):
        return answered_within(1.0 + MARGIN, lambda: client.post(url, {"body": body}), what=body)

    # Five posts during the outage: the limit steps aside (1 per 10 minutes
    # would refuse four of them), the cache is asked once, logged once.
    for n in range(5):
        assert post(f"Message {n}").status_code == 302
    assert Message.objects.filter(order=order).count() == 5
    assert len(hung_cache.accepted) == 1
    [line] = _lines(caplog, "cache")
    assert line.getMessage().startswith("cache unreachable (")
    assert "rate limits are not applied; not tried again for 30 s" in line.getMessage()

    # A back-off later the cache is tried again, and the outage logged again.
    _end_back_off(outages.cache, monkeypatch)
    assert post("Message 5").status_code == 302
    assert len(hung_cache.accepted) == 2
    assert len(_lines(caplog, "cache")) == 2

    # The cache is back: said once, and the limit holds again.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _end_back_off(outages.cache, monkeypatch)
    assert post("Message 6").status_code == 302
    assert post("Message 7").status_code == 429
    assert Message.objects.filter(order=order).count() == 7
    lines = _lines(caplog, "cache")
    assert len(lines) == 3 and lines[2].getMessage().startswith("cache reachable again after")
    _one_line_each(lines)


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_is_logged_once_per_back_off_not_per_post(client, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="outage")
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)
    url = reverse("sales:message_send", args=[order.number])
    old_url = app.conf.broker_url
    app.conf.task_always_eager = False
    use_broker("redis://127.0.0.1:1/0")  # refused: nobody listens there
    try:
        for n in range(10):
            assert client.post(url, {"body": f"Update {n}"}).status_code == 302
            assert client.get("/healthz").json()["status"] == "degraded"
        assert len(_lines(caplog, "broker")) == 1

        _end_back_off(outages.broker, monkeypatch)
        assert client.post(url, {"body": "Update 10"}).status_code == 302
        assert len(_lines(caplog, "broker")) == 2
    finally:
        use_broker(old_url)

    # Back (an in-memory broker stands in for it): the next publish goes
    # through, and that is logged once.
    use_broker("memory://")
    try:
        _end_back_off(outages.broker, monkeypatch)
        assert client.post(url, {"body": "Update 11"}).status_code == 302
        assert client.post(url, {"body": "Update 12"}).status_code == 302
    finally:
        use_broker(old_url)
    lines = _lines(caplog, "broker")
    assert len(lines) == 3
    assert all(line.getMessage().startswith("broker unreachable (") for line in lines[:2])
    assert lines[2].getMessage().startswith("broker reachable again after")
    _one_line_each(lines)
    assert Message.objects.filter(order=order).count() == 13
    assert Notification.objects.filter(order=order).count() == 13


def test_a_visibility_timeout_within_the_email_lease_stops_the_start(tmp_path):
    # A task redelivered after its worker died would find its notice still
    # claimed and send nothing: the two are chosen together.
    env = _env(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6399/0",
        EMAIL_CLAIM_MINUTES="5",
        CELERY_VISIBILITY_TIMEOUT="300",
    )

    result = manage(env, "check")

    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must be longer than EMAIL_CLAIM_MINUTES" in result.stderr
    assert manage(env | {"CELERY_VISIBILITY_TIMEOUT": "301"}, "check").returncode == 0
