import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


def timezone_choices():
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


def display_name(first_name, last_name, username):
    """How a person is shown everywhere: their name, or the username when
    they have not given one."""
    return f"{first_name} {last_name}".strip() or username


def initials(first_name, last_name, username):
    """One or two letters for an avatar: first and last name, else the username."""
    letters = [part[0] for part in (first_name.strip(), last_name.strip()) if part]
    return "".join(letters).upper() or username[:1].upper()


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list.")


class User(AbstractUser):
    """A marketplace account. The same account can buy and sell."""

    email = models.EmailField("email address", unique=True)
    timezone = models.CharField(
        max_length=64,
        validators=[validate_timezone],
        default="UTC",
        help_text="Dates and due times are shown in this time zone.",
    )
    # The seller's rating: the sum and count of the overall stars of their
    # published reviews, and the average they give, kept together when a
    # review is published so Browse can sort by it without reading reviews.
    # Each new column has a database default too, so the processes still
    # running the code before it can insert users while a deploy rolls.
    rating_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_total = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, editable=False)
    # How many of those reviews gave each number of stars: the breakdown a
    # buyer sees beside the average, kept with it.
    rating_5 = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_4 = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_3 = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_2 = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    rating_1 = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # What buyers read on a seller's public profile.
    bio = models.TextField(
        "about you",
        max_length=600,
        blank=True,
        default="",
        db_default="",
        help_text="A few sentences buyers read on your public profile: what you do, "
        "for whom, how you work. Up to 600 characters.",
    )
    languages = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text="The languages you work in, separated by commas, e.g. English, Spanish.",
    )

    def __str__(self):
        return self.username

    @property
    def rating_breakdown(self):
        """{stars: published reviews that gave them}, 5 down to 1."""
        return {n: getattr(self, f"rating_{n}") for n in range(5, 0, -1)}

    @property
    def display_name(self):
        return display_name(self.first_name, self.last_name, self.username)

    @property
    def language_list(self):
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    @property
    def zoneinfo(self):
        """The user's time zone, for dates written into notices and e-mails."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")
