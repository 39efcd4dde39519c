from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from jobs.models import Job
from jobs.selectors import jobs_needing_more_time
from marketplace.limits import rate_limited
from messaging.attachments import AttachmentUnavailable, attachment_response
from messaging.forms import MessageForm
from messaging.models import Attachment
from messaging.services import MessagingError

from . import (
    charts,
    inquiry_selectors,
    inquiry_services,
    metrics,
    review_selectors,
    review_services,
    selectors,
    services,
)
from .forms import (
    BuyerReviewForm,
    DeliverForm,
    QuestionForm,
    RequirementsForm,
    ReviewReplyForm,
    RevisionForm,
    SellerReviewForm,
)
from .models import State
from .pages import (
    done,
    invalid,
    order_form_action,
    precheck,
    refuse,
    render_order_page,
    stream_context,
)

PRIORITY_DESCRIPTIONS = {
    "seller": "Orders that need you now, most urgent first: each says why and by when.",
    "buyer": "Orders waiting for you, most urgent first: each says why and by when.",
}


def _order_list(request, role, template):
    counts = selectors.order_tab_counts(
        request.user, role, needing=selectors.OrderListQuery.may_land(request.GET)
    )
    query = selectors.OrderListQuery.from_request(request.GET, role, counts)
    page = selectors.orders_page(request.user, role, query, counts)
    tabs = [
        {
            "state": selectors.PRIORITY,
            "label": "Priority",
            "count": counts[selectors.PRIORITY],
            "shown": selectors.count_label(counts[selectors.PRIORITY]),
            "description": PRIORITY_DESCRIPTIONS[role],
        }
    ] + [
        {
            "state": tab.value,
            "label": tab.label,
            "count": counts[tab.value],
            "shown": counts[tab.value],
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
            {
                "key": r.key,
                "label": r.label,
                "short": r.short,
                "count": counts[r.key],
                "shown": selectors.count_label(counts[r.key]),
            }
            for r in selectors.reasons_for(role)
        ],
        "current_tab": next((t for t in tabs if t["state"] == query.tab), None),
        "no_orders": not any(counts[tab.value] for tab in selectors.TABS),
    }
    if role == "seller":
        # The questions before ordering wait beside the Priority tab, which
        # lists orders only.
        context["questions_waiting"] = counts[selectors.QUESTIONS]
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
    services.thread_mark_read(order=order, user=request.user)
    return render_order_page(request, order, unread_since=unread_since)


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
    context = stream_context(
        order, request.user, everything=request.GET.get("all") == "1", version=version
    )
    # The state the page's actions were drawn for: it travels with every poll,
    # so the notice stays until the viewer reloads, whatever arrives after.
    shown = request.GET.get("state")
    context["shown_state"] = shown if shown in State.values else order.state
    context["state_changed"] = context["shown_state"] != order.state
    response = render(request, "sales/_stream.html", context)
    services.thread_mark_read(order=order, user=request.user)
    return response


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


# -- reviews ------------------------------------------------------------------


@login_required
@require_POST
def review_leave(request, number):
    """The buyer or the seller reviews the completed order, once."""

    def form(order):
        form_class = BuyerReviewForm if order.buyer_id == request.user.pk else SellerReviewForm
        return "review_form", form_class(request.POST)

    return order_form_action(
        request,
        number,
        check=review_services.review_check_allowed,
        form=form,
        act=lambda order, form: review_services.review_leave(
            order=order, actor=request.user, **form.cleaned_data
        ),
        success="Thank you: your review is saved. Both reviews are shown once you have both "
        "written one, or when the time to review is over.",
    )


def _review_or_404(request, number, pk):
    """The order (its buyer's and seller's only) and one review of it that
    the viewer may read: a hidden review of the other side is a 404 too."""
    order = selectors.order_for_participant(request.user, number)
    review = review_selectors.review_for_participant(order, request.user, pk)
    if review is None:
        raise Http404("No such review.")
    return order, review


@login_required
def review_detail(request, number, pk):
    """One review on a page of its own, for its author, or for the other
    side once it is published."""
    order, review = _review_or_404(request, number, pk)
    return render(request, "sales/review_detail.html", {"order": order, "review": review})


@login_required
@require_POST
def review_reply(request, number, pk):
    """The seller's one public reply to the buyer's published review."""
    order, review = _review_or_404(request, number, pk)
    check = partial(review_services.review_reply_check_allowed, review=review)
    if refused := precheck(request, order, lambda order, actor: check(actor=actor)):
        return refused
    form = ReviewReplyForm(request.POST)
    if not form.is_valid():
        return invalid(request, order, reply_form=form)
    try:
        review_services.review_reply(
            review=review, actor=request.user, text=form.cleaned_data["text"]
        )
    except review_services.ReviewError as error:
        return refuse(request, order, error)
    messages.success(request, "Your reply is published under the review.")
    return redirect(f"{order.get_absolute_url()}#reviews")


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
    context = {"rule": rule}
    if key == "rating":
        # The rating is computed from reviews, not orders: it lists those.
        context["month"] = _month(request.GET.get("month"))
        items = metrics.rating_reviews(request.user, month=context["month"])
    else:
        items = metrics.metric_orders(request.user, key)
    context["page"] = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "sales/metric_detail.html", context)


def _month(value):
    """'2026-11' as the first day of that month; None for anything else."""
    try:
        return datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None


def _numbers_context(seller):
    weeks = metrics.weekly_earnings(seller)
    return {
        "figures": metrics.seller_figures(seller),
        "chart": charts.weekly_bars(weeks),
        "weeks": weeks,
        "slow_jobs": jobs_needing_more_time(seller),
        "window": settings.METRICS_WINDOW_DAYS,
        "rating_trend": metrics.rating_trend(seller),
    }


# -- the conversation ---------------------------------------------------------


@login_required
@require_POST
@rate_limited("message")
def message_send(request, number):
    order = selectors.order_for_participant(request.user, number)
    form = MessageForm(request.POST, request.FILES, is_seller=order.seller_id == request.user.pk)
    if not form.is_valid():
        return invalid(request, order, message_form=form)
    try:
        services.message_send(
            order=order,
            sender=request.user,
            body=form.cleaned_data["body"],
            kind=form.cleaned_data.get("kind") or "message",
            files=form.cleaned_data["files"],
        )
    except MessagingError as error:
        return refuse(request, order, error)
    messages.success(request, "Message sent.")
    return done(request, f"{order.get_absolute_url()}#conversation")


@login_required
def attachment_download(request, number, pk):
    """Serve a file only to the buyer and seller of its order."""
    order = selectors.order_for_participant(request.user, number)
    attachment = get_object_or_404(Attachment, pk=pk, message__order=order)
    try:
        return attachment_response(attachment)
    except AttachmentUnavailable:
        return refuse(request, order, AttachmentUnavailable.text)


# -- questions before ordering ------------------------------------------------


@login_required
@rate_limited("message")
def question_ask(request, job_pk):
    """A buyer writes to a Job's seller before ordering: the form on a page
    of its own (the Job page carries the same form), and its post. A buyer
    who asked before is taken to that conversation."""
    job = get_object_or_404(Job.objects.select_related("seller"), pk=job_pk)
    existing = inquiry_selectors.inquiry_of(job, request.user)
    if request.method != "POST" and existing is not None:
        return redirect(existing)  # a paused Job's too: the conversation stays theirs
    try:
        inquiry_services.inquiry_check_allowed(job=job, buyer=request.user)
    except inquiry_services.InquiryError as error:
        messages.error(request, str(error))
        return redirect(job)
    if request.method != "POST":
        return render(request, "sales/question_ask.html", {"job": job, "form": QuestionForm()})
    form = QuestionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Please correct the errors below.")
        if existing is not None:  # asked before: the errors show on that conversation
            return _question_page(request, existing, form=form, status=400)
        return render(request, "sales/question_ask.html", {"job": job, "form": form}, status=400)
    try:
        inquiry = inquiry_services.inquiry_ask(
            job=job,
            buyer=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
        )
    except MessagingError as error:
        messages.error(request, str(error))
        return redirect(job)
    messages.success(request, f"Message sent to {job.seller.display_name}.")
    return done(request, f"{inquiry.get_absolute_url()}#conversation")


def _question_page(request, inquiry, *, form=None, status=200, unread_since=None):
    context = {
        "inquiry": inquiry,
        "is_seller": inquiry.seller_id == request.user.pk,
        "other": inquiry.other_party(request.user),
        "conversation": inquiry_selectors.inquiry_messages(inquiry),
        "unread_since": unread_since,
        "form": form or QuestionForm(),
    }
    return render(request, "sales/question_detail.html", context, status=status)


@login_required
def question_detail(request, pk):
    """One conversation before ordering, for its buyer and its seller."""
    inquiry = inquiry_selectors.inquiry_for_participant(request.user, pk)
    unread_since = inquiry.read_at_for(request.user) or selectors.NEVER
    inquiry_services.inquiry_mark_read(inquiry=inquiry, user=request.user)
    return _question_page(request, inquiry, unread_since=unread_since)


@login_required
@require_POST
@rate_limited("message")
def question_reply(request, pk):
    inquiry = inquiry_selectors.inquiry_for_participant(request.user, pk)
    form = QuestionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Please correct the errors below.")
        return _question_page(request, inquiry, form=form, status=400)
    try:
        inquiry_services.inquiry_reply(
            inquiry=inquiry,
            sender=request.user,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["files"],
        )
    except MessagingError as error:
        messages.error(request, str(error))
        return redirect(inquiry)
    messages.success(request, "Message sent.")
    return done(request, f"{inquiry.get_absolute_url()}#conversation")


@login_required
def question_attachment(request, pk, file_pk):
    """Serve a file only to the buyer and the seller of its conversation."""
    inquiry = inquiry_selectors.inquiry_for_participant(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=file_pk, message__inquiry=inquiry)
    try:
        return attachment_response(attachment)
    except AttachmentUnavailable:
        messages.error(request, AttachmentUnavailable.text)
        return redirect(inquiry)


QUESTION_LISTS = {
    "seller": {
        "title": "Questions from buyers",
        "description": "Buyers who wrote to you before ordering, the latest first. "
        "Answer the waiting ones: a quick answer often turns into an order.",
    },
    "buyer": {
        "title": "My questions",
        "description": "What you asked sellers before ordering, the latest first.",
    },
}


def _question_list(request, role):
    page = Paginator(inquiry_selectors.inquiries_list(request.user, role), 30).get_page(
        request.GET.get("page")
    )
    context = {"role": role, "page": page, **QUESTION_LISTS[role]}
    return render(request, "sales/questions.html", context)


@login_required
def questions_received(request):
    """The seller's questions from buyers."""
    return _question_list(request, "seller")


@login_required
def questions_asked(request):
    """The buyer's own questions to sellers."""
    return _question_list(request, "buyer")
