"""Each request and answer tells the other person exactly once."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from messaging.outbox import notify
from sales import request_services as services
from sales.models import State
from sales.services import order_cancel_very_late
from testing.factories import OrderFactory, UserFactory
from testing.orders import cancellation_asked, extension_asked

pytestmark = pytest.mark.django_db


def _notices(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_extension_request_notifies_the_buyer_once(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.seller)

    client.post(
        reverse("resolution:extension_create", args=[order.number]),
        {"days": "2", "reason": "Waiting on your logo files"},
    )

    assert _notices(order.buyer) == ["extension_requested"]
    assert _notices(order.seller) == []
    notice = Notification.objects.get(recipient=order.buyer)
    assert notice.order == order
    assert notice.url == order.get_absolute_url()
    assert "2 more days" in notice.text and "Waiting on your logo files" in notice.text


@pytest.mark.parametrize(
    "answer,actor,recipient",
    [
        ("approve", "buyer", "seller"),
        ("decline", "buyer", "seller"),
        ("withdraw", "seller", "buyer"),
    ],
)
def test_extension_answer_notifies_the_other_party_once(client, answer, actor, recipient):
    order = OrderFactory(state=State.ACTIVE)
    request = extension_asked(order)
    before = {role: _notices(getattr(order, role)) for role in ("buyer", "seller")}
    client.force_login(getattr(order, actor))
    url = reverse("resolution:extension_answer", args=[order.number, request.pk, answer])

    client.post(url)
    client.post(url)  # a double click is refused and tells nobody again

    assert _notices(getattr(order, recipient)) == [
        "extension_answered",
        *before[recipient],
    ]
    assert _notices(getattr(order, actor)) == before[actor]


def test_approval_notice_names_the_new_due_date():
    order = OrderFactory(state=State.ACTIVE, due_at=datetime(2030, 1, 15, 12, tzinfo=UTC))
    services.extension_request_approve(request=extension_asked(order, days=3), actor=order.buyer)

    notice = Notification.objects.get(recipient=order.seller, kind="extension_answered")
    assert notice.text == (
        f"{order.buyer.username} approved 3 more days on #{order.number}. "
        "It is now due 18 Jan 2030, 12:00 UTC."
    )


def test_approval_notice_shows_the_due_date_in_the_sellers_time_zone(client):
    order = OrderFactory(state=State.ACTIVE, due_at=datetime(2030, 1, 15, 12, tzinfo=UTC))
    order.seller.timezone = "Asia/Tokyo"
    order.seller.save()
    order.buyer.timezone = "America/New_York"
    order.buyer.save()
    request = extension_asked(order, days=3)
    client.force_login(order.buyer)

    client.post(reverse("resolution:extension_answer", args=[order.number, request.pk, "approve"]))

    notice = Notification.objects.get(recipient=order.seller, kind="extension_answered")
    due = datetime(2030, 1, 18, 12, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert due.strftime("%d %b %Y, %H:%M %Z") in notice.text  # "18 Jan 2030, 21:00 JST"


@pytest.mark.parametrize("requester", ["buyer", "seller"])
def test_cancellation_request_notifies_the_other_party_once(client, requester):
    order = OrderFactory(state=State.ACTIVE)
    other = "seller" if requester == "buyer" else "buyer"
    client.force_login(getattr(order, requester))

    client.post(
        reverse("resolution:cancellation_create", args=[order.number]), {"reason": "Plans changed"}
    )

    assert _notices(getattr(order, other)) == ["cancellation_requested"]
    assert _notices(getattr(order, requester)) == []


@pytest.mark.parametrize(
    "answer,actor,recipient", [("decline", "seller", "buyer"), ("withdraw", "buyer", "seller")]
)
def test_cancellation_answer_notifies_the_other_party_once(client, answer, actor, recipient):
    order = OrderFactory(state=State.ACTIVE)
    request = cancellation_asked(order, "buyer")
    before = {role: _notices(getattr(order, role)) for role in ("buyer", "seller")}
    client.force_login(getattr(order, actor))
    url = reverse("resolution:cancellation_answer", args=[order.number, request.pk, answer])

    client.post(url)
    client.post(url)

    assert _notices(getattr(order, recipient)) == ["cancellation_answered", *before[recipient]]
    assert _notices(getattr(order, actor)) == before[actor]


def test_accepted_cancellation_tells_the_one_who_asked_once(client):
    order = OrderFactory(state=State.ACTIVE)
    request = cancellation_asked(order, "buyer")
    client.force_login(order.seller)
    url = reverse("resolution:cancellation_answer", args=[order.number, request.pk, "accept"])

    client.post(url)
    client.post(url)

    assert _notices(order.buyer) == ["canceled"]
    # The seller canceled it themselves: only the request they answered.
    assert _notices(order.seller) == ["cancellation_requested"]
    assert "Mutual agreement" in Notification.objects.get(recipient=order.buyer).text


def test_late_cancel_tells_the_seller_once():
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=30))
    order_cancel_very_late(order=order, actor=order.buyer, reason="Too late")

    assert _notices(order.buyer) == []
    assert _notices(order.seller) == ["canceled"]


def test_refused_actions_notify_nobody():
    order = OrderFactory(state=State.ACTIVE)
    request = extension_asked(order)
    with pytest.raises(services.RequestError):
        services.extension_request_approve(request=request, actor=order.seller)
    with pytest.raises(services.RequestError):
        extension_asked(order)  # a second open request
    assert Notification.objects.filter(recipient=order.seller).count() == 0
    assert Notification.objects.filter(recipient=order.buyer).count() == 1


def test_notify_twice_with_the_same_key_makes_one_row():
    user = UserFactory()
    order = OrderFactory(buyer=user)

    for _ in range(2):
        notify(
            recipients=[user, user],
            kind=NotificationKind.EXTENSION_REQUESTED,
            key="event:42",
            order=order,
            text="Please answer",
        )

    assert Notification.objects.filter(recipient=user).count() == 1


def test_notify_with_another_key_or_recipient_makes_another_row():
    user, other = UserFactory(), UserFactory()
    order = OrderFactory(buyer=user)

    notify(recipients=[user], kind="extension_requested", key="event:1", order=order, text="a")
    notify(recipients=[user], kind="extension_requested", key="event:2", order=order, text="b")
    notify(recipients=[user], kind="extension_answered", key="event:2", order=order, text="c")
    notify(recipients=[other], kind="extension_answered", key="event:2", order=order, text="d")

    assert Notification.objects.filter(recipient=user).count() == 3
    assert Notification.objects.filter(recipient=other).count() == 1
