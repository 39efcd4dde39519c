"""Dates as every page shows them: one format, in the viewer's time zone."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def when_text(value):
    """'3 Dec 2026, 14:05' in the active (the viewer's) time zone. Day and
    month names are English, as everywhere here: nothing sets a locale."""
    local = timezone.localtime(value)
    return f"{local.day} {local:%b %Y, %H:%M}"


@register.filter
def when(value):
    """A date and time as <time>: the one format, the full date with its
    zone as the title, ISO 8601 for machines. Empty for None."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}",
        when_text(local),
    )


@register.filter
def day(value):
    """A date alone, in the same format: '3 Dec 2026'."""
    if value is None:
        return ""
    local = timezone.localtime(value) if hasattr(value, "tzinfo") and value.tzinfo else value
    return f"{local.day} {local:%b %Y}"
