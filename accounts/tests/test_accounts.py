"""Sign up, log in, log out, change the password, and the viewer's time zone."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import User
from testing.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "new_seller",
    "email": "New@Example.com",
    "timezone": "Europe/Paris",
    "password1": "a-long-unusual-pass-42",
    "password2": "a-long-unusual-pass-42",
}


def test_sign_up_logs_the_new_user_in(client):
    response = client.post(reverse("accounts:signup"), GOOD)
    assert response.status_code == 302
    user = User.objects.get(username="new_seller")
    assert (user.email, user.timezone) == ("new@example.com", "Europe/Paris")
    assert client.get(reverse("sales:sales")).status_code == 200


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"username": ""}, "This field is required."),
        ({"username": "u" * 151}, "at most 150 characters"),
        ({"username": "bad name!"}, "Enter a valid username"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone we know."),
        ({"password2": "different-pass-42"}, "didn’t match"),
        ({"password1": "123", "password2": "123"}, "too short"),
    ],
)
def test_bad_sign_up_is_refused_and_creates_nothing(client, changes, message):
    response = client.post(reverse("accounts:signup"), {**GOOD, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_duplicate_email_is_refused(client):
    UserFactory(email="new@example.com")
    response = client.post(reverse("accounts:signup"), GOOD)
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_log_in_and_log_out(client):
    UserFactory(username="sam")
    response = client.post(reverse("login"), {"username": "sam", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("sales:sales")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # log-out is a POST
    client.post(reverse("logout"))
    assert client.get(reverse("sales:sales")).status_code == 302


def test_wrong_password_is_refused(client):
    UserFactory(username="sam")
    response = client.post(reverse("login"), {"username": "sam", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_change(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pass-word-123",
            "new_password1": "another-long-pass-77",
            "new_password2": "another-long-pass-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-pass-77")


def test_password_change_with_wrong_old_password_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "another-long-pass-77",
            "new_password2": "another-long-pass-77",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("pass-word-123")


def test_profile_changes_the_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "first_name": "",
            "last_name": "",
            "email": user.email,
            "timezone": "Asia/Kolkata",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Asia/Kolkata"
    assert "Times are shown in Asia/Kolkata" in client.get(reverse("home")).content.decode()


def test_profile_rejects_a_bad_time_zone(client):
    user = UserFactory(timezone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"email": user.email, "timezone": "Nowhere"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.timezone == "UTC"


@pytest.mark.parametrize(
    "url",
    ["/sales/?tab=pending", "/sales/numbers/panel/", "/orders/ABC123/live/"],
)
def test_an_htmx_request_after_the_session_ended_goes_to_the_log_in_page(client, url):
    page = "http://testserver/orders/ABC123/?all=1"
    response = client.get(url, headers={"HX-Request": "true", "HX-Current-URL": page})

    # Not the log-in page swapped into the middle of the page: a whole-page
    # redirect, back to the page after logging in (not to the page part).
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login") + "?next=" + quote("/orders/ABC123/?all=1")
    assert response.content == b""


def test_after_logging_in_again_the_user_is_back_on_the_page(client):
    user = UserFactory()
    response = client.get(
        "/sales/numbers/panel/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/sales/?tab=pending"},
    )

    back = client.post(
        response["HX-Redirect"], {"username": user.username, "password": "pass-word-123"}
    )

    assert back.status_code == 302
    assert back["Location"] == "/sales/?tab=pending"


def test_an_htmx_request_without_its_page_address_comes_back_to_what_it_asked(client):
    response = client.get("/sales/?tab=pending", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == reverse("login") + "?next=" + quote("/sales/?tab=pending")


def test_a_plain_request_after_the_session_ended_is_redirected_as_usual(client):
    response = client.get("/sales/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "HX-Redirect" not in response
