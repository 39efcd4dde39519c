"""Who reaches which Resolution Center view: seller, buyer, stranger, staff,
anonymous. A stranger (staff included) gets 404 on anything about an order,
never a 403 that confirms it exists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Notification
from resolution import tickets
from sales import request_services as services
from sales.models import OrderEvent, State
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from testing.factories import OrderFactory, UserFactory
from testing.orders import cancellation_asked, extension_asked
from testing.pages import messages_of

pytestmark = pytest.mark.django_db

ROLES = ["seller", "buyer", "stranger", "staff", "anonymous"]


def _login(client, order, who):
    if who in ("seller", "buyer"):
        user = getattr(order, who)
    elif who == "stranger":
        user = UserFactory()
    elif who == "staff":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        return None
    client.force_login(user)
    return user


# -- the order-scoped endpoints ----------------------------------------------
# Each: how to set the order up, its URL, what to post, who may, and how to
# tell that it happened.


def _state(model, state):
    return lambda order, req: model.objects.get(pk=req.pk).state == state


ENDPOINTS = {
    "extension_create": dict(
        setup=None,
        url=lambda order, req: reverse("resolution:extension_create", args=[order.number]),
        data={"days": "3", "reason": "Need more time"},
        allowed={"seller"},
        done=lambda order, req: ExtensionRequest.objects.filter(order=order).exists(),
    ),
    **{
        f"extension_{answer}": dict(
            setup=extension_asked,
            url=lambda order, req, answer=answer: reverse(
                "resolution:extension_answer", args=[order.number, req.pk, answer]
            ),
            data={},
            allowed={who},
            done=_state(ExtensionRequest, state),
        )
        for answer, who, state in [
            ("approve", "buyer", RequestState.APPROVED),
            ("decline", "buyer", RequestState.DECLINED),
            ("withdraw", "seller", RequestState.WITHDRAWN),
        ]
    },
    "cancellation_create": dict(
        setup=None,
        url=lambda order, req: reverse("resolution:cancellation_create", args=[order.number]),
        data={"reason": "Let's stop here"},
        allowed={"seller", "buyer"},
        done=lambda order, req: CancellationRequest.objects.filter(order=order).exists(),
    ),
    **{
        f"cancellation_{answer}": dict(
            setup=cancellation_asked,
            url=lambda order, req, answer=answer: reverse(
                "resolution:cancellation_answer", args=[order.number, req.pk, answer]
            ),
            data={},
            allowed={who},
            done=_state(CancellationRequest, state),
        )
        for answer, who, state in [
            ("accept", "seller", RequestState.APPROVED),
            ("decline", "seller", RequestState.DECLINED),
            ("withdraw", "buyer", RequestState.WITHDRAWN),
        ]
    },
    "late_cancel": dict(
        setup=None,
        url=lambda order, req: reverse("resolution:late_cancel", args=[order.number]),
        data={"reason": "Far too late"},
        allowed={"buyer"},
        done=lambda order, req: type(order).objects.get(pk=order.pk).state == State.CANCELED,
    ),
}


def _prepare(name):
    spec = ENDPOINTS[name]
    order = OrderFactory(state=State.ACTIVE, due_at=timezone.now() - timedelta(hours=30))
    req = spec["setup"](order) if spec["setup"] else None
    return spec, order, req, spec["url"](order, req)


def _trace(order):
    """Everything a refused attempt must leave as it was."""
    order.refresh_from_db()
    return (
        order.state,
        order.due_at,
        list(OrderEvent.objects.filter(order=order).values_list("pk", flat=True)),
        list(ExtensionRequest.objects.filter(order=order).values_list("pk", "state")),
        list(CancellationRequest.objects.filter(order=order).values_list("pk", "state")),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_every_order_endpoint_answers_each_visitor(client, name, who):
    spec, order, req, url = _prepare(name)
    before = _trace(order)
    _login(client, order, who)

    response = client.post(url, spec["data"])

    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    elif who in ("stranger", "staff"):
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"] == order.get_absolute_url()
    if who in spec["allowed"]:
        assert spec["done"](order, req)
    else:
        assert not spec["done"](order, req)
        assert _trace(order) == before


@pytest.mark.parametrize("name", [n for n, spec in ENDPOINTS.items() if len(spec["allowed"]) == 1])
def test_the_wrong_party_is_told_why(client, name):
    spec, order, req, url = _prepare(name)
    (wrong,) = {"seller", "buyer"} - spec["allowed"]
    _login(client, order, wrong)

    response = client.post(url, spec["data"], follow=True)

    assert any(m.startswith("Only the") for m in messages_of(response))


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_transition_endpoints_refuse_get(client, name):
    spec, order, req, url = _prepare(name)
    before = _trace(order)
    _login(client, order, sorted(spec["allowed"])[0])

    response = client.get(url, spec["data"])

    assert response.status_code == 405
    assert _trace(order) == before


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_unknown_order_number_is_404(client, name):
    spec, order, req, url = _prepare(name)
    _login(client, order, sorted(spec["allowed"])[0])

    response = client.post(url.replace(order.number, "NOPE234567"), spec["data"])

    assert response.status_code == 404


# -- requests reached through the wrong order --------------------------------


@pytest.mark.parametrize("answer", ["approve", "decline", "withdraw"])
def test_extension_request_of_another_order_of_the_same_seller_is_404(client, answer):
    order = OrderFactory(state=State.ACTIVE)
    sibling = OrderFactory(state=State.ACTIVE, job=order.job, buyer=order.buyer)
    req = extension_asked(sibling)
    before = _trace(sibling)
    _login(client, order, "seller" if answer == "withdraw" else "buyer")

    response = client.post(
        reverse("resolution:extension_answer", args=[order.number, req.pk, answer])
    )

    assert response.status_code == 404
    assert _trace(sibling) == before


@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
def test_cancellation_request_of_someone_elses_order_is_404(client, answer):
    mine = OrderFactory(state=State.ACTIVE)
    theirs = OrderFactory(state=State.ACTIVE)
    req = cancellation_asked(theirs)
    before = _trace(theirs)
    _login(client, mine, "buyer" if answer == "withdraw" else "seller")

    response = client.post(
        reverse("resolution:cancellation_answer", args=[mine.number, req.pk, answer])
    )

    assert response.status_code == 404
    assert _trace(theirs) == before


def test_extension_request_of_someone_elses_order_is_404(client):
    mine = OrderFactory(state=State.ACTIVE)
    theirs = OrderFactory(state=State.ACTIVE)
    req = extension_asked(theirs)
    before = _trace(theirs)
    _login(client, mine, "buyer")

    response = client.post(
        reverse("resolution:extension_answer", args=[mine.number, req.pk, "approve"])
    )

    assert response.status_code == 404
    assert _trace(theirs) == before


def test_a_request_id_of_the_other_kind_is_404(client):
    order = OrderFactory(state=State.ACTIVE)
    extension = extension_asked(order)
    _login(client, order, "seller")

    response = client.post(
        reverse("resolution:cancellation_answer", args=[order.number, extension.pk, "accept"])
    )

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.state == State.ACTIVE


def test_service_refuses_a_request_paired_with_another_order():
    # The views check it with a 404; the services check it again under the lock.
    order = OrderFactory(state=State.ACTIVE)
    other = OrderFactory(state=State.ACTIVE, job=order.job, buyer=order.buyer)
    req = extension_asked(other)
    req.order = order
    with pytest.raises(services.RequestError, match="That request does not exist."):
        services.extension_request_approve(request=req, actor=order.buyer)
    assert ExtensionRequest.objects.get(pk=req.pk).state == RequestState.OPEN


@pytest.mark.parametrize(
    "family,word",
    [
        ("extension", "explode"),
        ("extension", "accept"),  # a cancellation word
        ("extension", "APPROVE"),
        ("cancellation", "explode"),
        ("cancellation", "approve"),  # an extension word
        ("cancellation", "expire"),
    ],
)
def test_unknown_answer_word_is_404(client, family, word):
    order = OrderFactory(state=State.ACTIVE)
    req = extension_asked(order) if family == "extension" else cancellation_asked(order)
    before = _trace(order)
    _login(client, order, "buyer" if family == "extension" else "seller")

    response = client.post(
        reverse(f"resolution:{family}_answer", args=[order.number, req.pk, word])
    )

    assert response.status_code == 404
    assert _trace(order) == before


def test_unknown_request_id_is_404(client):
    order = OrderFactory(state=State.ACTIVE)
    _login(client, order, "buyer")
    for family, answer in (("extension", "approve"), ("cancellation", "accept")):
        url = reverse(f"resolution:{family}_answer", args=[order.number, 999999, answer])
        assert client.post(url).status_code == 404


# -- the pages that are not about one order ------------------------------------

PAGES = [
    reverse("resolution:center"),
    reverse("resolution:vacation"),
    reverse("resolution:tickets"),
    reverse("resolution:ticket_create"),
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_log_in(client, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("who", ["seller", "buyer", "stranger", "staff"])
@pytest.mark.parametrize("url", PAGES)
def test_every_logged_in_user_has_their_own_page(client, url, who):
    order = OrderFactory(state=State.ACTIVE)
    _login(client, order, who)
    assert client.get(url).status_code == 200


def test_anonymous_vacation_post_sends_nothing(client):
    OrderFactory(state=State.ACTIVE)
    client.post(reverse("resolution:vacation"), {"days": "3", "reason": "Away"})
    assert not ExtensionRequest.objects.exists()


@pytest.mark.parametrize("who", ["buyer", "seller", "stranger", "staff"])
def test_ticket_detail_is_only_for_its_author(client, who):
    order = OrderFactory()
    ticket = tickets.ticket_create(user=order.buyer, subject="Help", body="Please", order=order)
    _login(client, order, who)

    response = client.get(reverse("resolution:ticket_detail", args=[ticket.pk]))

    assert response.status_code == (200 if who == "buyer" else 404)


def test_anonymous_ticket_detail_is_sent_to_log_in(client):
    ticket = tickets.ticket_create(user=UserFactory(), subject="Help", body="Please")
    url = reverse("resolution:ticket_detail", args=[ticket.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_resolution_center_shows_nobody_elses_requests(client, who):
    order = OrderFactory(state=State.ACTIVE)
    extension_asked(order)
    cancellation_asked(order)
    tickets.ticket_create(user=order.buyer, subject="Buyer's private ticket", body="x")
    _login(client, order, who)

    html = client.get(reverse("resolution:center")).content.decode()

    assert order.number not in html
    assert "Buyer&#x27;s private ticket" not in html
    assert "Nothing waits for you." in html
    assert "No open requests." in html
