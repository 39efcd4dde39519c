"""People as the pages show them: an initials avatar beside the display name."""

import zlib

from django import template
from django.utils.html import format_html

from accounts.models import display_name, initials

register = template.Library()

# Avatar colours: classes avatar-c0 to avatar-c6 in app.css (white text on
# each at a contrast of at least 4.5:1). A person keeps one colour, picked
# from the username.
AVATAR_COLOURS = 7


def _avatar(first_name, last_name, username, size):
    return format_html(
        '<span class="avatar avatar-{} avatar-c{}" aria-hidden="true">{}</span>',
        size,
        zlib.crc32(username.encode()) % AVATAR_COLOURS,
        initials(first_name, last_name, username),
    )


@register.simple_tag
def avatar(user, size="sm"):
    """The initials avatar alone (decorative: the name is always beside it)."""
    return _avatar(user.first_name, user.last_name, user.username, size)


@register.simple_tag
def person(user, size="sm"):
    """Avatar and display name of a user."""
    return format_html(
        '<span class="person">{}<span class="person-name">{}</span></span>',
        _avatar(user.first_name, user.last_name, user.username, size),
        user.display_name,
    )


@register.simple_tag
def person_from(first_name, last_name, username, size="sm"):
    """The same from three columns a list query read (no user row built)."""
    return format_html(
        '<span class="person">{}<span class="person-name">{}</span></span>',
        _avatar(first_name or "", last_name or "", username, size),
        display_name(first_name or "", last_name or "", username),
    )
