"""Questions before ordering: a buyer writes to a Job's seller from the Job
page; both sides talk on the conversation's page; nobody else sees it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from messaging.models import Attachment, Message, Notification, NotificationKind
from messaging.outbox import notify
from sales import inquiry_services
from sales.inquiries import Inquiry
from sales.services import order_place
from testing.factories import JobFactory, OrderFactory, SupportFactory, UserFactory
from testing.uploads import ELF_BYTES, checked_png, png, stored_files, txt

pytestmark = pytest.mark.django_db

ASK = "sales:question_ask"


@pytest.fixture
def job():
    return JobFactory(seller=UserFactory(first_name="Sam", last_name="Seller"))


@pytest.fixture
def buyer():
    return UserFactory(first_name="Bea", last_name="Buyer")


def _ask(job, buyer, body="Can you do it in blue?", files=()):
    return inquiry_services.inquiry_ask(job=job, buyer=buyer, body=body, files=files)


def _question_notices(user):
    return list(Notification.objects.filter(recipient=user, kind=NotificationKind.QUESTION_MESSAGE))


# -- asking from the Job page ------------------------------------------------


def test_a_buyer_asks_and_lands_on_the_conversation(client, job, buyer):
    client.force_login(buyer)
    response = client.post(
        reverse(ASK, args=[job.pk]), {"body": "Can you do it in blue?", "files": [png()]}
    )

    inquiry = Inquiry.objects.get()
    assert (inquiry.job, inquiry.buyer, inquiry.seller) == (job, buyer, job.seller)
    assert response.status_code == 302
    assert response["Location"] == f"{inquiry.get_absolute_url()}#conversation"
    page = client.get(inquiry.get_absolute_url())
    assert "Can you do it in blue?" in page.content.decode()
    file = Attachment.objects.get()
    assert reverse("sales:question_attachment", args=[inquiry.pk, file.pk]) in page.content.decode()
    assert inquiry.waiting_since is not None


def test_asking_again_adds_to_the_same_conversation(client, job, buyer):
    first = _ask(job, buyer)
    client.force_login(buyer)
    client.post(reverse(ASK, args=[job.pk]), {"body": "And in green?"})

    assert Inquiry.objects.get() == first
    assert list(first.messages.values_list("body", flat=True)) == [
        "Can you do it in blue?",
        "And in green?",
    ]
    # Its page sends a buyer who asked before to that conversation.
    assert client.get(reverse(ASK, args=[job.pk]))["Location"] == first.get_absolute_url()


@pytest.mark.parametrize(
    "data,error",
    [
        ({"body": "   "}, "Write a message before sending."),
        ({"body": "x" * 5001}, "Keep a message under 5000 characters."),
        (
            {"body": "Here is my file", "files": [txt("setup.png", ELF_BYTES)]},
            "is not really a .png file",
        ),
        (
            {"body": "Here is my file", "files": [png(f"f{i}.png") for i in range(11)]},
            "Attach at most",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client, job, buyer, data, error
):
    client.force_login(buyer)
    response = client.post(reverse(ASK, args=[job.pk]), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Inquiry.objects.exists()
    assert not Message.objects.exists()
    assert not Notification.objects.exists()
    assert stored_files() == []


def test_a_bad_reply_is_refused_and_nothing_saved(client, job, buyer):
    inquiry = _ask(job, buyer)
    client.force_login(job.seller)
    response = client.post(reverse("sales:question_reply", args=[inquiry.pk]), {"body": ""})

    assert response.status_code == 400
    assert "Write a message before sending." in response.content.decode()
    assert inquiry.messages.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.waiting_since is not None


def test_the_seller_can_not_ask_about_their_own_job(client, job):
    client.force_login(job.seller)
    response = client.post(reverse(ASK, args=[job.pk]), {"body": "Me?"}, follow=True)

    assert "This is your own Job" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_paused_job_takes_no_questions(client, buyer):
    job = JobFactory(is_paused=True)
    client.force_login(buyer)
    response = client.post(reverse(ASK, args=[job.pk]), {"body": "Still open?"})

    assert response.status_code == 302
    assert not Inquiry.objects.exists()
    with pytest.raises(inquiry_services.InquiryError, match="paused"):
        _ask(job, buyer)


def test_anonymous_is_sent_to_log_in_to_ask(client, job):
    response = client.post(reverse(ASK, args=[job.pk]), {"body": "Hi"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Inquiry.objects.exists()


def test_questions_are_rate_limited_like_order_messages(client, settings, job, buyer):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"message": "2/600"}
    client.force_login(buyer)
    url = reverse(ASK, args=[job.pk])
    assert client.post(url, {"body": "One"}).status_code == 302
    inquiry = Inquiry.objects.get()
    reply = reverse("sales:question_reply", args=[inquiry.pk])
    assert client.post(reply, {"body": "Two"}).status_code == 302
    refused = client.post(reply, {"body": "Three"})

    assert refused.status_code == 429
    assert inquiry.messages.count() == 2


# -- who may see it ------------------------------------------------------------


def _urls(inquiry):
    file = inquiry.messages.get().attachments.get()
    return [
        reverse("sales:question_detail", args=[inquiry.pk]),
        reverse("sales:question_attachment", args=[inquiry.pk, file.pk]),
    ]


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_both_parties_see_the_conversation_and_its_files(client, job, buyer, role):
    inquiry = _ask(job, buyer, files=[checked_png()])
    client.force_login(buyer if role == "buyer" else job.seller)
    page, file = (client.get(url) for url in _urls(inquiry))

    assert page.status_code == 200
    assert "Can you do it in blue?" in page.content.decode()
    assert file.status_code == 200
    assert file["Content-Disposition"].startswith("attachment")
    reply = client.post(reverse("sales:question_reply", args=[inquiry.pk]), {"body": "Sure."})
    assert reply.status_code == 302
    assert inquiry.messages.count() == 2


@pytest.mark.parametrize("who", ["other buyer", "other seller", "staff"])
def test_everyone_else_gets_404(client, job, buyer, who):
    inquiry = _ask(job, buyer, files=[checked_png()])
    stranger = {
        "other buyer": lambda: OrderFactory().buyer,
        "other seller": lambda: JobFactory().seller,
        "staff": lambda: SupportFactory(is_superuser=True),
    }[who]()
    client.force_login(stranger)

    for url in _urls(inquiry):
        assert client.get(url).status_code == 404
    reply = client.post(reverse("sales:question_reply", args=[inquiry.pk]), {"body": "Hi"})
    assert reply.status_code == 404
    assert inquiry.messages.count() == 1


def test_anonymous_is_sent_to_log_in(client, job, buyer):
    inquiry = _ask(job, buyer, files=[checked_png()])
    for url in [*_urls(inquiry), reverse("sales:questions_received")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# -- waiting for the seller ----------------------------------------------------


def _waiting_line(client, seller):
    client.force_login(seller)
    return client.get(reverse("sales:sales")).context["questions_waiting"]


def test_an_unanswered_question_waits_on_the_sales_page_until_the_seller_answers(
    client, job, buyer
):
    client.force_login(job.seller)
    assert "waiting for your answer" not in client.get(reverse("sales:sales")).content.decode()

    inquiry = _ask(job, buyer)
    _ask(JobFactory(seller=job.seller), UserFactory())
    page = client.get(reverse("sales:sales")).content.decode()
    assert "2 questions from buyers waiting for your answer" in page
    assert reverse("sales:questions_received") in page
    listed = client.get(reverse("sales:questions_received"))
    assert inquiry in listed.context["page"].object_list
    assert "Waiting for your answer" in listed.content.decode()

    inquiry_services.inquiry_reply(inquiry=inquiry, sender=job.seller, body="Yes, blue works.")
    assert "1 question from buyers waiting for your answer" in (
        client.get(reverse("sales:sales")).content.decode()
    )
    inquiry.refresh_from_db()
    assert inquiry.waiting_since is None

    # The buyer writes again: it waits again.
    inquiry_services.inquiry_reply(inquiry=inquiry, sender=buyer, body="Great, and a logo?")
    assert _waiting_line(client, job.seller) == 2


def test_the_buyer_lists_their_questions(client, job, buyer):
    inquiry = _ask(job, buyer)
    _ask(JobFactory(), UserFactory())  # someone else's
    client.force_login(buyer)
    response = client.get(reverse("sales:questions_asked"))

    assert list(response.context["page"].object_list) == [inquiry]
    assert "Waiting for the seller" in response.content.decode()


def test_the_menus_link_both_lists(client, buyer):
    client.force_login(buyer)
    page = client.get(reverse("sales:my_orders")).content.decode()
    assert reverse("sales:questions_asked") in page
    assert reverse("sales:questions_received") in page


# -- notices -------------------------------------------------------------------


def test_each_message_tells_the_other_side_once(
    job, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = _ask(job, buyer)
    (notice,) = _question_notices(job.seller)
    assert notice.url == inquiry.get_absolute_url()
    assert notice.order is None
    assert "Bea Buyer asked you about" in notice.text
    assert _question_notices(buyer) == []
    assert [m.subject for m in mailoutbox] == ["New message about a Job"]

    reply = inquiry_services.inquiry_reply(inquiry=inquiry, sender=job.seller, body="Sure.")
    (answer,) = _question_notices(buyer)
    assert "answered your question" in answer.text
    assert len(_question_notices(job.seller)) == 1
    # The outbox refuses a second notice of the same message.
    notify(
        recipients=[buyer],
        kind=NotificationKind.QUESTION_MESSAGE,
        key=answer.key,
        text="again",
        url=answer.url,
    )
    assert len(_question_notices(buyer)) == 1
    assert answer.key.endswith(f"message:{reply.pk}")


def test_opening_the_conversation_reads_its_notices(client, job, buyer):
    inquiry = _ask(job, buyer)
    other = _ask(JobFactory(seller=job.seller), UserFactory())
    client.force_login(job.seller)
    client.get(inquiry.get_absolute_url())

    read = {n.key.split(":")[1]: n.read_at for n in _question_notices(job.seller)}
    assert read[str(inquiry.pk)] is not None
    assert read[str(other.pk)] is None  # another conversation's notice stays unread


def test_writing_reads_ones_own_notices_of_the_conversation(job, buyer):
    inquiry = _ask(job, buyer)
    inquiry_services.inquiry_reply(inquiry=inquiry, sender=job.seller, body="Sure.")
    (notice,) = _question_notices(job.seller)
    assert notice.read_at is not None


# -- ordering afterwards -------------------------------------------------------


def test_the_order_placed_after_a_question_links_it_for_both(client, job, buyer):
    inquiry = _ask(job, buyer)
    order = order_place(job=job, buyer=buyer)
    assert order.inquiry == inquiry

    for user, text in [(buyer, "Your questions before ordering"), (job.seller, "Bea Buyer")]:
        client.force_login(user)
        page = client.get(order.get_absolute_url()).content.decode()
        assert f'href="{inquiry.get_absolute_url()}" data-preorder-questions' in page
        assert text in page


def test_an_order_without_a_question_links_none(client, job, buyer):
    order = order_place(job=job, buyer=buyer)
    assert order.inquiry is None
    client.force_login(buyer)
    assert "data-preorder-questions" not in client.get(order.get_absolute_url()).content.decode()


# -- the partial for the Job page ---------------------------------------------


def _partial(job, user):
    request = RequestFactory().get(job.get_absolute_url())
    request.user = user or AnonymousUser()
    return render_to_string(
        "sales/_contact_seller.html", {"job": job, "user": request.user}, request=request
    )


def test_the_partial_offers_the_form_a_link_or_nothing(job, buyer):
    form = _partial(job, buyer)
    assert reverse(ASK, args=[job.pk]) in form
    assert 'id="id_question_body"' in form
    assert "Log in to contact the seller" in _partial(job, None)
    assert _partial(job, job.seller).strip() == ""

    inquiry = _ask(job, buyer)
    link = _partial(job, buyer)
    assert inquiry.get_absolute_url() in link
    assert reverse(ASK, args=[job.pk]) not in link

    # A paused Job takes no new questions; a conversation already open stays linked.
    job.is_paused = True
    assert inquiry.get_absolute_url() in _partial(job, buyer)
    assert _partial(job, UserFactory()).strip() == ""
    assert _partial(job, None).strip() == ""


def test_a_paused_jobs_buyer_still_reaches_their_conversation(client, job, buyer):
    inquiry = _ask(job, buyer)
    job.is_paused = True
    job.save()
    client.force_login(buyer)
    response = client.get(reverse(ASK, args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == inquiry.get_absolute_url()
    page = client.get(job.get_absolute_url())
    assert page.status_code == 404  # the Job can't be ordered
    assert inquiry.get_absolute_url() in page.content.decode()
    client.force_login(UserFactory())
    assert inquiry.get_absolute_url() not in client.get(job.get_absolute_url()).content.decode()


def test_the_ask_page_shows_the_form(client, job, buyer):
    client.force_login(buyer)
    page = client.get(reverse(ASK, args=[job.pk]))
    assert page.status_code == 200
    assert 'for="id_question_body"' in page.content.decode()


# -- what the pages cost -------------------------------------------------------


def _conversation(job, buyer, n):
    inquiry = _ask(job, buyer, files=[checked_png()])
    for i in range(n):
        sender = job.seller if i % 2 == 0 else buyer
        inquiry_services.inquiry_reply(
            inquiry=inquiry, sender=sender, body=f"Message {i}", files=[checked_png()]
        )
    return inquiry


@pytest.mark.parametrize("n", [1, 12])
def test_the_conversation_page_costs_the_same_at_any_length(
    client, job, buyer, n, django_assert_num_queries
):
    inquiry = _conversation(job, buyer, n)
    client.force_login(job.seller)
    # session, user, the inquiry with its Job and people; marking it and its
    # notices read (two UPDATEs in a savepoint); the unread-notification
    # badge; the messages with their senders, their files.
    with django_assert_num_queries(10):
        assert client.get(inquiry.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "name,who", [("questions_received", "seller"), ("questions_asked", "buyer")]
)
@pytest.mark.parametrize("n", [1, 12])
def test_the_lists_cost_the_same_at_any_length(
    client, buyer, name, who, n, django_assert_num_queries
):
    seller = UserFactory()
    for _ in range(n):
        _ask(JobFactory(seller=seller), buyer)
    client.force_login(seller if who == "seller" else buyer)
    # session, user, the paginator's count, the unread-notification badge,
    # the page of inquiries with their Jobs and the other side.
    with django_assert_num_queries(5):
        assert client.get(reverse(f"sales:{name}")).status_code == 200


def test_support_admin_lists_no_message_before_ordering(client, job, buyer, support):
    order = OrderFactory()
    Message.objects.create(order=order, sender=order.buyer, body="About the order")
    _ask(job, buyer, body="Before ordering")
    client.force_login(support)
    page = client.get(reverse("admin:messaging_message_changelist")).content.decode()
    assert "About the order" in page
    assert "Before ordering" not in page


@pytest.mark.parametrize("where", ["neither", "both"])
def test_a_message_is_in_exactly_one_conversation(job, buyer, where):
    inquiry = _ask(job, buyer)
    order = OrderFactory(job=job, buyer=buyer)
    fields = {"neither": {}, "both": {"order": order, "inquiry": inquiry}}[where]
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(sender=buyer, body="Where am I?", **fields)
