from django import forms
from django.db.models import Q

from marketplace.forms import PageForm
from sales.forms import ExtensionRequestForm, ReasonField
from sales.models import Order

from .models import TICKET_BODY_MAX


class VacationForm(ExtensionRequestForm):
    id_prefix = ""  # alone on its page

    reason = ReasonField(
        label="Message to your buyers",
        required_message="Tell your buyers why you need more time.",
        initial="I'm away for a few days and need a little more time. Thank you for understanding!",
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
