"""A Redis that accepts connections and never answers (frozen, failing over,
behind a dropped NAT entry) must cost a request no more than its timeout,
and no user a false error.

The broker here is a server of the test's own that accepts TCP connections
and never says a word, with the production broker settings
(REDIS_BROKER_TRANSPORT_OPTIONS), so it runs without Redis. The same fault
on a real, stopped redis-server with real workers is in
test_celery_faults.py.
"""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marketplace import outages
from marketplace.celery import app
from messaging.models import Message, Notification
from messaging.tasks import sweep_unsent_notifications
from sales.models import State
from testing.factories import OrderFactory
from testing.processes import SilentServer, answered_within, use_broker

pytestmark = pytest.mark.django_db(transaction=True)

# What a request may take beyond the broker's timeout on a busy machine.
MARGIN = 1.5
# docs/deploy.md: "give the probe 3 s".
HEALTHZ_BUDGET = 3.0


@pytest.fixture
def hung_broker(settings):
    server = SilentServer().start()
    old_url, old_options = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    use_broker(server.url())
    yield server
    app.conf.broker_transport_options = old_options
    use_broker(old_url)
    server.close()


def _broker_lines(caplog):
    return [r for r in caplog.records if r.name == "outage.broker"]


def test_a_hung_broker_costs_a_post_its_timeout_and_the_sweep_sends_later(
    client, hung_broker, settings, caplog
):
    caplog.set_level(logging.INFO, logger="outage")
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    url = reverse("sales:message_send", args=[order.number])

    response = answered_within(
        settings.REDIS_TIMEOUT + MARGIN,
        lambda: client.post(url, {"body": "Are you there?"}),
        what="the message post",
    )

    # The normal answer, not an error page for a change that was saved.
    assert response.status_code == 302
    assert response.url == f"{order.get_absolute_url()}#conversation"
    assert hung_broker.accepted, "the post never reached the broker"
    assert Message.objects.filter(order=order).count() == 1
    notice = Notification.objects.get(order=order, recipient=order.seller)
    assert notice.emailed_at is None  # waiting in the outbox
    [line] = _broker_lines(caplog)
    assert line.levelname == "WARNING"
    assert "Timeout" in line.getMessage() and "not tried again" in line.getMessage()

    # The back-off has started: the next post does not go near the broker.
    tried = len(hung_broker.accepted)
    assert client.post(url, {"body": "Hello?"}).status_code == 302
    assert len(hung_broker.accepted) == tried

    # Readiness answers within its budget: degraded, still in rotation. The
    # probe tries the broker each time (to see it come back), but does not
    # log again within the interval.
    health = answered_within(HEALTHZ_BUDGET, lambda: client.get("/healthz"), what="/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}
    assert len(hung_broker.accepted) == tried + 1
    assert len(_broker_lines(caplog)) == 1

    # The broker is back: the beat's next sweep, a minute on, e-mails each
    # notice once. (It runs inline here; test_celery_faults.py has it on a
    # real worker.)
    hung_broker.close()
    app.conf.task_always_eager = True
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert sweep_unsent_notifications.run() == 2
        assert sweep_unsent_notifications.run() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [order.seller.email] * 2
    assert Notification.objects.filter(order=order, emailed_at=None).count() == 0
    assert Message.objects.filter(order=order).count() == 2


def test_healthz_answers_within_its_budget_while_the_broker_hangs(client, hung_broker, caplog):
    caplog.set_level(logging.INFO, logger="outage")
    for _ in range(3):  # a load balancer probing every few seconds
        health = answered_within(HEALTHZ_BUDGET, lambda: client.get("/healthz"), what="/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
    assert len(hung_broker.accepted) == 3  # each probe really asked
    assert len(_broker_lines(caplog)) == 1  # and the outage was logged once

    # The probe that finds the broker back ends the back-off, and says so once.
    use_broker("memory://")
    assert client.get("/healthz").json()["status"] == "ok"
    assert not outages.broker.skip()
    assert [r.getMessage() for r in _broker_lines(caplog)][1].startswith(
        "broker reachable again after"
    )
