"""How the storefront draws a Job's cover and a seller's rating."""

from django import template
from django.utils.html import format_html

from jobs.models import Category

register = template.Library()


@register.simple_tag
def cover(category, size="card"):
    """A tinted block with the category's initials, where a Job's picture
    goes (decorative: the category is written beside it)."""
    try:
        label = Category(category).label
    except ValueError:
        category, label = Category.OTHER, Category.OTHER.label
    letters = "".join(word[0] for word in label.replace("&", " ").split() if word[0].isalpha())
    return format_html(
        '<div class="job-cover job-cover-{} job-cover-{}" aria-hidden="true">{}</div>',
        size,
        category,
        letters[:2].upper(),
    )


@register.inclusion_tag("storefront/_rating.html")
def rating(user, long=False):
    """The seller's average and how many reviews it comes from, or "New
    seller" before the first."""
    return {"avg": user.rating_avg, "count": user.rating_count, "long": long}
