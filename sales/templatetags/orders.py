from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

BADGES = {
    "pending": "text-bg-secondary",
    "active": "text-bg-primary",
    "delivered": "text-bg-info",
    "completed": "text-bg-success",
    "canceled": "text-bg-dark",
}


def _span(delta):
    """'2d 4h', '3h 20m' or '12m' for a positive timedelta."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


@register.simple_tag
def state_badge(order):
    return format_html(
        '<span class="badge {}">{}</span>',
        BADGES.get(order.state, "text-bg-light"),
        order.get_state_display(),
    )


@register.simple_tag
def countdown(order, now=None):
    """The due date as a countdown: '2d 4h left' or 'Late by 3h 20m'."""
    if order.due_at is None:
        return ""
    if order.state != "active":
        return ""
    now = now or timezone.now()
    clock = order.clock(now)
    if clock == "late":
        return format_html(
            '<span class="countdown-late">Late by {}</span>', _span(now - order.due_at)
        )
    css = "countdown-soon" if clock == "due_soon" else ""
    return format_html('<span class="{}">{} left</span>', css, _span(order.due_at - now))


@register.filter
def iso_datetime(value):
    """An ISO 8601 string from an event's data, as an aware datetime."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def timesince_short(delta):
    """A timedelta as '2 h 5 min'."""
    from sales.metrics import duration

    return duration(delta) if delta is not None else ""


@register.simple_tag
def countdown_bar(order, now=None):
    """A <progress> of the delivery window used, for active orders."""
    percent = order.progress_percent(now)
    if percent is None:
        return ""
    clock = order.clock(now)
    return format_html(
        '<progress class="countdown countdown-{}" value="{}" max="100" '
        'aria-label="{}% of the delivery time used">{}%</progress>',
        clock or "ok",
        percent,
        percent,
        percent,
    )
