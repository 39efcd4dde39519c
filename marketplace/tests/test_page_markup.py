"""Every main page: no two elements share an id, and every label points at
a field that exists (a label that focuses nothing helps no one)."""

from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import State
from sales.request_services import cancellation_request_create, extension_request_create
from sales.services import message_send
from testing.factories import JobFactory, OrderFactory

pytestmark = pytest.mark.django_db


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()
        self.label_targets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])


def _check(html, where):
    markup = Markup()
    markup.feed(html)
    twice = sorted(i for i, n in markup.ids.items() if n > 1)
    assert not twice, f"{where}: ids used more than once: {twice}"
    dangling = sorted(set(markup.label_targets) - set(markup.ids))
    assert not dangling, f"{where}: labels pointing at nothing: {dangling}"


@pytest.fixture
def orders():
    now = timezone.now()
    job = JobFactory()
    made = {
        "pending": OrderFactory(job=job, state=State.PENDING),
        "active": OrderFactory(job=job, state=State.ACTIVE, due_at=now + timedelta(days=2)),
        "very_late": OrderFactory(job=job, state=State.ACTIVE, due_at=now - timedelta(days=3)),
        "delivered": OrderFactory(job=job, state=State.DELIVERED, delivered_at=now),
        "completed": OrderFactory(job=job, state=State.COMPLETED, completed_at=now),
        "canceled": OrderFactory(job=job, state=State.CANCELED, canceled_at=now),
    }
    message_send(order=made["active"], sender=made["active"].buyer, body="Hello")
    extension_request_create(order=made["active"], actor=job.seller, days=2, reason="More.")
    cancellation_request_create(
        order=made["delivered"], actor=made["delivered"].buyer, reason="No longer needed."
    )
    return job, made


def test_order_pages_have_unique_ids_and_labels_that_point_at_fields(client, orders):
    job, made = orders
    for name, order in made.items():
        for role in ("seller", "buyer"):
            client.force_login(getattr(order, role))
            for params in ({}, {"deliver": "1"}):
                response = client.get(order.get_absolute_url(), params)
                assert response.status_code == 200
                _check(response.content.decode(), f"{name} order as {role} {params}")


@pytest.mark.parametrize(
    "name,args,params",
    [
        ("sales:sales", [], {}),
        ("sales:sales", [], {"tab": "priority"}),
        ("sales:sales", [], {"tab": "active"}),
        ("sales:sales", [], {"tab": "canceled"}),
        ("sales:sales", [], {"q": "great"}),
        ("sales:my_orders", [], {}),
        ("sales:numbers", [], {}),
        ("messaging:notifications", [], {}),
        ("messaging:email_preferences", [], {}),
        ("resolution:center", [], {}),
        ("resolution:tickets", [], {}),
        ("resolution:ticket_create", [], {}),
        ("resolution:vacation", [], {}),
        ("jobs:list", [], {}),
        ("jobs:create", [], {}),
        ("accounts:profile", [], {}),
        ("home", [], {}),
        ("home", [], {"q": "nothing-like-this"}),
        ("home", [], {"category": "design", "sort": "price"}),
    ],
)
def test_main_pages_have_unique_ids_and_labels_that_point_at_fields(
    client, orders, name, args, params
):
    job, made = orders
    for user in (job.seller, made["active"].buyer):
        client.force_login(user)
        response = client.get(reverse(name, args=args), params)
        assert response.status_code == 200
        _check(response.content.decode(), f"{name} {params} as {user}")


def test_job_pages_have_unique_ids_and_labels(client, orders):
    job, _ = orders
    client.force_login(job.seller)
    for url in (reverse("jobs:edit", args=[job.pk]), reverse("storefront:job", args=[job.pk])):
        _check(client.get(url).content.decode(), url)
    client.logout()
    for url in (
        reverse("storefront:job", args=[job.pk]),
        reverse("storefront:seller", args=[job.seller.username]),
        reverse("login"),
        reverse("accounts:signup"),
    ):
        _check(client.get(url).content.decode(), url)
