"""Notifications: the in-app list, the navbar badge, marking read, and e-mail
sent once after commit (and left for a later try when sending fails)."""

from datetime import timedelta
from smtplib import (
    SMTPAuthenticationError,
    SMTPConnectError,
    SMTPDataError,
    SMTPRecipientsRefused,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from messaging import notifications
from messaging.models import Message, Notification, NotificationKind
from messaging.outbox import notify
from messaging.tasks import sweep_unsent_notifications
from sales.models import State
from sales.request_services import extension_request_create
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notice(user, text="Something happened.", key=None, order=None, kind=NotificationKind.MESSAGE):
    notify(
        recipients=[user],
        kind=kind,
        key=key or text,
        text=text,
        order=order,
        url="" if order else "/",
    )
    return Notification.objects.get(recipient=user, kind=kind, key=key or text)


def test_list_shows_only_your_own_notifications(client):
    me, someone = UserFactory(), UserFactory()
    _notice(me, "Your order was delivered.")
    _notice(someone, "Someone else's secret notice.")
    client.force_login(me)

    html = client.get(reverse("messaging:notifications")).content.decode()

    assert "Your order was delivered." in html
    assert "secret notice" not in html


def test_a_long_list_pages_and_a_bad_page_number_shows_a_page(client):
    me = UserFactory()
    for i in range(31):  # 30 a page
        _notice(me, f"Notice number {i}.")
    client.force_login(me)
    url = reverse("messaging:notifications")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()
    nonsense = client.get(url, {"page": "x'; --"})

    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert "Page 2 of 2" in second and 'href="?page=1"' in second
    assert second.count("Notice number") == 1
    assert nonsense.status_code == 200 and "Page 1 of 2" in nonsense.content.decode()


def test_navbar_badge_shows_the_unread_count(client):
    me = UserFactory()
    for text in ("One", "Two", "Three"):
        _notice(me, text)
    _notice(UserFactory(), "Not mine")
    Notification.objects.filter(recipient=me, text="Three").update(read_at="2030-01-01T00:00Z")
    client.force_login(me)

    html = client.get(reverse("home")).content.decode()

    assert "data-unread-notifications>2<" in html


def test_no_badge_without_unread_notifications(client):
    me = UserFactory()
    client.force_login(me)
    assert "data-unread-notifications" not in client.get(reverse("home")).content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    order = OrderFactory(state=State.ACTIVE)
    notice = _notice(order.seller, "New message", order=order)
    other = _notice(order.seller, "Another notice")
    client.force_login(order.seller)

    response = client.post(reverse("messaging:notification_read", args=[notice.pk]))

    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.read_at is not None
    assert other.read_at is None


@pytest.mark.parametrize("staff", [False, True])
def test_another_users_notification_is_404(client, staff):
    owner = UserFactory()
    notice = _notice(owner, "Private")
    client.force_login(UserFactory(is_staff=staff, is_superuser=staff))

    response = client.post(reverse("messaging:notification_read", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_touches_only_your_own(client):
    me, someone = UserFactory(), UserFactory()
    mine = [_notice(me, "A"), _notice(me, "B")]
    theirs = _notice(someone, "C")
    client.force_login(me)

    response = client.post(reverse("messaging:notifications_read"), follow=True)

    assert response.redirect_chain == [(reverse("messaging:notifications"), 302)]
    assert "All notifications marked as read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "data-unread-notifications" not in response.content.decode()


@pytest.mark.parametrize("which", ["one", "all"])
def test_get_on_mark_read_is_405(client, which):
    me = UserFactory()
    notice = _notice(me)
    client.force_login(me)
    url = (
        reverse("messaging:notification_read", args=[notice.pk])
        if which == "one"
        else reverse("messaging:notifications_read")
    )
    assert client.get(url).status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.parametrize(
    "method,name,args",
    [
        ("get", "messaging:notifications", []),
        ("post", "messaging:notifications_read", []),
        ("post", "messaging:notification_read", ["pk"]),
    ],
)
def test_anonymous_is_sent_to_log_in(client, method, name, args):
    notice = _notice(UserFactory())
    url = reverse(name, args=[notice.pk for _ in args])
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_opening_the_order_marks_its_message_notices_read(client):
    order = OrderFactory(state=State.ACTIVE)
    client.force_login(order.buyer)
    client.post(reverse("sales:message_send", args=[order.number]), {"body": "Hi"})
    unrelated = _notice(order.seller, "Unrelated")
    client.force_login(order.seller)

    client.get(order.get_absolute_url())

    assert Notification.objects.get(recipient=order.seller, kind="message", order=order).read_at
    unrelated.refresh_from_db()
    assert unrelated.read_at is None


def test_notify_twice_for_the_same_event_makes_one_row():
    user = UserFactory()
    for _ in range(2):
        notify(recipients=[user, user], kind=NotificationKind.MESSAGE, key="message:42", text="Hi")
    assert Notification.objects.filter(recipient=user).count() == 1
    # A different key is a different event.
    notify(recipients=[user], kind=NotificationKind.MESSAGE, key="message:43", text="Hi")
    assert Notification.objects.filter(recipient=user).count() == 2


# -- e-mail ---------------------------------------------------------------------


def _sweep_later():
    """Run the periodic sweep as it would run a few minutes from now."""
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    return sweep_unsent_notifications()


def _send(client, order, body="Is the draft ready?"):
    client.force_login(order.buyer)
    return client.post(reverse("sales:message_send", args=[order.number]), {"body": body})


def test_notify_twice_sends_one_email(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            with transaction.atomic():
                notify(recipients=[user], kind=NotificationKind.MESSAGE, key="k", text="Hi")
    assert len(mailoutbox) == 1


def test_message_emails_the_other_party_once(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    order = OrderFactory(state=State.ACTIVE)

    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, order)

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [order.seller.email]
    assert order.number in mail.subject
    assert order.get_absolute_url() in mail.body
    assert Notification.objects.get(recipient=order.seller).emailed_at is not None

    _sweep_later()  # the sweep never sends a notice twice
    assert len(mailoutbox) == 1


def test_no_email_before_the_change_commits(client, django_capture_on_commit_callbacks, mailoutbox):
    order = OrderFactory(state=State.ACTIVE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(client, order)
    assert mailoutbox == []
    assert len(callbacks) == 1
    assert Notification.objects.get(recipient=order.seller).emailed_at is None


def test_failed_email_is_left_for_the_sweep_and_the_message_is_kept(
    client, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    order = OrderFactory(state=State.ACTIVE)

    def broken(notification):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(notifications, "_send", broken)
        with django_capture_on_commit_callbacks(execute=True):
            response = _send(client, order, "Still there?")

    assert response.status_code == 302
    assert Message.objects.get(order=order).body == "Still there?"
    assert Notification.objects.get(recipient=order.seller).emailed_at is None
    assert mailoutbox == []

    _sweep_later()  # the mail server is back

    assert [m.to for m in mailoutbox] == [[order.seller.email]]
    assert Notification.objects.get(recipient=order.seller).emailed_at is not None


def _three_unsent_notices():
    orders = OrderFactory.create_batch(3, state=State.ACTIVE)
    for order in orders:
        Notification.objects.create(
            recipient=order.seller, kind="message", key=f"k{order.pk}", order=order, text="Hi"
        )
    return orders


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),  # a hung server: each try waits EMAIL_TIMEOUT
        ConnectionRefusedError("refused"),
        SMTPConnectError(421, b"busy, try later"),
        SMTPAuthenticationError(535, b"bad credentials"),
        SMTPSenderRefused(550, b"sender not allowed", "noreply@example.com"),
        SMTPServerDisconnected("lost"),
    ],
    ids=repr,
)
def test_the_sweep_stops_when_the_mail_server_is_not_usable(mailoutbox, monkeypatch, error):
    _three_unsent_notices()
    tries = []

    def unreachable(notification):
        tries.append(notification.pk)
        raise error

    monkeypatch.setattr(notifications, "_send", unreachable)
    assert _sweep_later() == 0

    assert len(tries) == 1  # not once per notice
    assert Notification.objects.filter(emailed_at=None, email_claimed_at=None).count() == 3


@pytest.mark.parametrize(
    "refusal",
    [
        lambda email: SMTPRecipientsRefused({email: (550, b"no such user")}),
        lambda email: SMTPDataError(554, b"message rejected"),
    ],
    ids=["recipient refused", "message refused"],
)
def test_the_sweep_goes_past_a_notice_the_server_refuses(mailoutbox, monkeypatch, refusal):
    refused, *others = _three_unsent_notices()
    real_send = notifications._send

    def refuse_one(notification):
        if notification.recipient_id == refused.seller_id:
            raise refusal(notification.recipient.email)
        return real_send(notification)

    monkeypatch.setattr(notifications, "_send", refuse_one)
    assert _sweep_later() == 2

    assert sorted(m.to[0] for m in mailoutbox) == sorted(o.seller.email for o in others)


def test_notice_with_a_multi_line_reason_is_still_emailed(
    django_capture_on_commit_callbacks, mailoutbox
):
    order = OrderFactory(state=State.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        extension_request_create(
            order=order,
            actor=order.seller,
            days=2,
            reason="The client asked for extra pages.\nI need two more days.",
        )
    assert [m.to for m in mailoutbox] == [[order.buyer.email]]
    assert Notification.objects.get(recipient=order.buyer).emailed_at is not None
