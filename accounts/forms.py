from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User, timezone_choices


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=timezone_choices,
            initial="UTC",
            label="Time zone",
            help_text="Dates and due times are shown in this time zone.",
            **kwargs,
        )


class SignUpForm(UserCreationForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ("username", "email", "timezone")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email


class ProfileForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "timezone")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email
