"""Every list page costs the same number of queries at two data sizes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from messaging.outbox import notify
from resolution.tickets import ticket_create
from sales.inquiry_services import inquiry_ask
from sales.models import State
from testing.factories import JobFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _grow(seller, buyer, n):
    job = JobFactory(seller=seller)
    now = timezone.now()
    for i in range(n):
        order = OrderFactory(
            job=job,
            buyer=buyer,
            state=State.COMPLETED,
            created_at=now - timedelta(days=1),
            completed_at=now - timedelta(hours=i),
            seller_first_message_at=now - timedelta(hours=20),
        )
        notify(
            recipients=[seller, buyer],
            kind="message",
            key=f"m:{order.pk}",
            order=order,
            text=f"Note {i}",
        )
        ticket_create(user=buyer, subject=f"Question {i}", body="?", order=order)
        inquiry_ask(job=JobFactory(seller=seller), buyer=buyer, body=f"Question {i}?")


@pytest.mark.parametrize(
    "name,args,who",
    [
        ("sales:sales", [], "seller"),
        ("sales:my_orders", [], "buyer"),
        ("sales:questions_received", [], "seller"),
        ("sales:questions_asked", [], "buyer"),
        ("sales:numbers", [], "seller"),
        ("sales:metric_detail", ["response"], "seller"),
        ("sales:metric_detail", ["earnings"], "seller"),
        ("messaging:notifications", [], "seller"),
        ("resolution:center", [], "buyer"),
        ("resolution:tickets", [], "buyer"),
        ("jobs:list", [], "seller"),
        ("home", [], "buyer"),
    ],
)
def test_list_page_queries_do_not_grow(client, name, args, who):
    seed = OrderFactory(state=State.COMPLETED)
    seller, buyer = seed.seller, seed.buyer
    client.force_login(seller if who == "seller" else buyer)
    url = reverse(name, args=args)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _grow(seller, buyer, 3)
    small = count()
    _grow(seller, buyer, 60)
    assert count() == small
