from django import forms

from marketplace.forms import PageForm

from .images import ACCEPT, check_image, limit_text
from .models import ALT_MAX, Job


class JobForm(forms.ModelForm):
    class Meta:
        model = Job
        fields = (
            "title",
            "category",
            "description",
            "price",
            "delivery_days",
            "revisions",
            "questions",
        )
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "questions": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 10:
            raise forms.ValidationError("Give your Job a title of at least 10 characters.")
        return title

    def clean_questions(self):
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > 10:
            raise forms.ValidationError("Ask at most 10 questions.")
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError("Keep each question under 200 characters.")
        return "\n".join(lines)


class JobImageForm(PageForm):
    """One image for a Job's gallery, checked by its content."""

    id_prefix = "image"

    image = forms.FileField(
        label="Image",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": "Choose an image to upload."},
    )
    alt = forms.CharField(
        label="Describe the image",
        max_length=ALT_MAX,
        required=False,
        help_text="For people who can't see it, e.g. “Three logo sketches on a desk”. "
        "Left empty, the Job's title is used.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "image"
        ].help_text = f"PNG, JPEG or WebP, up to {limit_text()}. The first image is the cover."

    def clean_image(self):
        upload = self.cleaned_data["image"]
        upload.checked_format = check_image(upload)
        return upload
