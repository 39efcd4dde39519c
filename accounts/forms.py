import functools
import zoneinfo

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User, timezone_choices

# Where most people are, west to east, so nobody has to scroll through all
# 599 zones to find theirs. Every zone is still in "All time zones" below.
COMMON_TIMEZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Lagos",
    "Africa/Cairo",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Jakarta",
    "Asia/Shanghai",
    "Asia/Manila",
    "Asia/Tokyo",
    "Australia/Sydney",
)


@functools.cache
def grouped_timezone_choices():
    """The common zones first, then every zone the server knows (the model's
    validator accepts exactly those). Read once per process: listing the
    zones walks the time-zone database on disk, and a field reads its choices
    on every render and every check."""
    known = zoneinfo.available_timezones()
    common = [(tz, tz.replace("_", " ")) for tz in COMMON_TIMEZONES if tz in known]
    return [("Common", common), ("All time zones", timezone_choices())]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=grouped_timezone_choices,
            initial="UTC",
            label="Time zone",
            help_text="Dates and due times are shown in this time zone.",
            error_messages={
                "invalid_choice": "“%(value)s” is not a time zone we know. "
                "Choose yours from the list: the most common are at the top."
            },
            **kwargs,
        )


class SignUpForm(UserCreationForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ("username", "email", "timezone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # timezone.js preselects the browser's zone on a fresh form only,
            # never over what the person chose before a refused submit.
            self.fields["timezone"].widget.attrs["data-browser-timezone"] = ""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email


class ProfileForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "timezone", "bio", "languages")
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 600})}

    def clean_bio(self):
        return self.cleaned_data["bio"].strip()

    def clean_languages(self):
        """The list as the profile shows it: each language once, in the
        order given, separated by ", "."""
        seen, languages = set(), []
        for part in self.cleaned_data["languages"].split(","):
            name = " ".join(part.split())
            if not name:
                continue
            if len(name) > 40 or not all(c.isalpha() or c in " -'()" for c in name):
                raise forms.ValidationError(
                    f"“{name[:40]}” does not look like a language: write names such as "
                    "English, Spanish, separated by commas."
                )
            if name.casefold() not in seen:
                seen.add(name.casefold())
                languages.append(name)
        text = ", ".join(languages)
        if len(text) > 200:
            raise forms.ValidationError("List up to 200 characters of languages.")
        return text

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email
