import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Max, Window
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .emails import email_kind, read_unsubscribe_token
from .forms import EmailPreferencesForm
from .models import EmailOptOut, Notification, NotificationKind

logger = logging.getLogger(__name__)


@login_required
def notification_list(request):
    """The user's notices grouped by order, the group with the newest notice
    first; notices about no order form a group of their own. A page holds
    30 notices, so a long group may go on over the next page."""
    notices = (
        Notification.objects.filter(recipient=request.user)
        .select_related("order")
        .annotate(group_newest=Window(Max("created_at"), partition_by=[F("order_id")]))
        .order_by("-group_newest", F("order_id").desc(nulls_last=True), "-created_at", "-pk")
    )
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "messaging/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk=None):
    """Mark one notice (and follow its link) or all of them as read."""
    if pk is not None:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.notifications_mark_read(user=request.user, pk=pk)
        return redirect(notification.url or "messaging:notifications")
    services.notifications_mark_read(user=request.user)
    messages.success(request, "All notifications marked as read.")
    return redirect("messaging:notifications")


@login_required
def email_preferences(request):
    """The signed-in person's choice of which notices also come by e-mail."""
    form = EmailPreferencesForm(
        # An empty POST is a real answer (every box unticked), so not `or None`.
        request.POST if request.method == "POST" else None,
        kinds_off=services.email_kinds_off(request.user),
    )
    if form.is_valid():
        services.email_preferences_save(user=request.user, kinds_on=form.kinds_on())
        messages.success(request, "Your e-mail choices were saved.")
        return redirect("messaging:email_preferences")
    return render(request, "messaging/email_preferences.html", {"form": form})


BAD_LINK = (
    "This link is not complete or not one of ours, so nothing was changed. Your mail "
    "program may have cut it: log in and choose your e-mails on the E-mail notices page."
)
OTHER_ACCOUNT = (
    "This link was sent to another account, not to the one you are logged in with, "
    "so nothing was changed. Your own choices are on the E-mail notices page."
)


# Without a CSRF token: mail programs post the one-click unsubscribe
# (RFC 8058) themselves, with no cookie. The signed token is the proof, and
# all it can do is turn one kind of e-mail off for the person it was sent to.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request, token):
    """Stop one kind of e-mail for the person a mailed link was made for,
    without a log-in. GET asks (link checkers open links); POST does it."""
    found = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if user is None or found[1] not in NotificationKind.values:
        return render(request, "messaging/email_unsubscribe.html", {"error": BAD_LINK}, status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        return render(
            request, "messaging/email_unsubscribe.html", {"error": OTHER_ACCOUNT}, status=404
        )
    kind = found[1]
    context = {"when": email_kind(kind).when, "token": token}
    if request.method == "POST":
        services.email_unsubscribe(user=user, kind=kind)
        return render(request, "messaging/email_unsubscribe.html", {**context, "done": True})
    context["already"] = EmailOptOut.objects.filter(user=user, kind=kind).exists()
    return render(request, "messaging/email_unsubscribe.html", context)
