"""The order page, drawn for one viewer, and the shape every order action's
view shares: refuse early, re-show a form with its errors, report success.
Views of this app and of the Resolution Center use them."""

from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render

from messaging.forms import MessageForm
from messaging.models import Attachment, MessageKind
from messaging.services import MessagingError

from . import actions, review_selectors, review_services, selectors, services
from .forms import (
    BuyerReviewForm,
    CancellationRequestForm,
    DeliverForm,
    ExtensionRequestForm,
    LateCancelForm,
    RequirementsForm,
    ReviewReplyForm,
    RevisionForm,
    SellerReviewForm,
)
from .models import STAFF_ONLY_EVENTS, EventKind, State, requirements_reminders_in_words


def render_order_page(request, order, *, status=200, unread_since=None, **forms):
    """The order page: a header with the next step, the conversation, and
    only the actions the services would allow this viewer now (``actions``).
    ``forms`` carries a bound form back with its errors."""
    user = request.user
    is_buyer, is_seller = order.buyer_id == user.pk, order.seller_id == user.pk
    context = stream_context(
        order, user, unread_since=unread_since, everything=request.GET.get("all") == "1"
    )
    extension_requests = list(order.extension_requests.select_related("requested_by"))
    cancellation_requests = list(order.cancellation_requests.select_related("requested_by"))
    open_extension = next((r for r in extension_requests if r.is_open), None)
    open_cancellation = next((r for r in cancellation_requests if r.is_open), None)
    waiting_for_me = [
        r for r in (open_cancellation, open_extension) if r and r.requested_by_id != user.pk
    ]
    allowed, blocked = actions.order_actions_and_blocks(order, user)
    reviews = _reviews_context(order, user, forms) if order.state == State.COMPLETED else {}
    forms_by_action = {
        "submit_requirements": (
            "requirements_form",
            lambda: RequirementsForm(questions=order.questions),
        ),
        "deliver": ("deliver_form", DeliverForm),
        "request_revision": ("revision_form", RevisionForm),
        "extension_request": ("extension_form", ExtensionRequestForm),
        "cancellation_request": ("cancellation_form", CancellationRequestForm),
        "late_cancel": ("late_cancel_form", LateCancelForm),
        "review": ("review_form", BuyerReviewForm if is_buyer else SellerReviewForm),
    }
    for action, (name, make) in forms_by_action.items():
        if action in allowed:
            context[name] = forms.get(name) or make()
    context |= {
        "is_buyer": is_buyer,
        "is_seller": is_seller,
        "other": order.other_party(user),
        "actions": allowed,
        "blocked": blocked,
        "next_step": actions.next_step(
            order, user, allowed, waiting_for_me, blocked, reviews=reviews.get("reviews")
        ),
        "can_accept": "accept" in allowed,
        "deliver_open": request.GET.get("deliver") == "1" or "deliver_form" in forms,
        "deliveries": list(
            order.messages.filter(kind=MessageKind.DELIVERY)
            .annotate(files=Count("attachments"))
            .order_by("created_at", "pk")
        ),
        "revision_note": _revision_note(order),
        "reminders": requirements_reminders_in_words(),
        "progress": order.progress_percent(),
        "extension_requests": extension_requests,
        "cancellation_requests": cancellation_requests,
        "open_extension": open_extension,
        "open_cancellation": open_cancellation,
        "waiting_for_me": waiting_for_me,
        "message_form": forms.get("message_form") or MessageForm(is_seller=is_seller),
    }
    context |= reviews
    return render(request, "sales/order_detail.html", context, status=status)


def _reviews_context(order, user, forms):
    """The order's reviews as this viewer may see them, and the seller's
    reply form while the buyer's published review has no reply."""
    reviews = review_selectors.order_reviews(order, user)
    context = {"reviews": reviews}
    if reviews.by_buyer is not None:
        try:
            review_services.review_reply_check_allowed(review=reviews.by_buyer, actor=user)
        except review_services.ReviewError:
            pass
        else:
            context["reply_form"] = forms.get("reply_form") or ReviewReplyForm()
    return context


def _revision_note(order):
    """The buyer's note on the revision the seller is working on now."""
    if order.state != State.ACTIVE or order.revisions_used == 0:
        return None
    return order.events.filter(kind=EventKind.REVISION_REQUESTED).order_by("-created_at").first()


STREAM_LIMIT = 50  # the newest items shown; "Show everything" shows the rest


def stream_context(order, user, unread_since=None, everything=False, version=None):
    """The conversation and timeline as one stream (the newest STREAM_LIMIT
    items unless ``everything``), and its version."""
    messages = (
        order.messages.select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )
    events = (
        order.events.exclude(kind__in=STAFF_ONLY_EVENTS)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    if not everything:
        messages, events = messages[: STREAM_LIMIT + 1], events[: STREAM_LIMIT + 1]
    stream = sorted(
        chain(events, messages), key=lambda item: (item.created_at, item.pk), reverse=True
    )
    earlier = not everything and len(stream) > STREAM_LIMIT
    stream = stream[:STREAM_LIMIT] if earlier else stream
    stream.reverse()
    return {
        "order": order,
        "stream": stream,
        "earlier": earlier,
        "everything": everything,
        "unread_since": unread_since or order.read_at_for(user),
        "version": version or selectors.order_version(order),
        "poll_seconds": settings.LIVE_POLL_SECONDS,
        "shown_state": order.state,
    }


def done(request, url):
    """Where to go after a successful post. A form sent by the upload-progress
    script gets 204 and the address, and goes there itself."""
    if request.headers.get("X-Upload-Progress"):
        return HttpResponse(status=204, headers={"X-Location": url})
    return redirect(url)


def refuse(request, order, error):
    messages.error(request, str(error))
    return redirect(order)


def invalid(request, order, **forms):
    """Re-show the order page with the form's errors, status 400."""
    messages.error(request, "Please correct the errors below.")
    return render_order_page(request, order, status=400, **forms)


def order_form_action(request, number, *, check, form, act, success):
    """The one shape of every order action that takes a form: load the order
    (404 for others), refuse early if the viewer may not act, validate the
    form (errors shown on the order page), run the service (its refusal shown
    as a message), then report success. ``form`` is (order) -> bound form,
    keyed by its name on the order page; ``act`` is (order, cleaned_data)."""
    order = selectors.order_for_participant(request.user, number)
    if refused := precheck(request, order, check):
        return refused
    name, bound = form(order)
    if not bound.is_valid():
        return invalid(request, order, **{name: bound})
    try:
        act(order, bound)
    except (services.OrderActionError, MessagingError) as error:
        return refuse(request, order, error)
    messages.success(request, success)
    return done(request, order.get_absolute_url())


def precheck(request, order, check):
    """Refuse early, before reading a form the viewer may not use at all; the
    service checks again under the row lock."""
    try:
        check(order=order, actor=request.user)
    except services.OrderActionError as error:
        return refuse(request, order, error)
    return None
