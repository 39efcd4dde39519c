"""Faults around Celery, for real: Redis stopped in the middle of a run, and
a worker killed with SIGKILL in the middle of a task.

Workers are separate processes (``celery -A marketplace worker``) on the
test database, the broker is a Redis server of the test's own, so stopping
it touches nothing else. Nothing is simulated: the server process is
killed and started again, the worker's process group gets SIGKILL.
"""

import os
import re
import shutil
import signal
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import _missing
from marketplace.celery import app
from messaging.models import Message, Notification, NotificationKind
from sales import selectors
from sales.models import EventKind, Order, OrderEvent, State
from sales.services import message_send
from sales.tasks import auto_complete_deliveries
from testing.factories import OrderFactory
from testing.processes import (
    RedisServer,
    SilentServer,
    Worker,
    answered_within,
    conninfo,
    use_broker,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        _missing("needs redis-server on the PATH (the Debian package redis-server)")
    server = RedisServer(tmp_path / "redis")
    server.start()
    old_url = app.conf.broker_url
    app.conf.task_always_eager = False
    use_broker(server.url())
    yield server
    use_broker(old_url)
    server.stop()


@pytest.fixture
def workers(tmp_path, redis_server):
    started = []

    def start(name, **kwargs):
        worker = Worker(name, broker_url=redis_server.url(), directory=tmp_path, **kwargs)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


def _post_message(client, order, user, body):
    client.force_login(user)
    return client.post(reverse("sales:message_send", args=[order.number]), {"body": body})


# --- Redis stopped in the middle of a run -------------------------------------


def test_redis_stopped_mid_run_loses_no_message_and_no_email(
    client, redis_server, workers, settings, caplog
):
    # Several web processes share their rate-limit counters in Redis too
    # (docs/deploy.md): the outage takes the cache down with the broker.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url(1),
        }
    }
    worker = workers("steady")
    order = OrderFactory(state=State.ACTIVE)

    # Before: a message, its e-mail sent by the worker.
    assert _post_message(client, order, order.buyer, "Any news?").status_code == 302
    wait_for(lambda: len(worker.emails()) == 1, what="the first e-mail")

    redis_server.stop()

    # During: the site keeps working. The message lands, its notice waits in
    # the outbox; the rate limit steps aside; readiness says the broker is gone.
    response = _post_message(client, order, order.seller, "Draft is coming tonight.")
    assert response.status_code == 302
    assert Message.objects.filter(order=order).count() == 2
    waiting = Notification.objects.get(order=order, recipient=order.buyer)
    assert waiting.emailed_at is None
    assert "e-mails wait in the outbox for the sweep" in caplog.text
    assert "rate limits are not applied" in caplog.text
    assert client.get(reverse("sales:sales")).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200  # still in rotation: the site works
    assert health.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}
    # The worker lives on, trying to reconnect.
    worker.wait_for_log("Connection to broker lost", what="the worker to notice")
    assert worker.alive()

    redis_server.start()

    # After: the same worker reconnects by itself; readiness is back.
    worker.wait_for_log("Connected to redis://", count=2, what="the reconnect")
    assert client.get("/healthz").json()["status"] == "ok"
    # The beat's next sweep (a minute on) sends what waited, and only that.
    Notification.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    from messaging.tasks import sweep_unsent_notifications

    first_sweep = sweep_unsent_notifications.delay()
    worker.wait_for_log(f"{first_sweep.id}] succeeded", what="the sweep")
    assert re.search(rf"{first_sweep.id}\] succeeded in [0-9.]+s: 1$", worker.log, re.M)
    second_sweep = sweep_unsent_notifications.delay()  # and the next one finds nothing
    worker.wait_for_log(f"{second_sweep.id}] succeeded", what="the second sweep")
    assert re.search(rf"{second_sweep.id}\] succeeded in [0-9.]+s: 0$", worker.log, re.M)

    sent = worker.emails()
    assert sorted(to for to, _ in sent) == sorted([order.seller.email, order.buyer.email])
    assert all(f"#{order.number}" in subject for _, subject in sent)
    assert Notification.objects.filter(order=order, emailed_at=None).count() == 0
    assert Message.objects.filter(order=order).count() == 2


# --- Redis frozen while users post ------------------------------------------------


def test_redis_frozen_while_ten_users_post_costs_each_its_timeout_and_no_error(
    redis_server, workers, settings
):
    # The broker and the rate-limit cache on one Redis, as docs/deploy.md
    # allows; the worker runs the beat, with a sweep every second.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url(1),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    worker = workers("steady", args=["--beat"], env={"DEADLINE_SCAN_SECONDS": "1"})
    orders = OrderFactory.create_batch(10, state=State.ACTIVE)
    # Every call to this Redis waits at most the cache's timeout, then the
    # broker's; the rest is the request's own work on a busy machine.
    bound = 0.5 + settings.REDIS_TIMEOUT + 3.0

    users = []
    for order in orders:
        users.append(Client())
        users[-1].force_login(order.buyer)
    barrier = threading.Barrier(len(orders))
    results = [None] * len(orders)

    def run(i):
        url = reverse("sales:message_send", args=[orders[i].number])
        barrier.wait()
        results[i] = answered_within(
            bound, lambda: users[i].post(url, {"body": "Are you there?"}), what=f"post {i}"
        )

    redis_server.freeze()  # SIGSTOP: connections are accepted, nothing answers
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(orders))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=bound + 30)
        health = answered_within(3.0, lambda: Client().get("/healthz"), what="/healthz")
    finally:
        redis_server.thaw()

    # Every user got the page after posting, not an error for a message
    # that was saved (which they would then post again).
    assert [r.status_code if r else None for r in results] == [302] * len(orders)
    assert health.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}
    for order in orders:
        assert Message.objects.filter(order=order).count() == 1
    notices = Notification.objects.filter(order__in=orders)
    assert notices.count() == len(orders)

    # Thawed: the sweep sends each waiting notice once (they are dated back
    # past the minute the sweep leaves to the after-commit task).
    notices.update(created_at=timezone.now() - timedelta(minutes=2))
    wait_for(lambda: not notices.filter(emailed_at=None).exists(), what="the sweep to send them")
    sweeps = worker.log.count("sweep_unsent_notifications[")
    worker.wait_for_log("sweep_unsent_notifications[", count=sweeps + 6, what="more sweeps")
    expected = sorted(order.seller.email for order in orders)
    assert sorted(to for to, _ in worker.emails()) == expected


# --- a worker killed mid-task -------------------------------------------------


def _blocked_backends():
    with psycopg.connect(conninfo(), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]


class HalfDoneScan:
    """Three deliveries past review and an auto-complete task stopped half-way.

    Someone else holds the second order's row (a buyer reviewing it, say):
    the worker completes the first order, then waits on the second, inside
    its transaction, until the test kills it."""

    def __init__(self, worker):
        now = timezone.now()
        for hours in (100, 99, 98):
            OrderFactory(state=State.DELIVERED, delivered_at=now - timedelta(hours=hours))
        self.ids = selectors.deliveries_past_review(now=now, limit=10)
        holder = psycopg.connect(conninfo())
        holder.execute("SELECT 1 FROM sales_order WHERE id = %s FOR UPDATE", [self.ids[1]])
        self.task = auto_complete_deliveries.delay()
        worker.wait_for_log(self.task.id, what="the task to reach the worker")
        wait_for(
            lambda: (
                OrderEvent.objects.filter(
                    order_id=self.ids[0], kind=EventKind.AUTO_COMPLETED
                ).exists()
                and _blocked_backends() == 1
            ),
            what="the worker to finish the first order and wait on the second",
        )
        self.holder = holder

    def release(self):
        self.holder.rollback()
        self.holder.close()

    def assert_half_done(self):
        """The first order completed; nothing of the killed transaction was kept."""
        states = dict(Order.objects.filter(pk__in=self.ids).values_list("pk", "state"))
        assert [states[pk] for pk in self.ids] == [
            State.COMPLETED,
            State.DELIVERED,
            State.DELIVERED,
        ]

    def assert_each_order_completed_once(self):
        for order in Order.objects.filter(pk__in=self.ids):
            assert order.state == State.COMPLETED
            assert order.events.filter(kind=EventKind.AUTO_COMPLETED).count() == 1
            for user in (order.seller, order.buyer):
                notices = Notification.objects.filter(
                    order=order, recipient=user, kind=NotificationKind.COMPLETED
                )
                assert notices.count() == 1, (order.number, user.username)

    def assert_each_email_sent_once(self, worker, *, settle=0.0):
        """Each side of each order told once that it is complete, and asked
        once for a review. ``settle``: wait this long after the last one for
        a stray second copy."""
        orders = list(Order.objects.filter(pk__in=self.ids).select_related("buyer", "seller"))
        expected = sorted(
            (user.email, order.number, kind)
            for order in orders
            for user in (order.buyer, order.seller)
            for kind in ("complete", "review")
        )
        wait_for(lambda: len(worker.emails()) >= len(expected), what="the e-mails")
        time.sleep(settle)
        sent = sorted(
            (
                to,
                re.search(r"#(\w+)", subject).group(1),
                "review" if "Leave a review" in subject else "complete",
            )
            for to, subject in worker.emails()
        )
        assert sent == expected

    def finished_by(self, worker, completed):
        """The task ran again on this worker and completed the rest."""
        worker.wait_for_log(f"{self.task.id}] succeeded", what="the task to run again and finish")
        pattern = rf"{self.task.id}\] succeeded in [0-9.]+s: {completed}$"
        assert re.search(pattern, worker.log, re.MULTILINE), worker.log[-2000:]


# A short visibility timeout, so the test need not wait the production five
# minutes (and the e-mail lease, which must be shorter, with it).
SHORT_VISIBILITY = {"CELERY_VISIBILITY_TIMEOUT": "3", "EMAIL_CLAIM_MINUTES": "0.04"}


def test_a_worker_killed_mid_task_loses_nothing_and_does_nothing_twice(workers):
    doomed = workers("doomed", env=SHORT_VISIBILITY)
    scan = HalfDoneScan(doomed)

    doomed.kill()  # SIGKILL to the whole worker, as a crashed machine
    scan.assert_half_done()
    scan.release()
    assert "succeeded" not in doomed.log

    # Another worker takes the unacknowledged task once the visibility
    # timeout passes, and finishes the job.
    rescuer = workers("rescuer", env=SHORT_VISIBILITY)
    rescuer.wait_for_log(f"{scan.task.id}] received", what="the task to be delivered again")
    scan.finished_by(rescuer, completed=2)
    scan.assert_each_order_completed_once()
    # Wait out one more visibility timeout: nothing is handed out a second time.
    scan.assert_each_email_sent_once(rescuer, settle=4)


def test_a_pool_process_killed_mid_task_is_run_again_at_once(workers):
    # The out-of-memory killer takes the process running the task; the
    # worker sees it die, hands the task back and a new process runs it.
    worker = workers("prefork")
    scan = HalfDoneScan(worker)
    [child] = worker.child_pids()

    os.kill(child, signal.SIGKILL)
    worker.wait_for_log("WorkerLostError", what="the worker to see its process die")
    scan.assert_half_done()
    scan.release()

    scan.finished_by(worker, completed=2)
    scan.assert_each_order_completed_once()
    scan.assert_each_email_sent_once(worker)
    assert worker.alive()


# --- a worker killed holding claimed e-mails ------------------------------------


def test_a_worker_killed_holding_claimed_emails_they_are_sent_once_within_the_lease(
    redis_server, workers
):
    # The production proportions, in seconds rather than minutes: a lease of
    # 6 s, a visibility timeout longer than it, a sweep every second.
    lease, sweep, visibility = 6, 1, 10
    short = {
        "EMAIL_CLAIM_MINUTES": str(lease / 60),
        "DEADLINE_SCAN_SECONDS": str(sweep),
        "CELERY_VISIBILITY_TIMEOUT": str(visibility),
    }
    # A mail server that accepts and never greets: each send hangs after its
    # claim, so the worker holds three claimed notices when it dies.
    smtp = SilentServer().start()
    doomed = workers(
        "doomed",
        concurrency=3,
        env=short | {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "EMAIL_TIMEOUT": "300"},
    )
    orders = OrderFactory.create_batch(3, state=State.ACTIVE)
    for order in orders:
        message_send(order=order, sender=order.buyer, body="Any news?")
    notices = Notification.objects.filter(order__in=orders)
    wait_for(
        lambda: (
            notices.filter(email_claimed_at__isnull=False).count() == 3 and len(smtp.accepted) == 3
        ),
        what="the worker to claim all three notices and wait on the mail server",
    )
    held = re.findall(r"send_notification_email\[([0-9a-f-]+)\] received", doomed.log)
    assert len(held) == 3
    # Written a while ago: the sweep leaves a notice alone for its first
    # minute, for the after-commit task (in production the lease, 3 minutes,
    # outlasts that minute anyway).
    notices.update(created_at=timezone.now() - timedelta(minutes=2))

    doomed.kill()  # SIGKILL to the worker and its pool processes
    killed_at = time.monotonic()
    smtp.close()
    assert notices.filter(emailed_at=None, email_claimed_at__isnull=False).count() == 3

    # Another worker, with the beat (and so the sweep) in it, as `make run`.
    rescuer = workers("rescuer", args=["--beat"], env=short)
    # Documented: sent within the lease plus one sweep; here also the
    # rescuer's start-up, and a margin for a busy machine.
    wait_for(
        lambda: len(rescuer.emails()) >= 3,
        timeout=lease + sweep + 30 - (time.monotonic() - killed_at),
        what="the e-mails the dead worker held",
    )
    # The dead worker's task messages come back after the visibility timeout
    # and find their notices sent (or send one first, and the sweep finds it
    # sent): either way each notice went out once.
    for task_id in held:
        rescuer.wait_for_log(f"{task_id}] succeeded", what="the redelivered e-mail task")
    expected = sorted(order.seller.email for order in orders)
    assert sorted(to for to, _ in rescuer.emails()) == expected
    assert notices.filter(emailed_at=None).count() == 0
