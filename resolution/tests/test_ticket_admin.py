"""Support's side of tickets, in the admin: the queue of tickets waiting for
staff, the conversation, the reply form, closing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from messaging.models import Notification
from resolution import tickets
from resolution.models import SupportTicket, TicketStatus
from testing.factories import OrderFactory, UserFactory
from testing.pages import messages_of, ticket_admin_url

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:resolution_supportticket_changelist")
ANSWER = "We contacted the seller; you will hear from them today."


def _ticket(user=None, subject="Where is my refund?", body="It has been a week."):
    return tickets.ticket_create(user=user or UserFactory(), subject=subject, body=body)


def _refresh(ticket):
    ticket.refresh_from_db()
    return ticket


def _staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# -- replying -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_staff_reply_from_the_ticket_page_in_the_admin(client, support, who):
    user = UserFactory()
    ticket = _ticket(user)
    staff = support if who == "support" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    page = client.get(ticket_admin_url(ticket))
    assert page.status_code == 200
    html = page.content.decode()
    assert "It has been a week." in html
    assert 'name="reply"' in html and 'value="Send reply"' in html
    response = client.post(ticket_admin_url(ticket), {"reply": ANSWER, "_save": "Send reply"})

    assert response.status_code == 302
    assert response["Location"].startswith(LIST_URL)  # back to the queue
    ticket = _refresh(ticket)
    assert ticket.status == TicketStatus.WAITING_FOR_USER
    message = ticket.messages.last()
    assert (message.author, message.from_staff, message.body) == (staff, True, ANSWER)
    notices = Notification.objects.filter(recipient=user)
    assert [(n.kind, n.key) for n in notices] == [
        ("ticket_answered", f"ticket:{ticket.pk}:msg:{message.pk}")
    ]
    assert "Where is my refund?" in notices[0].text


def test_staff_reply_again_and_again_each_kept(client, support):
    ticket = _ticket()
    client.force_login(support)

    for text in ("First answer.", "Second answer.", "Third answer."):
        response = client.post(
            ticket_admin_url(ticket),
            {"reply": text, "_continue": "Send reply and stay"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == ticket_admin_url(ticket)
        assert any("Your reply was sent to" in m for m in messages_of(response))

    assert [m.body for m in ticket.messages.all()] == [
        "It has been a week.",
        "First answer.",
        "Second answer.",
        "Third answer.",
    ]
    assert Notification.objects.filter(recipient=ticket.user).count() == 3
    html = client.get(ticket_admin_url(ticket)).content.decode()
    assert (
        html.index("It has been a week.")
        < html.index("First answer.")
        < (html.index("Third answer."))
    )
    assert html.count('data-from="staff"') == 3 and html.count('data-from="user"') == 1


@pytest.mark.parametrize("reply", ["", "  \n "])
def test_an_empty_reply_is_refused_and_nothing_sent(client, support, reply):
    ticket = _ticket()
    client.force_login(support)

    response = client.post(ticket_admin_url(ticket), {"reply": reply, "_save": "Send reply"})

    assert response.status_code == 200
    assert "Write your reply." in response.content.decode()
    assert _refresh(ticket).status == TicketStatus.OPEN
    assert ticket.messages.count() == 1
    assert not Notification.objects.exists()


def test_a_closed_ticket_cannot_be_answered(client, support):
    ticket = _ticket()
    tickets.ticket_close(ticket=ticket, staff=support)
    client.force_login(support)

    page = client.get(ticket_admin_url(ticket)).content.decode()
    assert 'name="reply"' not in page
    assert "This ticket is closed. If the user replies, it opens again" in page
    response = client.post(ticket_admin_url(ticket), {"reply": ANSWER, "_save": "Send reply"})

    assert response.status_code == 200
    assert "This ticket is closed; it can" in response.content.decode()
    assert _refresh(ticket).status == TicketStatus.CLOSED
    assert ticket.messages.count() == 1
    assert not Notification.objects.exists()


def test_a_reply_refused_by_the_service_does_not_claim_success(client, support, monkeypatch):
    # Closed by a colleague between the form's check and the locked write.
    ticket = _ticket()
    client.force_login(support)

    def closed_meanwhile(**kwargs):
        raise tickets.TicketError("This ticket is closed; it can't be answered any more.")

    monkeypatch.setattr(tickets, "ticket_reply", closed_meanwhile)
    response = client.post(
        ticket_admin_url(ticket), {"reply": ANSWER, "_save": "Send reply"}, follow=True
    )

    sent = messages_of(response)
    assert "This ticket is closed; it can't be answered any more." in sent
    assert not any("sent" in m or "successfully" in m for m in sent)
    assert ticket.messages.count() == 1


def test_staff_who_may_only_view_tickets_read_but_cannot_reply(client):
    viewer = _staff_with("view_supportticket")
    ticket = _ticket()
    client.force_login(viewer)

    page = client.get(ticket_admin_url(ticket))
    assert page.status_code == 200
    assert "It has been a week." in page.content.decode()
    assert 'name="reply"' not in page.content.decode()
    response = client.post(ticket_admin_url(ticket), {"reply": ANSWER, "_save": "Send reply"})

    assert response.status_code == 403
    assert _refresh(ticket).status == TicketStatus.OPEN
    assert ticket.messages.count() == 1
    assert not Notification.objects.exists()


def test_staff_without_ticket_permissions_cannot_open_or_answer(client):
    client.force_login(_staff_with())
    ticket = _ticket()

    assert client.get(ticket_admin_url(ticket)).status_code == 403
    assert client.post(ticket_admin_url(ticket), {"reply": ANSWER}).status_code == 403
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_non_staff_cannot_reach_the_ticket_admin(client, who):
    ticket = _ticket()
    if who == "member":
        client.force_login(ticket.user)

    response = client.post(ticket_admin_url(ticket), {"reply": ANSWER, "_save": "Send reply"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert _refresh(ticket).status == TicketStatus.OPEN
    assert ticket.messages.count() == 1


# -- the queue --------------------------------------------------------------------


def _waiting_since(ticket, when):
    SupportTicket.objects.filter(pk=ticket.pk).update(last_message_at=when)


def test_the_list_opens_on_tickets_waiting_for_staff_oldest_first(client, support):
    user = UserFactory()
    _ticket(user, subject="Newer question")
    older = _ticket(user, subject="Older question")
    _waiting_since(older, older.last_message_at - timedelta(days=2))
    answered = _ticket(user, subject="Answered question")
    tickets.ticket_reply(ticket=answered, author=support, body=ANSWER)
    closed = _ticket(user, subject="Closed question")
    tickets.ticket_close(ticket=closed, staff=support)
    reopened = _ticket(user, subject="Reopened question")
    tickets.ticket_close(ticket=reopened, staff=support)
    tickets.ticket_reply(ticket=reopened, author=user, body="Still broken.")
    client.force_login(support)

    html = client.get(LIST_URL).content.decode()

    assert "Waiting for staff" in html
    assert "Answered question" not in html and "Closed question" not in html
    assert (
        html.index("Older question")
        < html.index("Newer question")
        < (html.index("Reopened question"))
    )
    # The other statuses, and all, are one click away.
    waiting = client.get(LIST_URL, {"status": "waiting_for_user"}).content.decode()
    assert "Answered question" in waiting and "Older question" not in waiting
    everything = client.get(LIST_URL, {"status": "all"}).content.decode()
    for subject in ("Newer", "Older", "Answered", "Closed", "Reopened"):
        assert f"{subject} question" in everything
    assert 'href="?status=all"' in html
    # The column header says how the list is sorted, whichever the status.
    assert "column-last_message sorted ascending" in html
    assert "column-last_message sorted descending" in everything


def test_admin_lists_and_searches_tickets(client, support):
    order = OrderFactory()
    mine = tickets.ticket_create(
        user=order.buyer, subject="About my logo", body="Where is it?", order=order
    )
    other = _ticket(subject="Something else")
    client.force_login(support)

    for query in (order.number, "About my logo", order.buyer.username):
        html = client.get(LIST_URL, {"q": query}).content.decode()
        assert mine.subject in html and other.subject not in html


# -- closing -------------------------------------------------------------------------


def test_close_action_closes_the_selected_tickets(client, support):
    user = UserFactory()
    chosen = [_ticket(user, subject="one"), _ticket(user, subject="two")]
    tickets.ticket_reply(ticket=chosen[1], author=support, body=ANSWER)
    untouched = _ticket(user, subject="three")
    client.force_login(support)

    response = client.post(
        f"{LIST_URL}?status=all",
        {"action": "close_tickets", "_selected_action": [t.pk for t in chosen]},
        follow=True,
    )

    assert "Tickets closed." in messages_of(response)
    for ticket in chosen:
        ticket = _refresh(ticket)
        assert ticket.status == TicketStatus.CLOSED
        assert ticket.closed_at is not None
    untouched = _refresh(untouched)
    assert (untouched.status, untouched.closed_at) == (TicketStatus.OPEN, None)
    client.force_login(user)
    page = client.get(reverse("resolution:ticket_detail", args=[chosen[0].pk])).content.decode()
    assert "Closed" in page and "Reply and it opens again" in page


def test_staff_who_may_only_view_cannot_close(client):
    ticket = _ticket()
    client.force_login(_staff_with("view_supportticket"))

    client.post(LIST_URL, {"action": "close_tickets", "_selected_action": [ticket.pk]})

    assert _refresh(ticket).status == TicketStatus.OPEN
