from functools import partial
from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from jobs.models import Job
from jobs.selectors import jobs_needing_more_time
from messaging.forms import MessageForm
from messaging.models import Attachment, MessageKind
from messaging.services import MessagingError, thread_mark_read
from resolution.forms import CancellationRequestForm, ExtensionRequestForm, LateCancelForm

from . import actions, charts, metrics, selectors, services
from .forms import DeliverForm, RequirementsForm, RevisionForm
from .models import STAFF_ONLY_EVENTS, EventKind, State, requirements_reminders_in_words

PRIORITY_DESCRIPTIONS = {
    "seller": "Orders that need you now, most urgent first: each says why and by when.",
    "buyer": "Orders waiting for you, most urgent first: each says why and by when.",
}


def _order_list(request, role, template):
    counts = selectors.order_tab_counts(request.user, role)
    query = selectors.OrderListQuery.from_request(request.GET, role, counts)
    page = selectors.orders_page(request.user, role, query, counts)
    tabs = [
        {
            "state": selectors.PRIORITY,
            "label": "Priority",
            "count": counts[selectors.PRIORITY],
            "description": PRIORITY_DESCRIPTIONS[role],
        }
    ] + [
        {
            "state": tab.value,
            "label": tab.label,
            "count": counts[tab.value],
            "description": selectors.TAB_DESCRIPTIONS[role][tab],
        }
        for tab in selectors.TABS
    ]
    context = {
        "role": role,
        "query": query,
        "counts": counts,
        "page": page,
        "tabs": tabs,
        "reasons": [
            {"key": r.key, "label": r.label, "short": r.short, "count": counts[r.key]}
            for r in selectors.reasons_for(role)
        ],
        "current_tab": next((t for t in tabs if t["state"] == query.tab), None),
        "no_orders": not any(counts[tab.value] for tab in selectors.TABS),
    }
    if role == "seller" and context["no_orders"]:
        context["has_jobs"] = Job.objects.filter(seller=request.user).exists()
    if request.headers.get("HX-Request"):
        template = "sales/_order_panel.html"
    return render(request, template, context)


@login_required
@vary_on_headers("HX-Request")
def sales(request):
    """The seller's home: every order they sell, under status tabs."""
    return _order_list(request, "seller", "sales/sales.html")


@login_required
@vary_on_headers("HX-Request")
def my_orders(request):
    """The buyer's orders, under the same tabs."""
    return _order_list(request, "buyer", "sales/my_orders.html")


@login_required
def order_detail(request, number):
    order = selectors.order_for_participant(request.user, number)
    # Mark the thread read before rendering, so the menu's badge is current;
    # keep the previous mark to highlight what is new on this visit.
    # Never opened: everything from the other side is new (not "read just now").
    unread_since = order.read_at_for(request.user) or selectors.NEVER
    thread_mark_read(order=order, user=request.user)
    return render_order_page(request, order, unread_since=unread_since)


def render_order_page(request, order, *, status=200, unread_since=None, **forms):
    """The order page: a header with the next step, the conversation, and
    only the actions the services would allow this viewer now (``actions``).
    ``forms`` carries a bound form back with its errors."""
    user = request.user
    is_buyer, is_seller = order.buyer_id == user.pk, order.seller_id == user.pk
    context = _stream_context(
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
        "next_step": actions.next_step(order, user, allowed, waiting_for_me, blocked),
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
    return render(request, "sales/order_detail.html", context, status=status)


def _revision_note(order):
    """The buyer's note on the revision the seller is working on now."""
    if order.state != State.ACTIVE or order.revisions_used == 0:
        return None
    return order.events.filter(kind=EventKind.REVISION_REQUESTED).order_by("-created_at").first()


STREAM_LIMIT = 50  # the newest items shown; "Show everything" shows the rest


def _stream_context(order, user, unread_since=None, everything=False, version=None):
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


@login_required
def order_live(request, number):
    """Polled by an open order page: 204 when nothing changed; else the new
    stream, with a notice when the state changed (the actions offered are
    then out of date, so the viewer is asked to reload rather than lose a
    half-written message)."""
    order = selectors.order_for_participant(request.user, number)
    version = selectors.order_version(order)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    context = _stream_context(
        order, request.user, everything=request.GET.get("all") == "1", version=version
    )
    # The state the page's actions were drawn for: it travels with every poll,
    # so the notice stays until the viewer reloads, whatever arrives after.
    shown = request.GET.get("state")
    context["shown_state"] = shown if shown in State.values else order.state
    context["state_changed"] = context["shown_state"] != order.state
    response = render(request, "sales/_stream.html", context)
    thread_mark_read(order=order, user=request.user)
    return response


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


@login_required
@require_POST
def order_place(request, job_pk):
    job = get_object_or_404(Job, pk=job_pk)
    try:
        order = services.order_place(job=job, buyer=request.user)
    except services.OrderActionError as error:
        messages.error(request, str(error))
        return redirect(job)
    messages.success(
        request, f"Order #{order.number} is placed. Submit the requirements to start it."
    )
    return redirect(order)


def precheck(request, order, check):
    """Refuse early, before reading a form the viewer may not use at all; the
    service checks again under the row lock."""
    try:
        check(order=order, actor=request.user)
    except services.OrderActionError as error:
        return refuse(request, order, error)
    return None


def _may(transition):
    return partial(services.order_check_allowed, transition=transition)


@login_required
@require_POST
def order_submit_requirements(request, number):
    return order_form_action(
        request,
        number,
        check=_may("submit_requirements"),
        form=lambda order: (
            "requirements_form",
            RequirementsForm(request.POST, questions=order.questions),
        ),
        act=lambda order, form: services.order_submit_requirements(
            order=order, actor=request.user, answers=form.answers()
        ),
        success="Requirements submitted: the order has started.",
    )


@login_required
@require_POST
def order_deliver(request, number):
    return order_form_action(
        request,
        number,
        check=_may("deliver"),
        form=lambda order: ("deliver_form", DeliverForm(request.POST, request.FILES)),
        act=lambda order, form: services.order_deliver(
            order=order,
            actor=request.user,
            message=form.cleaned_data["message"],
            files=form.cleaned_data["files"],
        ),
        success="Delivered. The buyer has been asked to review it.",
    )


@login_required
@require_POST
def order_request_revision(request, number):
    return order_form_action(
        request,
        number,
        check=_may("request_revision"),
        form=lambda order: ("revision_form", RevisionForm(request.POST)),
        act=lambda order, form: services.order_request_revision(
            order=order, actor=request.user, message=form.cleaned_data["message"]
        ),
        success="Revision requested: the order is back in progress.",
    )


@login_required
@require_POST
def order_accept(request, number):
    order = selectors.order_for_participant(request.user, number)
    try:
        services.order_accept(order=order, actor=request.user)
    except services.OrderActionError as error:
        return refuse(request, order, error)
    messages.success(request, "Delivery accepted: the order is completed.")
    return redirect(order)


@login_required
def numbers(request):
    """The seller's figures, the weekly chart and the delivery-time insight,
    on a page of their own (the Sales page is the list), with what each
    figure means."""
    context = _numbers_context(request.user)
    context["rules"] = metrics.RULES.values()
    return render(request, "sales/numbers.html", context)


@login_required
def metric_detail(request, key):
    """The orders a figure was computed from, each with its verdict."""
    if key not in metrics.RULES:
        raise Http404("No such figure.")
    rule = metrics.RULES[key]
    page = Paginator(metrics.metric_orders(request.user, key), 50).get_page(request.GET.get("page"))
    return render(request, "sales/metric_detail.html", {"rule": rule, "page": page})


def _numbers_context(seller):
    weeks = metrics.weekly_earnings(seller)
    return {
        "figures": metrics.seller_figures(seller),
        "chart": charts.weekly_bars(weeks),
        "weeks": weeks,
        "slow_jobs": jobs_needing_more_time(seller),
        "window": settings.METRICS_WINDOW_DAYS,
    }
