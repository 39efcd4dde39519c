from django import forms

from marketplace.forms import PageForm
from messaging.forms import AttachmentsField
from messaging.models import MAX_BODY


class RequirementsForm(PageForm):
    """One required answer per question the Job asks."""

    id_prefix = "requirements"

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": "Answer this question to start the order."},
            )

    def answers(self):
        return [
            {"question": q, "answer": self.cleaned_data[f"answer_{i}"].strip()}
            for i, q in enumerate(self.questions)
        ]


class DeliverForm(PageForm):
    id_prefix = "deliver"

    message = forms.CharField(
        label="Delivery message",
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Tell the buyer what you delivered and how to use it.",
        error_messages={"required": "Write a message to go with the delivery."},
    )
    files = AttachmentsField(label="Delivery files")


class RevisionForm(PageForm):
    id_prefix = "revision"

    message = forms.CharField(
        label="What should change?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Tell the seller what to change."},
    )


class SupportCancelForm(forms.Form):
    """Asked of support staff before the admin's Cancel button acts."""

    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Both the buyer and the seller see this reason.",
        error_messages={"required": "Give a reason for the cancellation."},
    )
