"""What a user writes for their public profile, on their own profile page."""

import pytest
from django.urls import reverse

from testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def _form(user, **changes):
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "timezone": user.timezone,
        "bio": "",
        "languages": "",
    } | changes


def test_bio_and_languages_are_saved(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        _form(user, bio="  I design logos.  ", languages="english,  Spanish , English"),
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.bio == "I design logos."
    assert user.languages == "english, Spanish"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bio": "x" * 601}, "Ensure this value has at most 600 characters"),
        ({"languages": "English; <script>"}, "does not look like a language"),
        ({"languages": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(client, changes, message):
    user = UserFactory(bio="Before.")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), _form(user, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.bio == "Before." and user.languages == ""


def test_the_profile_page_has_the_fields_with_labels(client):
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'for="id_bio"' in html and 'for="id_languages"' in html
