from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from jobs.models import Job

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
    return render(request, "sales/order_detail.html", _detail_context(request, order))


def _detail_context(request, order, **forms):
    is_buyer = order.buyer_id == request.user.pk
    is_seller = order.seller_id == request.user.pk
    context = {
        "order": order,
        "is_buyer": is_buyer,
        "is_seller": is_seller,
        "events": order.events.select_related("actor"),
        "deliveries": order.deliveries.all(),
        "progress": order.progress_percent(),
    }
    if is_buyer and order.state == State.PENDING:
        context["requirements_form"] = forms.get("requirements_form") or RequirementsForm(
            questions=order.questions
        )
    if is_seller and order.state == State.ACTIVE:
        context["deliver_form"] = forms.get("deliver_form") or DeliverForm()
    if is_buyer and order.state == State.DELIVERED:
        context["can_accept"] = True
        if order.revisions_left > 0:
            context["revision_form"] = forms.get("revision_form") or RevisionForm()
    return context


def _refuse(request, order, error):
    messages.error(request, str(error))
    return redirect(order)


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


@login_required
@require_POST
def order_submit_requirements(request, number):
    order = selectors.order_for_participant(request.user, number)
    try:
        services.order_check_allowed(
            order=order, actor=request.user, transition="submit_requirements"
        )
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    form = RequirementsForm(request.POST, questions=order.questions)
    if not form.is_valid():
        return _invalid(request, order, requirements_form=form)
    try:
        services.order_submit_requirements(order=order, actor=request.user, answers=form.answers())
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    messages.success(request, "Requirements submitted: the order has started.")
    return redirect(order)


@login_required
@require_POST
def order_deliver(request, number):
    order = selectors.order_for_participant(request.user, number)
    try:
        services.order_check_allowed(order=order, actor=request.user, transition="deliver")
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        return _invalid(request, order, deliver_form=form)
    try:
        services.order_deliver(
            order=order, actor=request.user, message=form.cleaned_data["message"]
        )
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    messages.success(request, "Delivered. The buyer has been asked to review it.")
    return redirect(order)


@login_required
@require_POST
def order_request_revision(request, number):
    order = selectors.order_for_participant(request.user, number)
    try:
        services.order_check_allowed(order=order, actor=request.user, transition="request_revision")
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        return _invalid(request, order, revision_form=form)
    try:
        services.order_request_revision(
            order=order, actor=request.user, message=form.cleaned_data["message"]
        )
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    messages.success(request, "Revision requested: the order is back in progress.")
    return redirect(order)


@login_required
@require_POST
def order_accept(request, number):
    order = selectors.order_for_participant(request.user, number)
    try:
        services.order_accept(order=order, actor=request.user)
    except services.OrderActionError as error:
        return _refuse(request, order, error)
    messages.success(request, "Delivery accepted: the order is completed.")
    return redirect(order)


def _invalid(request, order, **forms):
    """Re-show the order page with the form's errors, status 400."""
    messages.error(request, "Please correct the errors below.")
    context = _detail_context(request, order, **forms)
    return render(request, "sales/order_detail.html", context, status=400)
