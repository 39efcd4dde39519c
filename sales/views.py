from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from jobs.models import Job
from jobs.selectors import jobs_needing_more_time
from messaging.forms import MessageForm
from messaging.models import Attachment, MessageKind
from messaging.services import thread_mark_read
from resolution.forms import CancellationRequestForm, ExtensionRequestForm, LateCancelForm
from resolution.models import RequestState

from . import selectors, services
from .forms import DeliverForm, RequirementsForm, RevisionForm
from .models import State


def _order_list(request, role, template):
    query = selectors.OrderListQuery.from_request(request.GET)
    counts = selectors.order_tab_counts(request.user, role)
    page = selectors.orders_page(request.user, role, query, counts)
    context = {
        "role": role,
        "query": query,
        "counts": counts,
        "page": page,
        "tabs": [
            {
                "state": tab,
                "label": tab.label,
                "count": counts[tab.value],
                "description": selectors.TAB_DESCRIPTIONS[role][tab],
            }
            for tab in selectors.TABS
        ],
    }
    context["current_tab"] = next(t for t in context["tabs"] if t["state"] == query.tab)
    if request.headers.get("HX-Request"):
        template = "sales/_order_panel.html"
    elif role == "seller":
        context["slow_jobs"] = jobs_needing_more_time(request.user)
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
    response = render_order_page(request, order)
    thread_mark_read(order=order, user=request.user)
    return response


def render_order_page(request, order, *, status=200, **forms):
    """The order page, with only the actions the viewer's role and the state
    allow. ``forms`` carries a bound form back with its errors."""
    user = request.user
    is_buyer, is_seller = order.buyer_id == user.pk, order.seller_id == user.pk
    thread = list(
        order.messages.select_related("sender").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        )
    )
    events = list(order.events.select_related("actor"))
    extension_requests = list(order.extension_requests.select_related("requested_by"))
    cancellation_requests = list(order.cancellation_requests.select_related("requested_by"))
    open_extension = next((r for r in extension_requests if r.state == RequestState.OPEN), None)
    open_cancellation = next(
        (r for r in cancellation_requests if r.state == RequestState.OPEN), None
    )
    read_at = order.seller_read_at if is_seller else order.buyer_read_at
    context = {
        "order": order,
        "is_buyer": is_buyer,
        "is_seller": is_seller,
        "stream": sorted(chain(events, thread), key=lambda item: (item.created_at, item.pk)),
        "deliveries": [m for m in thread if m.kind == MessageKind.DELIVERY],
        "unread_since": read_at,
        "progress": order.progress_percent(),
        "extension_requests": extension_requests,
        "cancellation_requests": cancellation_requests,
        "open_extension": open_extension,
        "open_cancellation": open_cancellation,
        "message_form": forms.get("message_form") or MessageForm(is_seller=is_seller),
    }
    open_states = (State.PENDING, State.ACTIVE, State.DELIVERED)
    if is_buyer and order.state == State.PENDING:
        context["requirements_form"] = forms.get("requirements_form") or RequirementsForm(
            questions=order.questions
        )
    if is_seller and order.state == State.ACTIVE:
        context["deliver_form"] = forms.get("deliver_form") or DeliverForm()
        if open_extension is None:
            context["extension_form"] = forms.get("extension_form") or ExtensionRequestForm()
    if is_buyer and order.state == State.DELIVERED:
        context["can_accept"] = True
        if order.revisions_left > 0:
            context["revision_form"] = forms.get("revision_form") or RevisionForm()
    if order.state in open_states and open_cancellation is None:
        context["cancellation_form"] = forms.get("cancellation_form") or CancellationRequestForm()
    if is_buyer and order.is_very_late:
        context["late_cancel_form"] = forms.get("late_cancel_form") or LateCancelForm()
    return render(request, "sales/order_detail.html", context, status=status)


def refuse(request, order, error):
    messages.error(request, str(error))
    return redirect(order)


def invalid(request, order, **forms):
    """Re-show the order page with the form's errors, status 400."""
    messages.error(request, "Please correct the errors below.")
    return render_order_page(request, order, status=400, **forms)


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


def _precheck(request, order, transition):
    try:
        services.order_check_allowed(order=order, actor=request.user, transition=transition)
    except services.OrderActionError as error:
        return refuse(request, order, error)
    return None


@login_required
@require_POST
def order_submit_requirements(request, number):
    order = selectors.order_for_participant(request.user, number)
    if refused := _precheck(request, order, "submit_requirements"):
        return refused
    form = RequirementsForm(request.POST, questions=order.questions)
    if not form.is_valid():
        return invalid(request, order, requirements_form=form)
    try:
        services.order_submit_requirements(order=order, actor=request.user, answers=form.answers())
    except services.OrderActionError as error:
        return refuse(request, order, error)
    messages.success(request, "Requirements submitted: the order has started.")
    return redirect(order)


@login_required
@require_POST
def order_deliver(request, number):
    order = selectors.order_for_participant(request.user, number)
    if refused := _precheck(request, order, "deliver"):
        return refused
    form = DeliverForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid(request, order, deliver_form=form)
    try:
        services.order_deliver(
            order=order,
            actor=request.user,
            message=form.cleaned_data["message"],
            files=form.cleaned_data["files"],
        )
    except services.OrderActionError as error:
        return refuse(request, order, error)
    messages.success(request, "Delivered. The buyer has been asked to review it.")
    return redirect(order)


@login_required
@require_POST
def order_request_revision(request, number):
    order = selectors.order_for_participant(request.user, number)
    if refused := _precheck(request, order, "request_revision"):
        return refused
    form = RevisionForm(request.POST)
    if not form.is_valid():
        return invalid(request, order, revision_form=form)
    try:
        services.order_request_revision(
            order=order, actor=request.user, message=form.cleaned_data["message"]
        )
    except services.OrderActionError as error:
        return refuse(request, order, error)
    messages.success(request, "Revision requested: the order is back in progress.")
    return redirect(order)


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
