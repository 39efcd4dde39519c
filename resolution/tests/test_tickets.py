"""Support tickets as conversations: the user writes, staff reply in the
admin, the user replies on the ticket page, as often as needed."""

import re

import pytest
from django.core import mail
from django.db.models import RestrictedError
from django.urls import reverse

from marketplace.tests.test_page_markup import _check as check_ids_and_labels
from messaging.models import Notification, NotificationKind
from resolution import tickets
from resolution.models import SupportTicket, TicketMessage, TicketStatus
from testing.factories import OrderFactory, UserFactory
from testing.pages import messages_of, ticket_admin_url

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("resolution:ticket_create")
LIST_URL = reverse("resolution:tickets")
SUBJECT = "The seller does not answer"
BODY = "I wrote three times since Monday and heard nothing."
ANSWER = "We contacted the seller; you will hear from them today."
FOLLOW_UP = "They wrote, thanks. But the delivery is still late?"
SECOND_ANSWER = "The seller asked for two more days; approve it on the order page."
SUPPORT_ADDRESS = "help-desk@example.com"


def _detail_url(ticket):
    return reverse("resolution:ticket_detail", args=[ticket.pk])


def _reply_url(ticket):
    return reverse("resolution:ticket_reply", args=[ticket.pk])


def _ticket(user, **kwargs):
    return tickets.ticket_create(
        user=user, subject=kwargs.pop("subject", SUBJECT), body=BODY, **kwargs
    )


def _conversation(ticket):
    return list(ticket.messages.values_list("author__username", "from_staff", "body"))


# -- writing -----------------------------------------------------------------


def test_user_creates_a_ticket_and_sees_it_waiting(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(CREATE_URL, {"subject": SUBJECT, "body": BODY}, follow=True)

    ticket = SupportTicket.objects.get()
    assert response.redirect_chain == [(_detail_url(ticket), 302)]
    assert "Your ticket was sent. Our support team will get back to you shortly." in messages_of(
        response
    )
    assert (ticket.user, ticket.subject, ticket.order) == (user, SUBJECT, None)
    assert ticket.status == TicketStatus.OPEN
    assert _conversation(ticket) == [(user.username, False, BODY)]
    assert ticket.last_message_at == ticket.messages.get().created_at
    html = response.content.decode()
    assert SUBJECT in html and BODY in html
    assert "Waiting for Customer Support" in html
    assert 'data-ticket-message="user"' in html


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
    assert f'about order <a href="{order.get_absolute_url()}">#{order.number}</a>' in (
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
    with pytest.raises(tickets.TicketError, match="You can only link one of your own orders."):
        tickets.ticket_create(user=UserFactory(), subject=SUBJECT, body=BODY, order=order)
    assert not SupportTicket.objects.exists()


@pytest.mark.parametrize(
    "subject,body,error",
    [
        (" ", BODY, "Give your ticket a subject."),
        (SUBJECT, "\n ", "Tell us what happened."),
        ("s" * 121, BODY, "Keep it to 120 characters (it has 121)."),
    ],
)
def test_service_refuses_an_empty_or_too_long_ticket(subject, body, error):
    with pytest.raises(tickets.TicketError, match=re.escape(error)):
        tickets.ticket_create(user=UserFactory(), subject=subject, body=body)
    assert not SupportTicket.objects.exists() and not TicketMessage.objects.exists()


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
    assert not TicketMessage.objects.exists()


def test_subject_of_120_characters_is_accepted(client):
    client.force_login(UserFactory())
    client.post(CREATE_URL, {"subject": "s" * 120, "body": BODY})
    assert SupportTicket.objects.get().subject == "s" * 120


# -- the conversation ----------------------------------------------------------


def _staff_replies(client, staff, ticket, body):
    client.force_login(staff)
    response = client.post(ticket_admin_url(ticket), {"reply": body, "_save": "Send reply"})
    assert response.status_code == 302, response.content.decode()[:2000]


def _user_replies(client, user, ticket, body):
    client.force_login(user)
    response = client.post(_reply_url(ticket), {"body": body})
    assert response.status_code == 302
    return response


def _status(ticket):
    ticket.refresh_from_db()
    return ticket.status


def test_a_conversation_keeps_every_message_in_order_and_tells_each_side_once(
    client, support, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_EMAIL = SUPPORT_ADDRESS
    user = UserFactory(username="ann", first_name="Ann")
    client.force_login(user)

    # user → staff → user → staff, each step committed (so its e-mail goes).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE_URL, {"subject": SUBJECT, "body": BODY})
    ticket = SupportTicket.objects.get()
    assert _status(ticket) == TicketStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        _staff_replies(client, support, ticket, ANSWER)
    assert _status(ticket) == TicketStatus.WAITING_FOR_USER
    with django_capture_on_commit_callbacks(execute=True):
        _user_replies(client, user, ticket, FOLLOW_UP)
    assert _status(ticket) == TicketStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        _staff_replies(client, support, ticket, SECOND_ANSWER)
    assert _status(ticket) == TicketStatus.WAITING_FOR_USER

    assert _conversation(ticket) == [
        ("ann", False, BODY),
        ("support_sue", True, ANSWER),
        ("ann", False, FOLLOW_UP),
        ("support_sue", True, SECOND_ANSWER),
    ]
    messages = list(ticket.messages.all())
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    assert ticket.last_message_at == messages[-1].created_at

    # The user: one notice per staff reply, each e-mailed once.
    notices = Notification.objects.filter(recipient=user).order_by("pk")
    staff_messages = [m for m in messages if m.from_staff]
    assert [(n.kind, n.key, n.url) for n in notices] == [
        (NotificationKind.TICKET_ANSWERED, f"ticket:{ticket.pk}:msg:{m.pk}", _detail_url(ticket))
        for m in staff_messages
    ]
    assert all(n.emailed_at is not None for n in notices)
    # Support: one e-mail per user message (the ticket, then the reply).
    to_support = [m for m in mail.outbox if m.to == [SUPPORT_ADDRESS]]
    to_user = [m for m in mail.outbox if m.to == [user.email]]
    assert [m.subject for m in to_support] == [
        f"New support ticket: {SUBJECT}",
        f"Reply on support ticket: {SUBJECT}",
    ]
    assert BODY in to_support[0].body and FOLLOW_UP in to_support[1].body
    assert len(to_user) == 2 and len(mail.outbox) == 4

    # The user reads it all on the ticket page, each message with its author.
    client.force_login(user)
    html = client.get(_detail_url(ticket)).content.decode()
    for text in (BODY, ANSWER, "They wrote, thanks. But the delivery is still late?"):
        assert text.replace("'", "&#x27;") in html
    assert html.count('data-ticket-message="staff"') == 2
    assert html.count('data-ticket-message="user"') == 2
    assert (
        html.index(BODY)
        < html.index(ANSWER)
        < html.index("They wrote")
        < (html.index("The seller asked for two more days"))
    )
    assert "Customer Support answered: your reply?" in html
    assert "Sue" in html  # the person who answered, by name
    assert "Customer Support answered: your reply?" in client.get(LIST_URL).content.decode()


def test_each_staff_reply_is_its_own_notice_and_a_repeat_notifies_no_one_again(support):
    user = UserFactory()
    ticket = _ticket(user)

    first = tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    second = tickets.ticket_reply(ticket=ticket, author=support, body="One more thing.")

    keys = list(Notification.objects.filter(recipient=user).values_list("key", flat=True))
    assert sorted(keys) == sorted([f"ticket:{ticket.pk}:msg:{m.pk}" for m in (first, second)])
    assert _status(ticket) == TicketStatus.WAITING_FOR_USER
    assert not Notification.objects.exclude(recipient=user).exists()  # support gets no notices


def test_user_replies_on_their_ticket_page(client, support):
    user = UserFactory()
    ticket = _ticket(user)
    tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    client.force_login(user)

    response = client.post(_reply_url(ticket), {"body": f"  {FOLLOW_UP}\n"}, follow=True)

    message = ticket.messages.last()
    assert response.redirect_chain == [(f"{_detail_url(ticket)}#ticket-message-{message.pk}", 302)]
    assert (message.author, message.from_staff, message.body) == (user, False, FOLLOW_UP)
    assert "Your reply was sent. Our support team will get back to you shortly." in messages_of(
        response
    )
    assert _status(ticket) == TicketStatus.OPEN
    assert "Waiting for Customer Support" in response.content.decode()
    # The user's own reply tells no user anything (support hears by e-mail).
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("start", [TicketStatus.WAITING_FOR_USER, TicketStatus.CLOSED])
def test_a_user_reply_reopens_a_waiting_or_closed_ticket(client, support, start):
    user = UserFactory()
    ticket = _ticket(user)
    tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    if start == TicketStatus.CLOSED:
        tickets.ticket_close(ticket=ticket, staff=support)
        assert ticket.closed_at is not None
    assert _status(ticket) == start
    client.force_login(user)
    page = client.get(_detail_url(ticket)).content.decode()
    assert ("Closed" if start == TicketStatus.CLOSED else "your reply?") in page

    response = client.post(_reply_url(ticket), {"body": FOLLOW_UP}, follow=True)

    assert _status(ticket) == TicketStatus.OPEN
    assert ticket.closed_at is None
    reopened = "and the ticket is open again" in " ".join(messages_of(response))
    assert reopened == (start == TicketStatus.CLOSED)
    assert ticket.messages.last().body == FOLLOW_UP


def test_staff_cannot_reply_to_a_closed_ticket(support):
    ticket = _ticket(UserFactory())
    tickets.ticket_close(ticket=ticket, staff=support)

    with pytest.raises(tickets.TicketError, match="This ticket is closed"):
        tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)

    assert ticket.messages.count() == 1
    assert _status(ticket) == TicketStatus.CLOSED
    assert not Notification.objects.exists()


def test_only_the_user_and_staff_can_write_in_a_ticket():
    ticket = _ticket(UserFactory())
    with pytest.raises(tickets.TicketError, match="You can only reply to your own tickets."):
        tickets.ticket_reply(ticket=ticket, author=UserFactory(), body="Me too!")
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("body", ["", " \n\t "])
def test_service_refuses_an_empty_reply(support, body):
    ticket = _ticket(UserFactory())
    for author in (ticket.user, support):
        with pytest.raises(tickets.TicketError, match="Write your reply."):
            tickets.ticket_reply(ticket=ticket, author=author, body=body)
    assert ticket.messages.count() == 1


def test_service_refuses_a_too_long_reply():
    ticket = _ticket(UserFactory())
    with pytest.raises(tickets.TicketError, match="Keep it to 5000 characters"):
        tickets.ticket_reply(ticket=ticket, author=ticket.user, body="b" * 5001)
    assert ticket.messages.count() == 1


# -- bad input on the reply form ---------------------------------------------------


@pytest.mark.parametrize(
    "data,error",
    [
        ({}, "Write your reply."),
        ({"body": ""}, "Write your reply."),
        ({"body": " \r\n "}, "Write your reply."),
        ({"body": "b" * 5001}, "Keep your reply to 5000 characters (it has 5001)."),
    ],
)
def test_bad_reply_is_refused_with_its_message_and_nothing_saved(client, support, data, error):
    user = UserFactory()
    ticket = _ticket(user)
    tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    client.force_login(user)

    response = client.post(_reply_url(ticket), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert ticket.messages.count() == 2
    assert _status(ticket) == TicketStatus.WAITING_FOR_USER


def test_a_reply_of_5000_characters_is_accepted(client):
    ticket = _ticket(UserFactory())
    client.force_login(ticket.user)
    client.post(_reply_url(ticket), {"body": "b" * 5000})
    assert ticket.messages.last().body == "b" * 5000


def test_replies_are_rate_limited_like_tickets(client, settings):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"ticket": "2/3600"}
    ticket = _ticket(UserFactory())
    client.force_login(ticket.user)

    answers = [client.post(_reply_url(ticket), {"body": f"Again {i}"}) for i in range(3)]

    assert [r.status_code for r in answers] == [302, 302, 429]
    assert "Too many support tickets and replies for now" in answers[2].content.decode()
    assert ticket.messages.count() == 3


def test_reply_is_post_only(client):
    ticket = _ticket(UserFactory())
    client.force_login(ticket.user)
    assert client.get(_reply_url(ticket)).status_code == 405


def test_reply_text_is_escaped(client, support):
    ticket = _ticket(UserFactory())
    tickets.ticket_reply(ticket=ticket, author=support, body="<script>alert(2)</script>")
    client.force_login(ticket.user)

    html = client.get(_detail_url(ticket)).content.decode()

    assert "<script>alert(2)</script>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


# -- who may see and reply ------------------------------------------------------

ROLES = ["owner", "other_user", "staff", "superuser", "anonymous"]


def _log_in_as(client, role, ticket, support):
    users = {
        "owner": ticket.user,
        "other_user": UserFactory(),
        "staff": support,
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    if role != "anonymous":
        client.force_login(users[role])


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_sees_the_ticket_page(client, support, role):
    ticket = _ticket(UserFactory())
    _log_in_as(client, role, ticket, support)
    url = _detail_url(ticket)

    response = client.get(url)

    if role == "owner":
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    else:  # staff read tickets in the admin; the page is the user's
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_replies_on_the_ticket_page(client, support, role):
    ticket = _ticket(UserFactory())
    _log_in_as(client, role, ticket, support)
    url = _reply_url(ticket)

    response = client.post(url, {"body": FOLLOW_UP})

    if role == "owner":
        assert response.status_code == 302
        assert ticket.messages.count() == 2
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"
    else:
        assert response.status_code == 404
    assert ticket.messages.count() == 1
    assert _status(ticket) == TicketStatus.OPEN


def test_unknown_ticket_is_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("resolution:ticket_detail", args=[999999])).status_code == 404
    assert (
        client.post(reverse("resolution:ticket_reply", args=[999999]), {"body": "x"}).status_code
        == 404
    )


# -- reading -----------------------------------------------------------------


def test_list_shows_only_your_own_tickets_with_status_and_last_activity(client, support):
    me, other = UserFactory(), UserFactory()
    answered = _ticket(me, subject="My printer question")
    tickets.ticket_reply(ticket=answered, author=support, body=ANSWER)
    _ticket(me, subject="My refund question")
    _ticket(other, subject="Their refund question")
    client.force_login(me)

    html = client.get(LIST_URL).content.decode()

    assert "My printer question" in html and "My refund question" in html
    assert "Their refund question" not in html
    assert "Customer Support answered: your reply?" in html
    assert "Waiting for Customer Support" in html
    assert "Last activity" in html
    answered.refresh_from_db()
    assert answered.last_message_at.isoformat() in html  # <time datetime=…>


def test_ticket_text_is_escaped(client):
    user = UserFactory()
    ticket = tickets.ticket_create(
        user=user, subject="<b>bold</b>", body="<script>alert(1)</script>"
    )
    client.force_login(user)

    html = client.get(_detail_url(ticket)).content.decode()

    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("status", ["open", "waiting_for_user", "closed"])
def test_ticket_page_has_unique_ids_and_labels_that_point_at_fields(client, support, status):
    ticket = _ticket(UserFactory())
    if status != "open":
        tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    if status == "closed":
        tickets.ticket_close(ticket=ticket, staff=support)
    client.force_login(ticket.user)

    for response in (client.get(_detail_url(ticket)), client.post(_reply_url(ticket), {})):
        html = response.content.decode()
        check_ids_and_labels(html, f"ticket page, {status}, {response.status_code}")
        assert 'for="id_reply_body"' in html and 'id="id_reply_body"' in html


def test_deleting_a_user_deletes_their_tickets_but_not_a_staff_member_who_replied(support):
    user = UserFactory()
    ticket = _ticket(user)
    tickets.ticket_reply(ticket=ticket, author=support, body=ANSWER)
    other = _ticket(UserFactory())
    tickets.ticket_reply(ticket=other, author=support, body=ANSWER)

    user.delete()

    assert not SupportTicket.objects.filter(pk=ticket.pk).exists()
    with pytest.raises(RestrictedError):
        support.delete()
    assert other.messages.count() == 2
