"""A deadline scan never waits behind e-mail: on the embedded filesystem
broker, with a thousand e-mails queued ahead of it, the worker `make run`
starts picks the scan up within seconds."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.celery import app
from messaging.models import Notification, NotificationKind
from messaging.tasks import send_notification_email
from sales.models import Order, State
from sales.tasks import flag_late
from testing.factories import OrderFactory, UserFactory
from testing.processes import database_url, procfile_process, wait_for

BACKLOG = 1000
# The scan may wait for the e-mails the worker already holds and for a poll
# of the queue folder; the whole backlog would take minutes.
SCAN_WAIT_LIMIT = 10.0

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def filesystem_broker(tmp_path):
    """Point this process's publisher at a filesystem broker under ``tmp_path``,
    laid out as settings lay it out for DATA_DIR=tmp_path/data."""
    data = tmp_path / "data"
    queue, control = data / "celery" / "queue", data / "celery" / "control"
    queue.mkdir(parents=True)
    control.mkdir(parents=True)
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "filesystem://localhost/"
    app.conf.broker_transport_options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
        "store_processed": False,
    }
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.task_always_eager = False
    yield data
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def make_run_worker(tmp_path, filesystem_broker):
    """The Procfile's worker line, started as honcho starts it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CACHE_URL") and not key.startswith("DJANGO_")
    } | {
        "DATA_DIR": str(filesystem_broker),
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    with procfile_process("worker", env=env, log_path=log) as process:
        yield process, log


def test_a_deadline_scan_is_not_stuck_behind_a_thousand_emails(make_run_worker):
    process, log = make_run_worker
    late = OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=1))
    reader = UserFactory(email="reader@example.com")
    notices = Notification.objects.bulk_create(
        Notification(
            recipient=reader,
            kind=NotificationKind.MESSAGE,
            key=f"backlog-{n}",
            text=f"Backlog message {n}",
            created_at=timezone.now(),
        )
        for n in range(BACKLOG)
    )
    for notice in notices:
        send_notification_email.delay(notice.pk)

    def sending():
        assert process.poll() is None, log.read_text()
        return Notification.objects.exclude(emailed_at=None).exists()

    wait_for(sending, timeout=90, what="the worker to start on the e-mails")
    queued_at = time.monotonic()
    flag_late.delay()

    wait_for(
        lambda: Order.objects.filter(pk=late.pk).exclude(late_notified_at=None).exists(),
        timeout=SCAN_WAIT_LIMIT,
        what="the late-order scan, queued behind the e-mails",
    )
    waited = time.monotonic() - queued_at
    still_queued = Notification.objects.filter(emailed_at=None).count()

    assert still_queued > BACKLOG / 2, f"the backlog was gone in {waited:.1f} s: no test"
