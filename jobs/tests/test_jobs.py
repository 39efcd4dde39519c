"""Sellers create, edit and pause Jobs; buyers see and order live ones."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from sales.models import Order
from testing.factories import JobFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "I will design your brand identity",
    "category": "design",
    "description": "Logo, palette and type.",
    "price": "120.00",
    "delivery_days": "5",
    "revisions": "2",
    "questions": "Business name?\n\n  Colors?  ",
}


def test_seller_creates_a_job(client):
    seller = UserFactory()
    client.force_login(seller)

    response = client.post(reverse("jobs:create"), GOOD)

    assert response.status_code == 302
    job = Job.objects.get(seller=seller)
    assert (job.price, job.delivery_days, job.revisions) == (Decimal("120.00"), 5, 2)
    assert job.get_category_display() == "Graphics & design"
    assert job.question_list == ["Business name?", "Colors?"]
    assert job.title in client.get(reverse("jobs:list")).content.decode()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("title", "", "This field is required."),
        ("title", "Too short", "at least 10 characters"),
        ("title", "x" * 81, "at most 80 characters"),
        ("category", "", "This field is required."),
        ("category", "astrology", "Select a valid choice."),
        ("description", "", "This field is required."),
        ("description", "d" * 5001, "at most 5000 characters"),
        ("price", "", "This field is required."),
        ("price", "-5", "greater than or equal to 5"),
        ("price", "abc", "Enter a number."),
        ("price", "10000.01", "less than or equal to 10000"),
        ("price", "1.234", "no more than 2 decimal places"),
        ("delivery_days", "0", "greater than or equal to 1"),
        ("delivery_days", "-3", "greater than or equal to"),
        ("delivery_days", "91", "less than or equal to 90"),
        ("delivery_days", "two", "Enter a whole number."),
        ("revisions", "-1", "greater than or equal to 0"),
        ("revisions", "11", "less than or equal to 10"),
        ("revisions", "1.5", "Enter a whole number."),
        ("questions", "\n".join(f"Q{i}?" for i in range(11)), "Ask at most 10 questions."),
        ("questions", "q" * 201, "under 200 characters"),
    ],
)
def test_bad_job_data_is_refused_and_saves_nothing(client, field, value, message):
    client.force_login(UserFactory())
    response = client.post(reverse("jobs:create"), {**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_editing_a_job_leaves_placed_orders_alone(client):
    job = JobFactory(price=Decimal("50"))
    order = OrderFactory(job=job)
    client.force_login(job.seller)

    response = client.post(reverse("jobs:edit", args=[job.pk]), {**GOOD, "price": "80"})

    assert response.status_code == 302
    job.refresh_from_db()
    order.refresh_from_db()
    assert job.price == Decimal("80")
    assert order.price == Decimal("50")


def test_bad_edit_changes_nothing(client):
    job = JobFactory(price=Decimal("50"))
    client.force_login(job.seller)
    response = client.post(reverse("jobs:edit", args=[job.pk]), {**GOOD, "price": "-1"})
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.price == Decimal("50")


@pytest.mark.parametrize("viewer", ["stranger", "staff"])
def test_another_users_job_cannot_be_edited_or_paused(client, viewer):
    job = JobFactory()
    client.force_login(UserFactory(is_staff=viewer == "staff"))
    assert client.get(reverse("jobs:edit", args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:edit", args=[job.pk]), GOOD).status_code == 404
    assert client.post(reverse("jobs:pause", args=[job.pk]), {"paused": "1"}).status_code == 404
    job.refresh_from_db()
    assert not job.is_paused


def test_anonymous_is_sent_to_log_in_for_seller_pages(client):
    job = JobFactory()
    for url in (reverse("jobs:list"), reverse("jobs:create"), reverse("jobs:edit", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_pause_and_resume(client):
    job = JobFactory()
    client.force_login(job.seller)
    assert client.get(reverse("jobs:pause", args=[job.pk])).status_code == 405

    client.post(reverse("jobs:pause", args=[job.pk]), {"paused": "1"})
    job.refresh_from_db()
    assert job.is_paused
    assert job.title not in Client().get(reverse("home")).content.decode()

    client.post(reverse("jobs:pause", args=[job.pk]), {"paused": "0"})
    job.refresh_from_db()
    assert not job.is_paused
    assert job.title in Client().get(reverse("home")).content.decode()


def test_buyer_orders_a_live_job_from_its_page(client):
    job = JobFactory()
    buyer = UserFactory()
    client.force_login(buyer)
    page = client.get(reverse("storefront:job", args=[job.pk])).content.decode()
    assert "Order for $50.00" in page

    response = client.post(reverse("sales:order_place", args=[job.pk]))

    order = Order.objects.get(buyer=buyer)
    assert response["Location"] == order.get_absolute_url()


def test_paused_job_cannot_be_seen_or_ordered(client):
    job = JobFactory(is_paused=True)
    buyer = UserFactory()
    client.force_login(buyer)
    assert client.get(reverse("storefront:job", args=[job.pk])).status_code == 404
    response = client.post(reverse("sales:order_place", args=[job.pk]), follow=True)
    assert "This Job is paused and can't be ordered right now." in [
        str(m) for m in response.context["messages"]
    ]
    assert not Order.objects.exists()


def test_seller_cannot_order_own_job(client):
    job = JobFactory()
    client.force_login(job.seller)
    assert "Order for" not in client.get(reverse("storefront:job", args=[job.pk])).content.decode()
    client.post(reverse("sales:order_place", args=[job.pk]))
    assert not Order.objects.exists()


def test_anonymous_visitor_sees_the_job_and_is_asked_to_log_in(client):
    job = JobFactory()
    assert (
        "Log in to order" in client.get(reverse("storefront:job", args=[job.pk])).content.decode()
    )
    response = client.post(reverse("sales:order_place", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Order.objects.exists()


def test_order_place_is_post_only(client):
    job = JobFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("sales:order_place", args=[job.pk])).status_code == 405
