from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from marketplace.forms import PageForm
from messaging.forms import AttachmentsField
from messaging.models import MAX_BODY

from .requests import EXTENSION_MAX_DAYS, EXTENSION_MIN_DAYS
from .reviews import REPLY_TEXT_MAX, REVIEW_TEXT_MAX, STARS_MAX, STARS_MIN


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


class QuestionForm(PageForm):
    """A message before ordering: the buyer's question or either side's
    reply. The same length and files as the order's conversation."""

    id_prefix = "question"

    body = forms.CharField(
        label="Your message",
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write a message before sending.",
            "max_length": f"Keep a message under {MAX_BODY} characters.",
        },
    )
    files = AttachmentsField(label="Attach files")


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


# -- the Resolution Center's requests, on the order page -------------------------


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


# -- reviews, once the order is completed -----------------------------------------


def _stars_field(label, what):
    message = f"Rate {what} from {STARS_MIN} to {STARS_MAX} stars."
    return forms.TypedChoiceField(
        label=label,
        choices=[
            (n, f"{n} star{'s' if n != 1 else ''}") for n in range(STARS_MAX, STARS_MIN - 1, -1)
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


class _ReviewTextField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=REVIEW_TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={
                "required": "Write a few words for your review.",
                "max_length": f"Keep your review to {REVIEW_TEXT_MAX} characters.",
            },
            **kwargs,
        )


class _ReviewForm(PageForm):
    """Stars in a row, one radio button per star count, then the text."""

    id_prefix = "review"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's form tag carries it
        self.helper.layout = Layout(
            *(
                InlineRadios(name) if isinstance(field.widget, forms.RadioSelect) else name
                for name, field in self.fields.items()
            )
        )


class BuyerReviewForm(_ReviewForm):
    """The buyer's review of the seller's work."""

    stars = _stars_field("Overall", "the order overall")
    communication = _stars_field("Communication", "the communication")
    as_described = _stars_field("As described", "how the work matched its description")
    would_recommend = forms.TypedChoiceField(
        label="Would you recommend this seller?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether you would recommend this seller.",
            "invalid_choice": "Say whether you would recommend this seller.",
        },
    )
    text = _ReviewTextField(label="Your review")


class SellerReviewForm(_ReviewForm):
    """The seller's review of the buyer."""

    stars = _stars_field("Overall", "the buyer")
    text = _ReviewTextField(label="Your review of the buyer")


class ReviewReplyForm(PageForm):
    id_prefix = "reply"

    text = forms.CharField(
        label="Your public reply",
        max_length=REPLY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown under the buyer's review. You can reply once.",
        error_messages={
            "required": "Write your reply.",
            "max_length": f"Keep your reply to {REPLY_TEXT_MAX} characters.",
        },
    )
