"""The per-state counts behind the tabs: kept by every service that places or
moves an order, in its transaction, and checked against the orders."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sales import counts, services
from sales import request_services as resolution_services
from sales.counts import order_counts_drift, order_counts_move, order_counts_rebuild
from sales.models import Order, OrderCount, State
from sales.selectors import order_tab_counts
from testing.factories import JobFactory, OrderFactory, UserFactory
from testing.racing import race, slowed
from testing.uploads import png

pytestmark = pytest.mark.django_db


def _tabs(user, role):
    counts = order_tab_counts(user, role)
    return {state.value: counts[state.value] for state in State}


def _assert_counts_match_the_orders():
    assert order_counts_drift() == {}


def test_every_service_keeps_the_counts_equal_to_the_orders():
    seller, buyer = UserFactory(), UserFactory()
    support = UserFactory(is_staff=True, is_superuser=True)
    job = JobFactory(seller=seller, revisions=1)

    def place():
        order = services.order_place(job=job, buyer=buyer)
        _assert_counts_match_the_orders()
        return order

    def start(order):
        services.order_submit_requirements(order=order, actor=buyer, answers=[])
        _assert_counts_match_the_orders()

    # Placed, started, delivered, sent back, delivered again, accepted.
    first = place()
    start(first)
    services.order_deliver(order=first, actor=seller, message="Here it is")
    _assert_counts_match_the_orders()
    services.order_request_revision(order=first, actor=buyer, message="Bigger logo")
    _assert_counts_match_the_orders()
    services.order_deliver(order=first, actor=seller, message="Bigger")
    services.order_accept(order=first, actor=buyer)
    _assert_counts_match_the_orders()

    # Delivered and completed by the clock.
    second = place()
    start(second)
    services.order_deliver(order=second, actor=seller, message="Done")
    services.order_auto_complete(order=second, now=timezone.now() + timedelta(days=30))
    _assert_counts_match_the_orders()

    # Canceled by support while pending.
    third = place()
    services.order_cancel(order=third, actor=support, reason="Duplicate order")
    _assert_counts_match_the_orders()

    # Canceled by mutual agreement.
    fourth = place()
    start(fourth)
    request = resolution_services.cancellation_request_create(
        order=fourth, actor=seller, reason="Can't do it"
    )
    resolution_services.cancellation_request_accept(request=request, actor=buyer)
    _assert_counts_match_the_orders()

    # Still in progress.
    fifth = place()
    start(fifth)

    expected = {"pending": 0, "active": 1, "delivered": 0, "completed": 2, "canceled": 2}
    assert _tabs(seller, "seller") == expected
    assert _tabs(buyer, "buyer") == expected
    assert _tabs(seller, "buyer") == dict.fromkeys(expected, 0)
    assert _tabs(buyer, "seller") == dict.fromkeys(expected, 0)


def test_the_sales_page_and_my_orders_show_the_counts(client):
    seller, buyer = UserFactory(), UserFactory()
    job = JobFactory(seller=seller)
    for _ in range(3):
        services.order_place(job=job, buyer=buyer)
    OrderFactory(job=job, buyer=buyer, state=State.COMPLETED)

    client.force_login(seller)
    counts = client.get(reverse("sales:sales")).context["counts"]
    assert (counts["pending"], counts["completed"], counts["active"]) == (3, 1, 0)
    client.force_login(buyer)
    counts = client.get(reverse("sales:my_orders")).context["counts"]
    assert (counts["pending"], counts["completed"]) == (3, 1)


def test_a_refused_change_counts_nothing():
    order = OrderFactory(state=State.ACTIVE)
    before = _tabs(order.seller, "seller")

    with pytest.raises(services.OrderActionError):
        services.order_accept(order=order, actor=order.buyer)  # nothing delivered yet

    assert _tabs(order.seller, "seller") == before
    _assert_counts_match_the_orders()


def test_a_change_that_fails_after_counting_rolls_the_count_back(monkeypatch):
    order = OrderFactory(state=State.ACTIVE)
    before = _tabs(order.seller, "seller")

    def broken(*args, **kwargs):
        raise RuntimeError("the event could not be written")

    monkeypatch.setattr(services, "event_record", broken)
    with pytest.raises(RuntimeError):
        services.order_deliver(order=order, actor=order.seller, message="Files")

    order.refresh_from_db()
    assert order.state == State.ACTIVE
    assert (
        _tabs(order.seller, "seller")
        == before
        == {"pending": 0, "active": 1, "delivered": 0, "completed": 0, "canceled": 0}
    )


def test_the_command_reports_drift_and_rebuilds(capsys):
    order = OrderFactory(state=State.ACTIVE)
    call_command("order_counts")
    assert "The counts match the orders." in capsys.readouterr().out

    # A change made round the services (a hand-written UPDATE, say).
    Order.objects.filter(pk=order.pk).update(state=State.COMPLETED)
    with pytest.raises(CommandError, match="4 counts differ; run with --rebuild"):
        call_command("order_counts")
    out = capsys.readouterr().out
    assert f"user {order.seller_id} as seller, active: stored 1, orders say 0" in out
    assert f"user {order.seller_id} as seller, completed: stored 0, orders say 1" in out
    assert f"user {order.buyer_id} as buyer, completed: stored 0, orders say 1" in out

    call_command("order_counts", "--rebuild")
    assert "Rebuilt: 2 count rows written." in capsys.readouterr().out
    call_command("order_counts")
    assert _tabs(order.seller, "seller")["completed"] == 1
    assert _tabs(order.buyer, "buyer")["completed"] == 1


def test_a_rebuild_for_some_users_leaves_the_others_alone():
    mine, theirs = OrderFactory(state=State.ACTIVE), OrderFactory(state=State.ACTIVE)
    Order.objects.filter(pk__in=[mine.pk, theirs.pk]).update(state=State.COMPLETED)

    order_counts_rebuild([mine.seller_id])

    assert order_counts_drift([mine.seller_id]) == {}
    assert set(order_counts_drift()) == {
        (mine.buyer_id, "buyer", "active"),
        (mine.buyer_id, "buyer", "completed"),
        (theirs.seller_id, "seller", "active"),
        (theirs.seller_id, "seller", "completed"),
        (theirs.buyer_id, "buyer", "active"),
        (theirs.buyer_id, "buyer", "completed"),
    }


def test_the_migration_counts_the_orders_that_were_there():
    OrderFactory.create_batch(2, state=State.DELIVERED)
    OrderFactory(state=State.CANCELED)
    OrderCount.objects.all().delete()
    migration = importlib.import_module("sales.migrations.0008_order_counts")

    migration.count_existing_orders(apps, None)

    _assert_counts_match_the_orders()
    assert OrderCount.objects.filter(state="delivered", orders=1).count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_changes_to_one_sellers_orders_at_once_are_both_counted(monkeypatch):
    # One order goes active -> delivered while another goes delivered ->
    # active: the two touch the same two count rows in opposite directions.
    slowed(monkeypatch, services, "_check")
    seller = UserFactory()
    job = JobFactory(seller=seller, revisions=3)
    going = OrderFactory(job=job, state=State.ACTIVE)
    coming_back = OrderFactory(
        job=job, state=State.DELIVERED, delivered_at=timezone.now() - timedelta(hours=1)
    )

    outcomes = race(
        lambda: services.order_deliver(order=going, actor=seller, message="Files"),
        lambda: services.order_request_revision(
            order=coming_back, actor=coming_back.buyer, message="Please change"
        ),
    )

    assert [status for status, _ in outcomes] == ["ok", "ok"]
    _assert_counts_match_the_orders()
    assert _tabs(seller, "seller")["active"] == 1
    assert _tabs(seller, "seller")["delivered"] == 1


def test_a_move_to_the_same_state_counts_nothing():
    order = OrderFactory(state=State.ACTIVE)

    order_counts_move(order, from_state=State.ACTIVE, to_state=State.ACTIVE)

    assert _tabs(order.seller, "seller")["active"] == 1
    _assert_counts_match_the_orders()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_delivery_upload_does_not_hold_up_the_sellers_other_orders(monkeypatch):
    # The delivery's files go to storage before its transaction starts, so
    # neither the order rows nor the seller's count rows are locked meanwhile.
    seller = UserFactory()
    job = JobFactory(seller=seller)
    delivering = OrderFactory(job=job, state=State.ACTIVE)
    reviewed = OrderFactory(
        job=job, state=State.DELIVERED, delivered_at=timezone.now() - timedelta(hours=1)
    )
    uploading, release = threading.Event(), threading.Event()
    storage = storages["attachments"]
    real_save = storage.save

    def slow_upload(*args, **kwargs):
        uploading.set()
        assert release.wait(timeout=20)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(storage, "save", slow_upload)

    def in_thread(call):
        try:
            call()
        finally:
            connection.close()

    delivery = threading.Thread(
        target=in_thread,
        args=(
            lambda: services.order_deliver(
                order=delivering, actor=seller, message="Files", files=[png()]
            ),
        ),
    )
    delivery.start()
    assert uploading.wait(timeout=20)
    accept = threading.Thread(
        target=in_thread,
        args=(lambda: services.order_accept(order=reviewed, actor=reviewed.buyer),),
    )
    accept.start()
    accept.join(timeout=10)
    finished_while_uploading = not accept.is_alive()
    release.set()
    delivery.join(timeout=20)
    accept.join(timeout=20)

    assert finished_while_uploading, "the accept waited for the other order's upload"
    assert delivering.messages.get().attachments.count() == 1
    _assert_counts_match_the_orders()
    assert _tabs(seller, "seller") == {
        "pending": 0,
        "active": 0,
        "delivered": 1,
        "completed": 1,
        "canceled": 0,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_placed_during_a_rebuild_waits_for_it_and_is_counted_once(monkeypatch):
    # The rebuild has cleared the seller's rows and is about to recount. An
    # order placed now would, without the table lock, commit a count row the
    # recount then inserts again (a duplicate key), or be counted twice.
    seller = UserFactory()
    job = JobFactory(seller=seller)
    OrderFactory(job=job, state=State.ACTIVE)  # the seller has no pending row yet
    recounting, go = threading.Event(), threading.Event()
    real_counted = counts._counted

    def paused_recount(user_ids):
        recounting.set()
        assert go.wait(timeout=20)
        return real_counted(user_ids)

    monkeypatch.setattr(counts, "_counted", paused_recount)
    outcomes = {}

    def in_thread(name, call):
        try:
            outcomes[name] = call()
        except Exception as error:  # the outcome is what the test reads
            outcomes[name] = error
        finally:
            connection.close()

    rebuild = threading.Thread(target=in_thread, args=("rebuild", order_counts_rebuild))
    rebuild.start()
    assert recounting.wait(timeout=20)
    place = threading.Thread(
        target=in_thread,
        args=("place", lambda: services.order_place(job=job, buyer=UserFactory())),
    )
    place.start()
    place.join(timeout=1)
    waited_for_the_rebuild = place.is_alive()
    go.set()
    rebuild.join(timeout=20)
    place.join(timeout=20)

    assert waited_for_the_rebuild, "the order was placed in the middle of the recount"
    assert isinstance(outcomes["rebuild"], int), outcomes["rebuild"]
    assert isinstance(outcomes["place"], Order), outcomes["place"]
    _assert_counts_match_the_orders()
    assert _tabs(seller, "seller")["pending"] == 1
    assert _tabs(seller, "seller")["active"] == 1
