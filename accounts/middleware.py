from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone


class UserTimezoneMiddleware:
    """Show every date in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zoneinfo)
        else:
            timezone.deactivate()
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """A page part fetched by htmx (the live order stream, the numbers panel,
    a tab) after the session ended would get the log-in page swapped into
    the middle of the page. Ask htmx to load the log-in page instead, coming
    back afterwards to the page the user was on, not to the part."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request")
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            page = urlsplit(request.headers.get("HX-Current-URL", ""))
            back_to = urlunsplit(("", "", page.path, page.query, "")) or request.get_full_path()
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = redirect_to_login(back_to)["Location"]
            return redirect
        return response
