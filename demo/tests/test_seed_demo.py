"""The demo data: believable people, Jobs and histories; every state and every
case that needs someone now; consistent counts; and idempotent."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from jobs.models import Job
from jobs.selectors import jobs_needing_more_time
from messaging.models import Message, MessageKind, Notification
from resolution.models import SupportTicket
from sales.counts import order_counts_drift
from sales.inquiries import Inquiry
from sales.models import EventKind, Order, OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState

pytestmark = pytest.mark.django_db

SEE_FIRST_MESSAGE = "See the brief in my first message."


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the tests that only read it (it takes
    seconds), and rolled back after them; each test runs in a savepoint."""
    private = tmp_path_factory.mktemp("private")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_MEDIA_ROOT=private, PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded):
    return User.objects.get(username="demo_seller"), User.objects.get(username="demo_buyer")


def _snapshot():
    return (
        sorted(User.objects.values_list("username", "password", "first_name", "last_name")),
        sorted(Job.objects.values_list("title", "description", "price", "is_paused")),
        sorted(Order.objects.values_list("number", "state", "due_at", "seller_read_at")),
        OrderEvent.objects.count(),
        Message.objects.count(),
        sorted(Notification.objects.values_list("pk", "created_at", "read_at")),
    )


def test_seed_demo_covers_every_state_and_prints_the_log_ins(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("seed_demo", stdout=out)

    seller = User.objects.get(username="demo_seller")
    states = set(Order.objects.filter(seller=seller).values_list("state", flat=True))
    assert states == set(State.values)
    active = Order.objects.filter(seller=seller, state=State.ACTIVE)
    clocks = [o.clock() for o in active]
    assert "late" in clocks and "due_soon" in clocks
    assert User.objects.get(username="support").is_staff
    assert "Demo log-ins (http://127.0.0.1:8123/)" in out.getvalue()
    for login in (
        "demo_seller / demo-seller-pass",
        "demo_buyer / demo-buyer-pass",
        "support / demo-support-pass",
    ):
        assert login in out.getvalue()
    # Every order's history starts with its placing.
    for order in Order.objects.all():
        assert order.events.first().kind == "placed"


def test_running_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=StringIO())
    before = _snapshot()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _snapshot() == before
    assert "nothing to add" in out.getvalue()


def test_demo_support_user_can_cancel_in_the_admin(client, demo):
    support = User.objects.get(username="support")
    order = Order.objects.filter(state=State.ACTIVE).first()
    assert [t.name for t in order.get_available_user_state_transitions(support)] == ["cancel"]
    client.force_login(support)
    response = client.post(f"/admin/sales/order/{order.pk}/transition/cancel/", {"reason": "Demo"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CANCELED


def test_demo_people_have_names_and_the_jobs_are_a_catalogue(demo):
    seller, _ = demo
    for user in User.objects.all():
        assert user.first_name and user.last_name, user.username
        assert user.display_name != user.username

    jobs = Job.objects.all()
    assert len({j.description for j in jobs}) == len(jobs) >= 8
    mine = jobs.filter(seller=seller)
    assert mine.count() >= 6 and mine.filter(is_paused=True).count() == 1
    assert len({j.price for j in mine}) >= 4 and len({j.delivery_days for j in mine}) >= 3
    assert len({j.revisions for j in mine}) >= 2
    for job in jobs:
        assert job.question_list, job.title
        assert job.title not in job.description  # its own words, not the title again
    # Other people sell too.
    assert jobs.exclude(seller=seller).exists()


def test_the_seller_has_enough_orders_to_page_by_many_buyers(demo, settings):
    seller, _ = demo
    completed = Order.objects.filter(seller=seller, state=State.COMPLETED)
    assert settings.SALES_PAGE_SIZE == 25
    assert completed.count() >= 30 > settings.SALES_PAGE_SIZE
    assert completed.values("buyer").distinct().count() >= 8
    assert completed.values("job").distinct().count() >= 5
    # Over months, not one afternoon.
    oldest = completed.order_by("completed_at").first().completed_at
    assert timezone.now() - oldest > timedelta(days=90)


def test_every_case_that_needs_someone_now_has_an_order(demo):
    seller, buyer = demo
    now = timezone.now()
    mine = Order.objects.filter(seller=seller)

    # The seller: new orders not written to yet, pending and started.
    for state in (State.PENDING, State.ACTIVE):
        assert mine.filter(state=state, seller_first_message_at=None).exists(), state
    # A revision the buyer asked for, with the note in the conversation.
    revised = mine.filter(state=State.ACTIVE, revisions_used__gt=0).get()
    event = revised.events.filter(kind=EventKind.REVISION_REQUESTED).last()
    note = revised.messages.filter(sender=revised.buyer).last()
    assert note.body == event.data["message"]
    # A cancellation request from the buyer, waiting for the seller.
    assert CancellationRequest.objects.filter(
        order__seller=seller, state=RequestState.OPEN, requested_by=buyer
    ).exists()
    on_time = CancellationRequest.objects.filter(
        order__seller=seller, order__due_at__gt=now, state=RequestState.OPEN
    )
    assert on_time.exclude(requested_by=seller).exists()
    # Late, and due soon.
    assert any(o.clock(now) == "late" for o in mine.filter(state=State.ACTIVE))
    assert any(o.clock(now) == "due_soon" for o in mine.filter(state=State.ACTIVE))

    # The buyer: requirements to submit, a delivery to review, a request to answer.
    bought = Order.objects.filter(buyer=buyer)
    assert bought.filter(state=State.PENDING).exists()
    assert bought.filter(state=State.DELIVERED).exists()
    assert ExtensionRequest.objects.filter(
        order__buyer=buyer, state=RequestState.OPEN, order__state=State.ACTIVE
    ).exists()


def test_the_readme_promises_hold(demo):
    """Turns late at +3 minutes; completes by itself at +4; open requests on
    the demo buyer's orders; a Job that keeps needing more time; two tickets."""
    seller, buyer = demo
    now = timezone.now()
    bought = Order.objects.filter(buyer=buyer, seller=seller)

    soon_late = bought.filter(
        state=State.ACTIVE, due_at__gt=now, due_at__lte=now + timedelta(minutes=3)
    )
    assert soon_late.exists()
    review_ends = [o.review_ends_at for o in bought.filter(state=State.DELIVERED)]
    assert any(now < end <= now + timedelta(minutes=4) for end in review_ends)
    for model in (ExtensionRequest, CancellationRequest):
        assert model.objects.filter(order__buyer=buyer, state=RequestState.OPEN).exists()
    assert [i.job.title for i in jobs_needing_more_time(seller)] == [
        "I will write SEO blog posts for your website"
    ]
    assert SupportTicket.objects.count() == 2


def test_requirements_that_point_to_the_first_message_find_the_brief_there(demo):
    pointing = [
        o
        for o in Order.objects.exclude(requirements=[])
        if any(a["answer"] == SEE_FIRST_MESSAGE for a in o.requirements)
    ]
    assert pointing
    for order in pointing:
        first = order.messages.order_by("created_at", "pk").first()
        submitted = order.events.get(kind=EventKind.REQUIREMENTS_SUBMITTED)
        assert first.sender_id == order.buyer_id
        assert first.created_at < submitted.created_at
        for question in order.questions:
            assert question in first.body
    # The rest stand on their own: real answers, not pointers.
    standing = Order.objects.exclude(requirements=[]).exclude(pk__in=[o.pk for o in pointing])
    assert standing.count() > len(pointing)
    for order in standing:
        assert all(a["answer"] and "message" not in a["answer"] for a in order.requirements)


def test_notices_are_spread_over_time_and_mostly_read(demo):
    seller, buyer = demo
    now = timezone.now()
    for user in (seller, buyer):
        notices = Notification.objects.filter(recipient=user)
        days = {n.date() for n in notices.values_list("created_at", flat=True)}
        unread = notices.filter(read_at=None).count()
        assert len(days) >= 10, user
        assert 1 <= unread <= 15, (user, unread)
        assert notices.filter(read_at__isnull=False).count() > unread
    for notice in Notification.objects.exclude(order=None).select_related("order"):
        assert notice.order.created_at <= notice.created_at <= now
        assert notice.read_at is None or notice.read_at >= notice.created_at
    assert not Notification.objects.filter(emailed_at=None).exists()


def test_histories_run_in_order_and_the_counts_match(demo):
    now = timezone.now()
    assert order_counts_drift() == {}
    call_command("order_counts", stdout=StringIO())  # exits 1 on any difference
    for order in Order.objects.prefetch_related("events", "messages"):
        events = sorted(order.events.all(), key=lambda e: e.pk)
        messages = sorted(order.messages.all(), key=lambda m: m.pk)
        for seq in (events, messages):
            times = [row.created_at for row in seq]
            assert times == sorted(times), order
            assert all(order.created_at <= t <= now for t in times), order
        deliveries = [m for m in messages if m.kind == MessageKind.DELIVERY]
        if deliveries:
            assert abs(deliveries[0].created_at - order.first_delivered_at) < timedelta(seconds=1)
        seller_messages = [m for m in messages if m.sender_id == order.seller_id]
        if seller_messages:
            first = seller_messages[0].created_at
            assert abs(first - order.seller_first_message_at) < timedelta(seconds=1)
    # Placed, answered and delivered at human speeds, not all in one instant.
    completed = Order.objects.filter(state=State.COMPLETED)
    gaps = Counter((o.completed_at - o.created_at) > timedelta(days=1) for o in completed)
    assert gaps[True] == completed.count()
    late_firsts = completed.filter(first_delivery_late=True).count()
    assert 1 <= late_firsts <= 3


def test_the_demo_has_reviews_at_every_stage(demo):
    from decimal import ROUND_HALF_UP, Decimal

    from sales.reviews import Review, ReviewRole

    seller, _ = demo
    mine = Review.objects.filter(order__seller=seller)
    published = mine.filter(published_at__isnull=False)
    assert published.filter(role=ReviewRole.BUYER).count() >= 20
    assert published.filter(role=ReviewRole.SELLER).exists()
    # Waiting for the other side: the buyer's, and the seller's.
    hidden = mine.filter(published_at=None)
    assert set(hidden.values_list("role", flat=True)) == {ReviewRole.BUYER, ReviewRole.SELLER}
    assert published.exclude(replied_at=None).exists()
    now = timezone.now()
    # The seller's rating is the average of their published buyers' reviews.
    stars = list(published.filter(role=ReviewRole.BUYER).values_list("stars", flat=True))
    seller.refresh_from_db()
    assert seller.rating_count == len(stars) and seller.rating_total == sum(stars)
    average = (Decimal(sum(stars)) / len(stars)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert seller.rating_avg == average
    for review in mine:
        assert review.order.completed_at <= review.created_at <= review.window_ends_at
        assert review.published_at is None or review.published_at <= now


def test_the_demo_seller_has_questions_before_ordering_one_waiting(demo, client):
    seller, buyer = demo
    inquiries = Inquiry.objects.filter(seller=seller)
    assert inquiries.count() == 3
    (waiting,) = inquiries.filter(waiting_since__isnull=False)
    assert waiting.messages.get().sender_id == waiting.buyer_id
    mine = inquiries.get(buyer=buyer)
    assert mine.waiting_since is None
    for inquiry in inquiries:
        times = list(inquiry.messages.values_list("created_at", flat=True))
        assert times == sorted(times) and inquiry.last_message_at == times[-1]
    client.force_login(seller)
    page = client.get(reverse("sales:sales")).content.decode()
    assert "1 question from buyers waiting for your answer" in page
