"""Each person chooses which notices come by e-mail (the in-app notice always
comes), on a page of their own and from the link in every e-mail."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from messaging.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from messaging.models import EmailOptOut, Notification, NotificationKind
from messaging.tasks import sweep_unsent_notifications
from sales.models import State
from sales.services import message_send
from testing.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("messaging:email_preferences")


def _ticked(response):
    form = response.context["form"]
    return {kind for name in form.fields for kind in form[name].value() or ()}


@pytest.fixture
def order():
    return OrderFactory(state=State.ACTIVE)


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_every_kind_is_on_until_you_turn_it_off(client, order, role):
    client.force_login(getattr(order, role))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert _ticked(response) == set(NotificationKind.values)
    assert "E-mail notices" in response.content.decode()


@pytest.mark.parametrize("role", ["seller", "buyer"])
def test_your_choice_is_saved_for_you_only(client, order, role):
    user = getattr(order, role)
    other = order.buyer if role == "seller" else order.seller
    client.force_login(user)
    data = {"group_0": ["order_placed", "delivered", "completed"], "group_1": ["due_soon"]}

    response = client.post(PAGE, data, follow=True)

    assert "Your e-mail choices were saved." in response.content.decode()
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    assert off == set(NotificationKind.values) - {
        "order_placed",
        "delivered",
        "completed",
        "due_soon",
    }
    assert _ticked(response) == set(NotificationKind.values) - off
    assert not EmailOptOut.objects.filter(user=other).exists()

    client.post(PAGE, {f"group_{i}": [] for i in range(4)})  # every box unticked
    assert EmailOptOut.objects.filter(user=user).count() == len(NotificationKind.values)
    client.post(PAGE, {"group_0": ["message"]})
    assert not EmailOptOut.objects.filter(user=user, kind="message").exists()


def test_a_kind_that_does_not_exist_is_refused_and_nothing_changes(client, order):
    EmailOptOut.objects.create(user=order.seller, kind=NotificationKind.LATE)
    client.force_login(order.seller)

    response = client.post(PAGE, {"group_0": ["message", "free_money"]})

    assert response.status_code == 200
    assert "“free_money” is not a kind of e-mail we send." in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert list(EmailOptOut.objects.values_list("user", "kind")) == [(order.seller.pk, "late")]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response.url


def test_the_account_menu_and_profile_link_to_the_page(client, order):
    client.force_login(order.seller)
    for url in (reverse("accounts:profile"), reverse("home")):
        assert f'href="{PAGE}"' in client.get(url).content.decode()


def test_a_kind_turned_off_still_notifies_in_app_but_sends_no_email(
    order, mailoutbox, django_capture_on_commit_callbacks
):
    EmailOptOut.objects.create(user=order.seller, kind=NotificationKind.MESSAGE)

    with django_capture_on_commit_callbacks(execute=True):
        message_send(order=order, sender=order.buyer, body="Any news?")
        message_send(order=order, sender=order.seller, body="Tomorrow!")

    notice = Notification.objects.get(recipient=order.seller)
    assert notice.read_at is None  # in the list, unread
    assert [m.to for m in mailoutbox] == [[order.buyer.email]]  # the buyer's is on
    assert notice.emailed_at is not None  # done with: the sweep won't come back to it
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=30))
    assert sweep_unsent_notifications() == 0
    assert len(mailoutbox) == 1


# The link in every e-mail, used from the mail program without a log-in.


def _stop_url(user, kind=NotificationKind.MESSAGE):
    return reverse("messaging:email_unsubscribe", args=[unsubscribe_token(user, kind)])


def test_the_emailed_link_asks_first_then_turns_off_that_kind_only(order, mailoutbox):
    message_send(order=order, sender=order.buyer, body="Hi")
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    sweep_unsent_notifications()
    url = urlsplit(mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")).path
    browser = Client(enforce_csrf_checks=True)

    response = browser.get(url)  # link checkers open links: a GET changes nothing
    assert response.status_code == 200
    assert "Stop these e-mails?" in response.content.decode()
    assert not EmailOptOut.objects.exists()

    response = browser.post(url)
    assert response.status_code == 200
    assert "You won't get these e-mails any more" in response.content.decode()
    assert list(EmailOptOut.objects.values_list("user", "kind")) == [(order.seller.pk, "message")]
    assert "already off" in browser.get(url).content.decode()


def test_one_click_unsubscribe_from_the_mail_program(order):
    response = Client(enforce_csrf_checks=True).post(
        _stop_url(order.buyer, NotificationKind.DELIVERED),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert list(EmailOptOut.objects.values_list("user", "kind")) == [(order.buyer.pk, "delivered")]


def _forged(payload):
    # Signed with another key: what someone without the server's secret can make.
    return signing.dumps(payload, key="not-the-secret", salt=UNSUBSCRIBE_SALT)


@pytest.mark.parametrize(
    "token",
    [
        lambda user: _forged({"u": user.pk, "k": "message"}),
        lambda user: unsubscribe_token(user, "message")[:-3] + "abc",  # cut or altered
        lambda user: unsubscribe_token(user, "message").replace(":", "x", 1),
        lambda user: signing.dumps({"u": user.pk, "k": "message"}),  # another salt
        lambda user: unsubscribe_token(user, "no_such_kind"),
        lambda user: "nonsense",
    ],
    ids=["forged", "altered", "mangled", "other signature", "unknown kind", "nonsense"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_link_is_refused_with_a_message_and_changes_nothing(client, order, token, method):
    url = reverse("messaging:email_unsubscribe", args=[token(order.seller)])
    response = getattr(client, method)(url)
    assert response.status_code == 400
    assert "nothing was changed" in response.content.decode()
    assert not EmailOptOut.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_link_is_refused_while_logged_in(client, order, method):
    client.force_login(order.buyer)
    response = getattr(client, method)(_stop_url(order.seller))
    assert response.status_code == 404
    assert "sent to another account" in response.content.decode()
    assert not EmailOptOut.objects.exists()


def test_a_link_changes_only_the_person_and_kind_it_was_made_for(client, order):
    stranger = UserFactory()
    url = _stop_url(order.seller, NotificationKind.LATE)
    # Whatever is posted with it, the link does the one thing it was made for.
    client.post(url, {"group_0": ["message"], "kind": "delivered", "u": stranger.pk})
    assert list(EmailOptOut.objects.values_list("user", "kind")) == [(order.seller.pk, "late")]


def test_staff_see_who_turned_what_off_and_cannot_change_it(client, order):
    EmailOptOut.objects.create(user=order.seller, kind=NotificationKind.LATE)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:messaging_emailoptout_changelist")

    response = client.get(changelist, {"q": order.seller.username})

    assert response.status_code == 200
    assert order.seller.username in response.content.decode()
    assert client.get(reverse("admin:messaging_emailoptout_add")).status_code == 403
