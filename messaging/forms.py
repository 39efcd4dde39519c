from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .attachments import allowed_extensions, check_upload
from .emails import GROUPS, email_kind
from .models import MAX_BODY, MessageKind, NotificationKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files, each checked for size and type by content."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            f"Up to {settings.ATTACHMENT_MAX_FILES} files, "
            f"{settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB each: "
            f"{', '.join(allowed_extensions())}.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = (
            [single(d, initial) for d in data]
            if isinstance(data, list | tuple)
            else ([single(data, initial)] if data else [])
        )
        uploads = [u for u in uploads if u]
        if len(uploads) > settings.ATTACHMENT_MAX_FILES:
            raise ValidationError(f"Attach at most {settings.ATTACHMENT_MAX_FILES} files.")
        errors = []
        for upload in uploads:
            try:
                upload.checked_content_type = check_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return uploads


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a message before sending."},
    )
    kind = forms.ChoiceField(
        label="Send as",
        choices=[
            (MessageKind.MESSAGE, "Message"),
            (MessageKind.UPDATE, "Progress update (with drafts)"),
        ],
        initial=MessageKind.MESSAGE,
        required=False,
    )
    files = AttachmentsField(label="Attach files")

    def __init__(self, *args, is_seller=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_seller = is_seller
        if not is_seller:
            del self.fields["kind"]

    def clean_kind(self):
        return self.cleaned_data.get("kind") or MessageKind.MESSAGE


class EmailPreferencesForm(forms.Form):
    """One group of check boxes per section of ``EMAIL_KINDS``: ticked kinds
    come by e-mail. Field names are the sections' positions (``group_0``…)."""

    def __init__(self, *args, kinds_off=(), **kwargs):
        super().__init__(*args, **kwargs)
        for index, group in enumerate(GROUPS):
            kinds = [kind for kind in NotificationKind.values if email_kind(kind).group == group]
            if not kinds:
                continue
            self.fields[f"group_{index}"] = forms.MultipleChoiceField(
                label=group,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(kind, email_kind(kind).when) for kind in kinds],
                initial=[kind for kind in kinds if kind not in kinds_off],
                error_messages={
                    "invalid_choice": "“%(value)s” is not a kind of e-mail we send. "
                    "Tick the ones you want from the list.",
                    "invalid_list": "Tick the e-mails you want from the list.",
                },
            )

    def kinds_on(self) -> set[str]:
        return {kind for values in self.cleaned_data.values() for kind in values}
