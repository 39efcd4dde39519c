from django import forms
from django.db.models import Q

from marketplace.forms import PageForm
from sales.models import Order

from .models import EXTENSION_MAX_DAYS, EXTENSION_MIN_DAYS, TICKET_BODY_MAX


class ReasonField(forms.CharField):
    def __init__(self, *, required_message, **kwargs):
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(error_messages={"required": required_message}, **kwargs)


class ExtensionRequestForm(PageForm):
    id_prefix = "extension"

    days = forms.IntegerField(
        label="More days",
        min_value=EXTENSION_MIN_DAYS,
        max_value=EXTENSION_MAX_DAYS,
        error_messages={
            "required": "How many more days do you need?",
            "invalid": f"Enter a whole number of days, {EXTENSION_MIN_DAYS} to {EXTENSION_MAX_DAYS}.",
            "min_value": f"Ask for at least {EXTENSION_MIN_DAYS} day.",
            "max_value": f"Ask for at most {EXTENSION_MAX_DAYS} days.",
        },
    )
    reason = ReasonField(
        label="Why do you need more time?",
        required_message="Tell the buyer why you need more time.",
    )


class VacationForm(ExtensionRequestForm):
    id_prefix = ""  # alone on its page

    reason = ReasonField(
        label="Message to your buyers",
        required_message="Tell your buyers why you need more time.",
        initial="I'm away for a few days and need a little more time. Thank you for understanding!",
    )


class CancellationRequestForm(PageForm):
    id_prefix = "cancellation"

    reason = ReasonField(
        label="Why cancel?", required_message="Give a reason for the cancellation."
    )


class LateCancelForm(PageForm):
    id_prefix = "late_cancel"

    reason = ReasonField(
        label="Why cancel it now?",
        required_message="Give a reason for the cancellation.",
        initial="The order is long past its due date.",
    )


class TicketForm(forms.Form):
    subject = forms.CharField(
        max_length=120, error_messages={"required": "Give your ticket a subject."}
    )
    body = forms.CharField(
        label="How can we help?",
        max_length=TICKET_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Tell us what happened."},
    )
    order = forms.CharField(
        label="Order number (optional)",
        required=False,
        max_length=16,
        help_text="If this is about one of your orders, its number, for example 7KQ2M9XHPD.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_order(self):
        number = self.cleaned_data["order"].strip().lstrip("#").upper()
        if not number:
            return None
        order = (
            Order.objects.filter(number=number)
            .filter(Q(buyer=self.user) | Q(seller=self.user))
            .first()
        )
        if order is None:
            raise forms.ValidationError("None of your orders has this number.")
        return order


class TicketReplyForm(PageForm):
    id_prefix = "reply"

    body = forms.CharField(
        label="Your reply",
        max_length=TICKET_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write your reply.",
            "max_length": "Keep your reply to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
