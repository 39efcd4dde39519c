"""Support tickets: users write, staff answer in the admin, users read the answer."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from factories import OrderFactory, UserFactory
from messaging.models import Notification
from resolution import services
from resolution.models import SupportTicket, TicketStatus

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("resolution:ticket_create")
LIST_URL = reverse("resolution:tickets")
SUBJECT = "The seller does not answer"
BODY = "I wrote three times since Monday and heard nothing."
ANSWER = "We contacted the seller; you will hear from them today."


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _detail_url(ticket):
    return reverse("resolution:ticket_detail", args=[ticket.pk])


def _ticket(user, **kwargs):
    return services.ticket_create(
        user=user, subject=kwargs.pop("subject", SUBJECT), body=BODY, **kwargs
    )


@pytest.fixture
def support():
    user = UserFactory(username="support_sue", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_supportticket", "change_supportticket"])
    )
    return user


# -- writing -----------------------------------------------------------------


def test_user_creates_a_ticket_and_sees_it_waiting(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(CREATE_URL, {"subject": SUBJECT, "body": BODY}, follow=True)

    ticket = SupportTicket.objects.get()
    assert response.redirect_chain == [(_detail_url(ticket), 302)]
    assert "Your ticket was sent. Our support team will get back to you shortly." in _messages(
        response
    )
    assert (ticket.user, ticket.subject, ticket.body, ticket.order) == (user, SUBJECT, BODY, None)
    assert ticket.status == TicketStatus.OPEN
    html = response.content.decode()
    assert SUBJECT in html and BODY in html
    assert "Our support team will get back to you shortly." in html


@pytest.mark.parametrize("role", ["buyer", "seller"])
@pytest.mark.parametrize("typed", ["{n}", "#{n}", " {lower} "])
def test_ticket_can_be_about_one_of_your_orders(client, role, typed):
    order = OrderFactory()
    client.force_login(getattr(order, role))
    number = typed.format(n=order.number, lower=order.number.lower())

    response = client.post(
        CREATE_URL, {"subject": SUBJECT, "body": BODY, "order": number}, follow=True
    )

    ticket = SupportTicket.objects.get()
    assert ticket.order == order
    assert f'About order <a href="{order.get_absolute_url()}">#{order.number}</a>' in (
        response.content.decode()
    )


@pytest.mark.parametrize("number", ["someone_else", "NOPE234567"])
def test_an_order_that_is_not_yours_is_refused(client, number):
    other = OrderFactory()
    client.force_login(UserFactory())
    if number == "someone_else":
        number = other.number

    response = client.post(CREATE_URL, {"subject": SUBJECT, "body": BODY, "order": number})

    assert response.status_code == 200
    assert "None of your orders has this number." in response.content.decode()
    assert not SupportTicket.objects.exists()


def test_service_refuses_to_link_another_users_order():
    order = OrderFactory()
    with pytest.raises(services.RequestError, match="You can only link one of your own orders."):
        services.ticket_create(user=UserFactory(), subject=SUBJECT, body=BODY, order=order)
    assert not SupportTicket.objects.exists()


def test_link_from_the_order_page_fills_in_the_order_number(client):
    order = OrderFactory()
    client.force_login(order.buyer)

    page = client.get(order.get_absolute_url()).content.decode()
    link = f"{CREATE_URL}?order={order.number}"
    assert link in page
    form = client.get(link).content.decode()

    assert f'value="{order.number}"' in form


@pytest.mark.parametrize(
    "data,error",
    [
        ({"body": BODY}, "Give your ticket a subject."),
        ({"subject": "   ", "body": BODY}, "Give your ticket a subject."),
        ({"subject": SUBJECT}, "Tell us what happened."),
        ({"subject": SUBJECT, "body": " \n "}, "Tell us what happened."),
        ({"subject": "s" * 121, "body": BODY}, "Ensure this value has at most 120 characters"),
        ({"subject": SUBJECT, "body": "b" * 5001}, "Ensure this value has at most 5000 characters"),
    ],
)
def test_bad_input_answers_with_a_message_and_creates_nothing(client, data, error):
    client.force_login(UserFactory())

    response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not SupportTicket.objects.exists()


def test_subject_of_120_characters_is_accepted(client):
    client.force_login(UserFactory())
    client.post(CREATE_URL, {"subject": "s" * 120, "body": BODY})
    assert SupportTicket.objects.get().subject == "s" * 120


# -- reading -----------------------------------------------------------------


def test_list_shows_only_your_own_tickets(client):
    me, other = UserFactory(), UserFactory()
    _ticket(me, subject="My printer question")
    _ticket(other, subject="Their refund question")
    client.force_login(me)

    html = client.get(LIST_URL).content.decode()

    assert "My printer question" in html
    assert "Their refund question" not in html


def test_another_users_ticket_is_404(client):
    ticket = _ticket(UserFactory())
    for viewer in (UserFactory(), UserFactory(is_staff=True, is_superuser=True)):
        client.force_login(viewer)
        assert client.get(_detail_url(ticket)).status_code == 404


def test_ticket_text_is_escaped(client):
    user = UserFactory()
    ticket = services.ticket_create(
        user=user, subject="<b>bold</b>", body="<script>alert(1)</script>"
    )
    client.force_login(user)

    html = client.get(_detail_url(ticket)).content.decode()

    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- staff answer in the admin ---------------------------------------------------


def _admin_change_url(ticket):
    return reverse("admin:resolution_supportticket_change", args=[ticket.pk])


@pytest.mark.parametrize("staff", ["support", "superuser"])
def test_staff_answer_in_the_admin_and_the_user_reads_it(client, support, staff):
    user = UserFactory()
    ticket = _ticket(user)
    staff_user = support if staff == "support" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff_user)

    form = client.get(_admin_change_url(ticket))
    assert form.status_code == 200
    assert BODY in form.content.decode()
    response = client.post(_admin_change_url(ticket), {"answer": ANSWER, "_save": "Save"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED
    assert (ticket.answer, ticket.answered_by) == (ANSWER, staff_user)
    assert ticket.answered_at is not None
    notices = Notification.objects.filter(recipient=user)
    assert [(n.kind, n.url) for n in notices] == [("ticket_answered", _detail_url(ticket))]
    assert SUBJECT in notices[0].text

    client.force_login(user)
    html = client.get(_detail_url(ticket)).content.decode()
    assert ANSWER in html
    assert "Customer Support answered on" in html
    assert "Answered" in client.get(LIST_URL).content.decode()


def test_saving_without_an_answer_sends_nothing(client, support):
    ticket = _ticket(UserFactory())
    client.force_login(support)

    client.post(_admin_change_url(ticket), {"answer": "", "_save": "Save"})

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert not Notification.objects.exists()


def test_a_closed_ticket_cannot_be_answered(client, support):
    ticket = _ticket(UserFactory())
    services.ticket_close(ticket=ticket, staff=support)
    client.force_login(support)

    response = client.post(
        _admin_change_url(ticket), {"answer": ANSWER, "_save": "Save"}, follow=True
    )

    assert "This ticket is closed; it can" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.answer) == (TicketStatus.CLOSED, "")
    assert not Notification.objects.exists()


def test_refused_answer_does_not_claim_success(client, support):
    ticket = _ticket(UserFactory())
    services.ticket_close(ticket=ticket, staff=support)
    client.force_login(support)

    response = client.post(
        _admin_change_url(ticket), {"answer": ANSWER, "_save": "Save"}, follow=True
    )

    assert not any("successfully" in m for m in _messages(response))


def test_staff_who_may_only_view_tickets_cannot_answer(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_supportticket"))
    ticket = _ticket(UserFactory())
    client.force_login(viewer)

    response = client.post(_admin_change_url(ticket), {"answer": ANSWER, "_save": "Save"})

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.answer) == (TicketStatus.OPEN, "")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_non_staff_cannot_reach_the_ticket_admin(client, who):
    ticket = _ticket(UserFactory())
    if who == "member":
        client.force_login(ticket.user)

    response = client.post(_admin_change_url(ticket), {"answer": ANSWER, "_save": "Save"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_close_action_closes_the_selected_tickets(client, support):
    user = UserFactory()
    chosen = [_ticket(user, subject="one"), _ticket(user, subject="two")]
    services.ticket_answer(ticket=chosen[1], staff=support, answer=ANSWER)
    untouched = _ticket(user, subject="three")
    client.force_login(support)

    response = client.post(
        reverse("admin:resolution_supportticket_changelist"),
        {"action": "close_tickets", "_selected_action": [t.pk for t in chosen]},
        follow=True,
    )

    assert "Tickets closed." in _messages(response)
    for ticket in chosen:
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.CLOSED
        assert ticket.closed_at is not None
    untouched.refresh_from_db()
    assert (untouched.status, untouched.closed_at) == (TicketStatus.OPEN, None)
    client.force_login(user)
    assert "Closed" in client.get(_detail_url(chosen[0])).content.decode()


def test_admin_lists_and_searches_tickets(client, support):
    order = OrderFactory()
    mine = _ticket(order.buyer, subject="About my logo", order=order)
    other = _ticket(UserFactory(), subject="Something else")
    client.force_login(support)
    url = reverse("admin:resolution_supportticket_changelist")

    for query in (order.number, "About my logo", order.buyer.username):
        html = client.get(url, {"q": query}).content.decode()
        assert mine.subject in html and other.subject not in html
