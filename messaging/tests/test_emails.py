"""The e-mail each kind of notice sends: text and HTML from the templates, a
short subject, the one action as a button, absolute links, and the headers
that let mail programs fold copies and unsubscribe."""

import re

import pytest
from django.urls import reverse

from messaging.emails import EMAIL_KINDS, SUBJECT_MAX, shorten
from messaging.models import Notification, NotificationKind
from messaging.notifications import email_notification
from sales.models import State
from testing.factories import OrderFactory

SITE = "https://market.example.com"

# The longest notice there is (300 characters, the column's size), with a
# reason typed on two lines: the subject must still be short and whole.
LONG_TEXT = (
    "Alexandra Konstantinopoulou asks to cancel #{number}: the brief changed completely\n"
    "after our call yesterday, and the new scope needs a different kind of designer, so "
    "we would rather start again with someone who specialises in packaging and print "
    "production for retail shelves across Europe"
)[:260]


def test_every_kind_of_notice_has_an_email():
    assert set(EMAIL_KINDS) == set(NotificationKind.values)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


def _notice(kind):
    order = OrderFactory(state=State.ACTIVE)
    # A ticket's answer and a message before ordering are about no order.
    about_order = kind not in (NotificationKind.TICKET_ANSWERED, NotificationKind.QUESTION_MESSAGE)
    return Notification.objects.create(
        recipient=order.seller,
        kind=kind,
        key="k",
        order=order if about_order else None,
        text=LONG_TEXT.format(number=order.number),
        url=order.get_absolute_url() if about_order else "/support/7/",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", NotificationKind.values)
def test_each_kind_sends_text_and_html_with_a_short_subject_and_absolute_link(
    kind, site, mailoutbox
):
    notice = _notice(kind)

    assert email_notification(notice.pk) is True

    (mail,) = mailoutbox
    subject = mail.subject
    assert 10 <= len(subject) <= SUBJECT_MAX
    assert "…" not in subject and "\n" not in subject  # whole, not cut mid-word
    assert subject != " ".join(notice.text.split())[: len(subject)]  # a subject, not the notice
    link = f"{SITE}{notice.url}"
    if notice.order:
        assert f"#{notice.order.number}" in subject
    action = EMAIL_KINDS[kind].action

    text = mail.body
    assert notice.text in text  # what happened, in full
    assert f"{action}: {link}" in text
    assert f"Hi {notice.recipient.username}," in text

    (html, mimetype), *_ = mail.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{link}"' in html
    assert re.search(rf'<a href="{re.escape(link)}"[^>]*>{re.escape(action)}</a>', html)
    if notice.order:
        assert f"Order #{notice.order.number}" in html
    # Everything inline: mail programs drop style sheets and block remote files.
    for external in ("<link", "<script", "<img", "<style", "src=", "url("):
        assert external not in html

    unsubscribe = mail.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{SITE}/notifications/email/stop/")
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in html and unsubscribe.strip("<>") in text
    assert f"{SITE}{reverse('messaging:email_preferences')}" in html


@pytest.mark.django_db
def test_the_html_escapes_what_people_typed(site, mailoutbox):
    notice = _notice(NotificationKind.CANCELLATION_REQUESTED)
    Notification.objects.filter(pk=notice.pk).update(text="Cancel: <b>bold</b> & more")
    email_notification(notice.pk)
    (html, _), *_ = mailoutbox[0].alternatives
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "Cancel: <b>bold</b> & more" in mailoutbox[0].body  # plain text is not escaped


@pytest.mark.django_db
def test_a_notice_about_no_order_has_a_subject_without_a_number(site, mailoutbox):
    user = OrderFactory().seller
    notice = Notification.objects.create(recipient=user, kind="message", key="k", text="Hi")
    email_notification(notice.pk)
    assert mailoutbox[0].subject == "You have a new message"
    assert f"Read and reply: {SITE}/notifications/" in mailoutbox[0].body


@pytest.mark.parametrize("length", [77, 78, 79, 120, 300])
def test_shorten_cuts_between_words(length):
    sentence = "Alexandra asks to cancel the order because the brief changed a lot "
    text = (sentence * 10)[:length].strip()
    short = shorten(text)
    assert len(short) <= SUBJECT_MAX
    if short != text:
        assert short.endswith("…")
        kept = short.removesuffix("…").split()
        assert kept == text.split()[: len(kept)]  # every word kept whole
