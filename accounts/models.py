import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


def timezone_choices():
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


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

    def __str__(self):
        return self.username

    @property
    def zoneinfo(self):
        """The user's time zone, for dates written into notices and e-mails."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")
