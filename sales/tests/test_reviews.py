"""Reviews both ways after an order completes: who may review, when, once;
hidden until both have reviewed or the window ends; the seller's one reply;
the notices; bad input refused with nothing saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Notification, NotificationKind
from sales import review_services, services
from sales.models import State
from sales.reviews import Review, ReviewRole
from testing.factories import OrderFactory, UserFactory
from testing.reviews import review_as_buyer as _buyer_reviews
from testing.reviews import review_as_seller as _seller_reviews

pytestmark = pytest.mark.django_db

BUYER_REVIEW = {
    "stars": "4",
    "communication": "5",
    "as_described": "3",
    "would_recommend": "yes",
    "text": "Clear logo, fast turnaround.",
}
SELLER_REVIEW = {"stars": "5", "text": "Clear brief, quick answers."}


def _completed(days_ago=1, **kwargs):
    return OrderFactory(
        state=State.COMPLETED, completed_at=timezone.now() - timedelta(days=days_ago), **kwargs
    )


def _post(client, user, order, data, name="sales:review_leave", args=None):
    client.force_login(user)
    return client.post(reverse(name, args=args or [order.number]), data, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


# -- who, when, how often ----------------------------------------------------------


def test_buyer_and_seller_each_review_once_through_the_page(client):
    order = _completed()
    response = _post(client, order.buyer, order, BUYER_REVIEW)
    assert "your review is saved" in " ".join(_messages(response))
    review = Review.objects.get(order=order, role=ReviewRole.BUYER)
    assert (review.stars, review.communication, review.as_described) == (4, 5, 3)
    assert review.would_recommend is True
    assert review.author == order.buyer and review.subject == order.seller

    response = _post(client, order.seller, order, SELLER_REVIEW)
    seller_review = Review.objects.get(order=order, role=ReviewRole.SELLER)
    assert seller_review.stars == 5 and seller_review.subject == order.buyer
    assert seller_review.communication is None


def test_a_second_review_by_the_same_side_is_refused(client):
    order = _completed()
    _buyer_reviews(order)
    response = _post(client, order.buyer, order, BUYER_REVIEW)
    assert "You already reviewed this order." in _messages(response)
    assert Review.objects.filter(order=order).count() == 1
    with pytest.raises(review_services.ReviewError, match="already reviewed"):
        _buyer_reviews(order, stars=1)
    assert Review.objects.get(order=order).stars == 4


@pytest.mark.parametrize(
    "state,message",
    [
        (State.CANCELED, "A canceled order can't be reviewed."),
        (State.ACTIVE, "You can review this order once it is completed."),
        (State.DELIVERED, "You can review this order once it is completed."),
        (State.PENDING, "You can review this order once it is completed."),
    ],
)
def test_an_order_not_completed_cannot_be_reviewed(client, state, message):
    order = OrderFactory(state=state)
    response = _post(client, order.buyer, order, BUYER_REVIEW)
    assert message in _messages(response)
    assert not Review.objects.exists()
    html = client.get(order.get_absolute_url()).content.decode()
    assert 'id="review-form"' not in html


def test_no_review_after_the_window(client, settings):
    settings.REVIEW_WINDOW_DAYS = 10
    order = _completed(days_ago=10)  # the window closes the moment it reaches 10 days
    response = _post(client, order.buyer, order, BUYER_REVIEW)
    assert any("The time to review this order is over" in m for m in _messages(response))
    assert not Review.objects.exists()
    assert 'id="review-form"' not in client.get(order.get_absolute_url()).content.decode()


def test_the_window_follows_the_setting(client, settings):
    settings.REVIEW_WINDOW_DAYS = 30
    order = _completed(days_ago=20)
    _post(client, order.buyer, order, BUYER_REVIEW)
    review = Review.objects.get(order=order)
    assert review.window_ends_at == order.completed_at + timedelta(days=30)


def test_only_the_two_parties_may_review():
    order = _completed()
    for outsider in (UserFactory(), UserFactory(is_staff=True, is_superuser=True)):
        with pytest.raises(review_services.ReviewError, match="Only the buyer and the seller"):
            review_services.review_leave(order=order, actor=outsider, stars=5, text="Hi")
    assert not Review.objects.exists()


# -- hidden until both have reviewed or the window ends ------------------------------


def _page(client, user, order):
    client.force_login(user)
    return client.get(order.get_absolute_url()).content.decode()


def test_a_review_stays_hidden_from_the_other_side_until_both_have_reviewed(client):
    order = _completed()
    _buyer_reviews(order, text="Secret verdict of the buyer.")
    review = Review.objects.get(order=order)
    assert review.published_at is None

    # The author sees it, and that it waits for the other side.
    html = _page(client, order.buyer, order)
    assert "Secret verdict of the buyer." in html and "Waiting for the other side" in html
    # The seller sees the form, not the review; not by its URL either.
    html = _page(client, order.seller, order)
    assert "Secret verdict of the buyer." not in html
    assert 'id="review-form"' in html and "they have written theirs" in html
    url = reverse("sales:review_detail", args=[order.number, review.pk])
    assert client.get(url).status_code == 404

    _seller_reviews(order)
    assert Review.objects.filter(order=order, published_at__isnull=False).count() == 2
    html = _page(client, order.seller, order)
    assert "Secret verdict of the buyer." in html and "A pleasure." in html
    assert client.get(url).status_code == 200


def test_the_buyer_does_not_see_the_sellers_review_first(client):
    order = _completed()
    seller_review = _seller_reviews(order)
    html = _page(client, order.buyer, order)
    assert "A pleasure." not in html
    url = reverse("sales:review_detail", args=[order.number, seller_review.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["stranger", "staff", "counterpart's other buyer"])
def test_outsiders_get_404_on_every_review_url(client, who, support):
    order = _completed()
    review = _buyer_reviews(order)
    _seller_reviews(order)  # published: still nobody else's business here
    outsider = {
        "stranger": UserFactory(),
        "staff": support,
        # Someone with an order of their own from the same seller.
        "counterpart's other buyer": _completed(job=order.job).buyer,
    }[who]
    client.force_login(outsider)
    detail = reverse("sales:review_detail", args=[order.number, review.pk])
    reply = reverse("sales:review_reply", args=[order.number, review.pk])
    assert client.get(detail).status_code == 404
    assert client.post(reply, {"text": "Hi"}).status_code == 404
    assert (
        client.post(reverse("sales:review_leave", args=[order.number]), BUYER_REVIEW).status_code
        == 404
    )
    assert Review.objects.get(pk=review.pk).replied_at is None
    assert Review.objects.filter(order=order).count() == 2


def test_anonymous_is_sent_to_log_in_from_the_review_urls(client):
    order = _completed()
    review = _buyer_reviews(order)
    login = reverse("login")
    for response in (
        client.get(reverse("sales:review_detail", args=[order.number, review.pk])),
        client.post(reverse("sales:review_reply", args=[order.number, review.pk]), {"text": "x"}),
        client.post(reverse("sales:review_leave", args=[order.number]), BUYER_REVIEW),
    ):
        assert response.status_code == 302 and response["Location"].startswith(login)
    assert Review.objects.filter(order=order).count() == 1


def test_a_review_of_another_order_is_404_by_its_url(client):
    mine, other = _completed(), _completed()
    review = _buyer_reviews(other)
    _seller_reviews(other)
    client.force_login(mine.buyer)
    url = reverse("sales:review_detail", args=[mine.number, review.pk])
    assert client.get(url).status_code == 404


def test_leaving_a_review_is_post_only(client):
    order = _completed()
    client.force_login(order.buyer)
    assert client.get(reverse("sales:review_leave", args=[order.number])).status_code == 405


# -- the seller's reply ---------------------------------------------------------------


def _published(order):
    review = _buyer_reviews(order)
    _seller_reviews(order)
    review.refresh_from_db()
    return review


def test_the_seller_replies_once_in_public(client):
    order = _completed()
    review = _published(order)
    url = reverse("sales:review_reply", args=[order.number, review.pk])
    client.force_login(order.seller)
    response = client.post(url, {"text": "Thank you, Ann!"}, follow=True)
    assert "Your reply is published under the review." in _messages(response)
    review.refresh_from_db()
    assert review.reply == "Thank you, Ann!" and review.replied_at is not None
    assert "Thank you, Ann!" in _page(client, order.buyer, order)

    client.force_login(order.seller)
    response = client.post(url, {"text": "Another try"}, follow=True)
    assert "You already replied to this review." in _messages(response)
    review.refresh_from_db()
    assert review.reply == "Thank you, Ann!"


def test_no_reply_before_publication_nor_by_the_buyer(client):
    order = _completed()
    review = _buyer_reviews(order)
    url = reverse("sales:review_reply", args=[order.number, review.pk])
    # The seller cannot even see it yet: a 404, not a confirmation it exists.
    client.force_login(order.seller)
    assert client.post(url, {"text": "Hi"}).status_code == 404
    with pytest.raises(review_services.ReviewError, match="once the review is published"):
        review_services.review_reply(review=review, actor=order.seller, text="Hi")
    _seller_reviews(order)
    client.force_login(order.buyer)
    response = client.post(url, {"text": "Me too"}, follow=True)
    assert "Only the seller can reply to the buyer's review." in _messages(response)
    assert Review.objects.get(pk=review.pk).replied_at is None


@pytest.mark.parametrize(
    "text,message",
    [("", "Write your reply."), ("   ", "Write your reply."), ("x" * 1001, "1000 characters")],
)
def test_a_bad_reply_is_refused_and_nothing_saved(client, text, message):
    order = _completed()
    review = _published(order)
    client.force_login(order.seller)
    url = reverse("sales:review_reply", args=[order.number, review.pk])
    response = client.post(url, {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Review.objects.get(pk=review.pk).replied_at is None


def test_the_sellers_review_gets_no_reply_form(client):
    order = _completed()
    _published(order)
    html = _page(client, order.buyer, order)
    assert "review_reply" not in html and "Reply in public" not in html
    assert "Reply in public" in _page(client, order.seller, order)


# -- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        ({"stars": "0"}, "Rate the order overall from 1 to 5 stars."),
        ({"stars": "6"}, "Rate the order overall from 1 to 5 stars."),
        ({"stars": "abc"}, "Rate the order overall from 1 to 5 stars."),
        ({"stars": ""}, "Rate the order overall from 1 to 5 stars."),
        ({"communication": "9"}, "Rate the communication from 1 to 5 stars."),
        ({"as_described": "-1"}, "Rate how the work matched its description from 1 to 5 stars."),
        ({"would_recommend": "maybe"}, "Say whether you would recommend this seller."),
        ({"would_recommend": None}, "Say whether you would recommend this seller."),
        ({"text": ""}, "Write a few words for your review."),
        ({"text": "x" * 2001}, "Keep your review to 2000 characters."),
    ],
)
def test_bad_review_input_is_refused_with_a_clear_message(client, change, message):
    order = _completed()
    data = {k: v for k, v in (BUYER_REVIEW | change).items() if v is not None}
    client.force_login(order.buyer)
    response = client.post(reverse("sales:review_leave", args=[order.number]), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Review.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.REVIEWS_PUBLISHED).exists()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"stars": 0}, "from 1 to 5 stars"),
        ({"stars": 6}, "from 1 to 5 stars"),
        ({"stars": "abc"}, "from 1 to 5 stars"),
        ({"stars": True}, "from 1 to 5 stars"),
        ({"stars": None}, "from 1 to 5 stars"),
        ({"communication": None}, "Rate the communication"),
        ({"would_recommend": None}, "Say whether you would recommend"),
        ({"text": "  "}, "Write a few words"),
        ({"text": "x" * 2001}, "Keep it to 2000 characters"),
    ],
)
def test_the_service_refuses_bad_input_too(kwargs, message):
    order = _completed()
    data = {
        "stars": 4,
        "communication": 4,
        "as_described": 4,
        "would_recommend": True,
        "text": "Fine.",
    } | kwargs
    with pytest.raises(review_services.ReviewError, match=message):
        review_services.review_leave(order=order, actor=order.buyer, **data)
    assert not Review.objects.exists()


def test_bad_seller_review_is_refused(client):
    order = _completed()
    client.force_login(order.seller)
    response = client.post(
        reverse("sales:review_leave", args=[order.number]), {"stars": "6", "text": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Rate the buyer from 1 to 5 stars." in html and "Write a few words" in html
    assert not Review.objects.exists()


# -- the order page ----------------------------------------------------------------------


def test_the_page_offers_the_review_as_the_next_step(client):
    order = _completed()
    html = _page(client, order.buyer, order)
    assert 'href="#review-form"' in html and "Leave a review" in html
    assert 'id="id_review_communication_0"' in html
    html = _page(client, order.seller, order)
    assert 'id="review-form"' in html and "id_review_communication" not in html


def test_after_the_window_with_no_reviews_the_page_says_so(client):
    order = _completed(days_ago=11)
    html = _page(client, order.buyer, order)
    assert "No reviews were left on this order." in html
    assert "Leave a review" not in html


# -- notices -------------------------------------------------------------------------------


def _notices(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_completion_invites_both_sides_once():
    order = OrderFactory(state=State.DELIVERED)
    services.order_accept(order=order, actor=order.buyer)
    invited = _notices(NotificationKind.REVIEW_INVITED)
    assert invited == sorted([order.buyer.username, order.seller.username])
    text = Notification.objects.filter(kind=NotificationKind.REVIEW_INVITED).first().text
    assert "Leave a review within 10 days" in text


def test_auto_completion_invites_both_sides():
    order = OrderFactory(state=State.DELIVERED)
    services.order_auto_complete(order=order, now=timezone.now() + timedelta(days=4))
    assert len(_notices(NotificationKind.REVIEW_INVITED)) == 2


def test_publication_tells_each_side_once():
    order = _completed()
    _buyer_reviews(order)
    assert not _notices(NotificationKind.REVIEWS_PUBLISHED)
    _seller_reviews(order)
    published = _notices(NotificationKind.REVIEWS_PUBLISHED)
    assert published == sorted([order.buyer.username, order.seller.username])
    # Publishing again (the scan coming by) tells nobody anything new.
    assert (
        review_services.reviews_publish_due(
            order_id=order.pk, now=timezone.now() + timedelta(days=30)
        )
        is False
    )
    assert len(_notices(NotificationKind.REVIEWS_PUBLISHED)) == 2


# -- the seller's rating ---------------------------------------------------------------------


def test_publication_counts_the_buyers_stars_in_the_sellers_rating():
    order = _completed()
    seller = order.seller
    _buyer_reviews(order, stars=4)
    seller.refresh_from_db()
    assert seller.rating_count == 0  # not published yet
    _seller_reviews(order, stars=1)  # the seller's stars rate the buyer, not the seller
    seller.refresh_from_db()
    assert (seller.rating_count, seller.rating_total, seller.rating_avg) == (1, 4, Decimal("4.00"))
    order.buyer.refresh_from_db()
    assert order.buyer.rating_count == 0


def test_the_header_says_where_the_reviews_stand(client):
    order = _completed()
    _buyer_reviews(order)
    html = _page(client, order.buyer, order)
    header = html[html.index("data-next-step") :][:400]
    assert "Your review is in. Waiting for the other side to review." in header
    _seller_reviews(order)
    html = _page(client, order.buyer, order)
    header = html[html.index("data-next-step") :][:400]
    assert 'href="#reviews"' in header and "Read the reviews" in header


def test_the_notices_lead_to_the_form_and_to_the_reviews():
    order = OrderFactory(state=State.DELIVERED)
    services.order_accept(order=order, actor=order.buyer)
    invite = Notification.objects.filter(kind=NotificationKind.REVIEW_INVITED).first()
    assert invite.url == f"{order.get_absolute_url()}#review-form"
    _buyer_reviews(order)
    _seller_reviews(order)
    published = Notification.objects.filter(kind=NotificationKind.REVIEWS_PUBLISHED).first()
    assert published.url == f"{order.get_absolute_url()}#reviews"


def test_once_the_other_review_is_published_the_window_is_closed(settings):
    settings.REVIEW_WINDOW_DAYS = 5
    order = _completed(days_ago=6)
    Review.objects.create(
        order=order,
        role=ReviewRole.SELLER,
        author=order.seller,
        subject=order.buyer,
        stars=5,
        text="Published at the old window's end.",
        created_at=order.completed_at,
        window_ends_at=order.completed_at + timedelta(days=5),
        published_at=order.completed_at + timedelta(days=5),
    )
    settings.REVIEW_WINDOW_DAYS = 10  # the window grew since
    with pytest.raises(review_services.ReviewError, match="time to review is over"):
        _buyer_reviews(order)
    assert Review.objects.filter(order=order).count() == 1
