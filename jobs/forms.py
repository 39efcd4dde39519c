from django import forms

from .models import Job


class JobForm(forms.ModelForm):
    class Meta:
        model = Job
        fields = ("title", "category", "description", "price", "delivery_days", "revisions", "questions")
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
