"""A buyer who has not submitted the requirements is reminded at each of
REQUIREMENTS_REMINDERS_HOURS after ordering, once each, whatever runs twice;
the seller sees since when the order waits."""

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from messaging.models import Notification
from sales import services
from sales.models import Order, State
from sales.tasks import remind_requirements
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.processes import manage
from testing.racing import twice_at_once

T = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _reminders(settings):
    settings.REQUIREMENTS_REMINDERS_HOURS = (24, 72)


def _place(at=T, **job):
    job = JobFactory(title="A logo for a bakery", delivery_days=4, **job)
    job.seller.first_name, job.seller.last_name = "Sam", "Rivera"
    job.seller.save()
    with time_machine.travel(at, tick=False):
        return services.order_place(job=job, buyer=UserFactory())


def _scan(at):
    with time_machine.travel(at, tick=False):
        return remind_requirements.run()


def _text(html):
    """What a person reads: the markup gone, the spaces one."""
    return " ".join(re.sub(r"<[^>]+>", "", html).replace("\xa0", " ").split())


def _reminders_to(user, order):
    return list(
        Notification.objects.filter(order=order, recipient=user, kind="requirements_reminder")
        .order_by("created_at")
        .values_list("text", flat=True)
    )


def _submit(order, at):
    with time_machine.travel(at, tick=False):
        services.order_submit_requirements(
            order=order, actor=order.buyer, answers=[{"question": "Q", "answer": "A"}]
        )


@pytest.mark.django_db
def test_the_buyer_is_reminded_at_24_and_72_hours_once_each():
    order = _place()

    assert _scan(T + 24 * HOUR - MINUTE) == 0
    assert _reminders_to(order.buyer, order) == []
    assert _scan(T + 24 * HOUR) == 1
    assert _scan(T + 24 * HOUR) == 0  # a second run
    assert _scan(T + 48 * HOUR) == 0
    assert _scan(T + 72 * HOUR - MINUTE) == 0
    assert _scan(T + 72 * HOUR) == 1
    assert _scan(T + 72 * HOUR + MINUTE) == 0
    assert _scan(T + 30 * 24 * HOUR) == 0  # no third, ever

    assert _reminders_to(order.buyer, order) == [
        f"Order #{order.number} has not started yet: you ordered “A logo for a bakery” from "
        f"Sam Rivera {when} ago. Submit the requirements to start it; the 4-day delivery "
        "time starts then."
        for when in ("1 day", "3 days")
    ]
    assert _reminders_to(order.seller, order) == []  # the seller reads it on the page
    order.refresh_from_db()
    assert order.state == State.PENDING and order.requirements_reminder_at is None


@pytest.mark.django_db
def test_a_buyer_who_submitted_is_not_reminded():
    early, between = _place(), _place()
    _submit(early, T + 23 * HOUR)
    _scan(T + 24 * HOUR)
    _submit(between, T + 30 * HOUR)

    assert _scan(T + 72 * HOUR) == 0
    assert _scan(T + 100 * HOUR) == 0

    assert _reminders_to(early.buyer, early) == []
    assert len(_reminders_to(between.buyer, between)) == 1  # the 24-hour one only
    for order in (early, between):
        order.refresh_from_db()
        assert order.requirements_reminder_at is None  # none left to send


@pytest.mark.django_db
def test_a_canceled_pending_order_is_not_reminded():
    order = _place()
    support = UserFactory(is_staff=True, is_superuser=True)
    with time_machine.travel(T + HOUR, tick=False):
        services.order_cancel(order=order, actor=support, reason="Payment reversed.")

    assert _scan(T + 80 * HOUR) == 0
    assert _reminders_to(order.buyer, order) == []


@pytest.mark.django_db
def test_a_scan_that_comes_late_sends_the_latest_reminder_only():
    # The worker was down through both moments: one reminder, not two at once.
    order = _place()

    assert _scan(T + 80 * HOUR) == 1
    assert _scan(T + 81 * HOUR) == 0

    [text] = _reminders_to(order.buyer, order)
    assert "3 days ago" in text


@pytest.mark.django_db
def test_reminders_follow_the_setting(settings):
    settings.REQUIREMENTS_REMINDERS_HOURS = (36,)
    order = _place()

    assert _scan(T + 24 * HOUR) == 0
    assert _scan(T + 36 * HOUR) == 1
    assert _scan(T + 80 * HOUR) == 0
    [text] = _reminders_to(order.buyer, order)
    assert "36 hours ago" in text


@pytest.mark.django_db
def test_no_reminders_configured_means_none_are_scheduled(settings):
    settings.REQUIREMENTS_REMINDERS_HOURS = ()
    order = _place()
    assert order.requirements_reminder_at is None
    assert _scan(T + 100 * HOUR) == 0


@pytest.mark.django_db
def test_many_pending_orders_are_reminded_across_batches(settings):
    settings.SCAN_BATCH_SIZE = 3
    orders = [_place(at=T + i * MINUTE) for i in range(7)]

    assert _scan(T + 25 * HOUR) == 7
    assert _scan(T + 25 * HOUR) == 0
    for order in orders:
        assert len(_reminders_to(order.buyer, order)) == 1


@pytest.mark.parametrize(
    "value,message",
    [
        ("0,72", "REQUIREMENTS_REMINDERS_HOURS must be whole hours above 0"),
        ("24,soon", "REQUIREMENTS_REMINDERS_HOURS must be whole hours above 0"),
        ("-24", "REQUIREMENTS_REMINDERS_HOURS must be whole hours above 0"),
    ],
)
def test_a_bad_reminders_setting_stops_the_start(value, message, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(tmp_path),
        "REQUIREMENTS_REMINDERS_HOURS": value,
    }
    result = manage(env, "check")
    assert result.returncode != 0
    assert message in result.stderr


# -- what the seller sees ----------------------------------------------------------


@pytest.mark.django_db
def test_the_seller_sees_since_when_the_order_waits_for_requirements(client):
    order = OrderFactory(state=State.PENDING, created_at=T, seller_first_message_at=T + HOUR)
    order.buyer.first_name = "Bea"
    order.buyer.save()
    with time_machine.travel(T + 30 * HOUR, tick=False):
        client.force_login(order.seller)
        html = client.get(order.get_absolute_url()).content.decode()

    assert (
        "Not started. Waiting for requirements since 10 Mar 2030, 12:00 (1 day, 6 hours). "
        "Bea is reminded 1 day and 3 days after ordering."
    ) in _text(html)
    assert "The clock starts when the buyer submits the requirements." in _text(html)


@pytest.mark.django_db
def test_the_buyer_is_not_told_they_are_waiting(client):
    order = OrderFactory(state=State.PENDING, created_at=T)
    client.force_login(order.buyer)
    html = client.get(order.get_absolute_url()).content.decode()
    assert "data-waiting-requirements" not in html
    assert "Submit the requirements" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"tab": "pending"}, {"tab": "priority"}, {"q": "bakery"}], ids=str
)
def test_the_sales_row_says_waiting_for_requirements_since(client, params):
    job = JobFactory(title="A logo for a bakery")
    waiting = OrderFactory(job=job, state=State.PENDING, created_at=T)
    started = OrderFactory(job=job, state=State.ACTIVE, created_at=T)
    with time_machine.travel(T + 30 * HOUR, tick=False):
        client.force_login(job.seller)
        html = client.get(reverse("sales:sales"), params).content.decode()

    row = html[html.index(f'data-order="{waiting.number}"') :]
    row = row[: row.index("</tr>")]
    assert "data-waiting-requirements" in row
    if params == {"tab": "pending"}:  # under the column "Waiting for requirements since"
        assert "10 Mar 2030, 12:00 (1 day, 6 hours)" in _text(row)
    else:
        assert "Waiting for requirements since 10 Mar 2030, 12:00" in _text(row)
    if params != {"tab": "pending"}:  # the started order is listed too, and waits for nothing
        other = html[html.index(f'data-order="{started.number}"') :]
        assert "data-waiting-requirements" not in other[: other.index("</tr>")]


# -- two scans at once, on PostgreSQL ------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reminder_scans_at_once_remind_each_buyer_once(settings):
    settings.SCAN_BATCH_SIZE = 5  # several batches, so the two scans interleave
    placed = datetime.now(UTC) - timedelta(hours=25)
    orders = OrderFactory.create_batch(30, state=State.PENDING, created_at=placed)
    results = twice_at_once(remind_requirements)

    assert sum(results) == 30
    for order in orders:
        assert len(_reminders_to(order.buyer, order)) == 1
        assert Order.objects.get(pk=order.pk).requirements_reminder_at == placed + 72 * HOUR
