"""For the "Contact the seller" partial, which other apps' pages include
with only the Job and the viewer in hand."""

from django import template

from sales.forms import QuestionForm
from sales.inquiry_selectors import inquiry_of

register = template.Library()


@register.simple_tag
def question_of(job, user):
    """The viewer's conversation about this Job, or None (one query)."""
    return inquiry_of(job, user)


@register.simple_tag
def question_form():
    return QuestionForm()
