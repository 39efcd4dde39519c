"""Stars as the pages show them: filled and empty, with the number for
screen readers."""

from django import template
from django.utils.html import format_html

from sales.reviews import STARS_MAX

register = template.Library()


@register.simple_tag
def stars(value):
    """'★★★★☆' for 4, read out as "4 out of 5 stars"; a decimal average is
    rounded for the glyphs and read out as it is."""
    if value is None:
        return ""
    filled = max(0, min(STARS_MAX, round(value)))
    return format_html(
        '<span class="stars" role="img" aria-label="{} out of {} stars">{}{}</span>',
        value,
        STARS_MAX,
        "★" * filled,
        "☆" * (STARS_MAX - filled),
    )
