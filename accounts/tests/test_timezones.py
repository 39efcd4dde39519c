"""The time-zone list at sign-up and on the profile: common zones first,
every zone the server knows accepted, anything else refused in plain words,
and the hook timezone.js uses to preselect the browser's zone."""

import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import COMMON_TIMEZONES, ProfileForm, SignUpForm, TimezoneField
from accounts.models import User, validate_timezone
from testing.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "username": "new_seller",
    "email": "new@example.com",
    "password1": "a-long-unusual-pass-42",
    "password2": "a-long-unusual-pass-42",
}


def test_the_select_lists_the_common_zones_first_then_all(client):
    html = client.get(reverse("accounts:signup")).content.decode()

    common = html.index('<optgroup label="Common">')
    every = html.index('<optgroup label="All time zones">')
    assert common < every
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in html[common:every]
    assert '<option value="America/New_York">America/New York</option>' in html[common:every]
    assert html[every:].count("<option") == len(zoneinfo.available_timezones())
    # UTC stays the default, chosen once (not in both groups).
    assert html.count("selected>UTC<") == 1


def test_about_twenty_common_zones_all_real():
    assert 15 <= len(COMMON_TIMEZONES) <= 25
    assert set(COMMON_TIMEZONES) <= zoneinfo.available_timezones()


def test_every_zone_the_server_knows_is_accepted(monkeypatch):
    known = zoneinfo.available_timezones()
    # The validator lists the zones from disk on each call: list them once.
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: known)
    field = TimezoneField()
    for zone in sorted(known):
        assert field.clean(zone) == zone
        validate_timezone(zone)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "utc ", "Europe/paris", "../etc/passwd"])
def test_anything_else_is_refused(zone):
    with pytest.raises(ValidationError):
        TimezoneField().clean(zone)
    with pytest.raises(ValidationError):
        validate_timezone(zone)


def test_a_bad_zone_is_refused_with_a_clear_message(client):
    response = client.post(reverse("accounts:signup"), {**GOOD, "timezone": "Mars/Olympus"})

    assert response.status_code == 200
    assert (
        "“Mars/Olympus” is not a time zone we know. "
        "Choose yours from the list: the most common are at the top."
    ) in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_common_and_a_rare_zone(client):
    client.post(reverse("accounts:signup"), {**GOOD, "timezone": "Asia/Tokyo"})
    assert User.objects.get().timezone == "Asia/Tokyo"


def test_the_sign_up_page_lets_the_browser_preselect_its_zone(client):
    html = client.get(reverse("accounts:signup")).content.decode()

    assert "data-browser-timezone" in html
    assert "/static/js/timezone.js" in html


def test_a_refused_sign_up_keeps_the_chosen_zone_for_the_browser_not_to_override():
    form = SignUpForm({**GOOD, "password2": "not-the-same-42", "timezone": "Europe/Paris"})

    assert not form.is_valid()
    assert "data-browser-timezone" not in str(form["timezone"])
    assert 'value="Europe/Paris" selected' in str(form["timezone"])


def test_the_profile_keeps_the_users_zone_and_no_browser_guess():
    user = UserFactory(timezone="Asia/Kolkata")
    html = str(ProfileForm(instance=user)["timezone"])

    assert "data-browser-timezone" not in html
    assert 'value="Asia/Kolkata" selected' in html
    assert '<optgroup label="Common">' in html
