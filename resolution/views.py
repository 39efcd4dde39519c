from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from marketplace.limits import rate_limited
from sales import request_services
from sales.forms import CancellationRequestForm, ExtensionRequestForm, LateCancelForm
from sales.models import State
from sales.pages import order_form_action, refuse
from sales.requests import CancellationRequest, ExtensionRequest, RequestState
from sales.selectors import order_for_participant
from sales.services import (
    OrderActionError,
    order_cancel_very_late,
    order_cancel_very_late_check_allowed,
)

from . import tickets
from .forms import TicketForm, TicketReplyForm, VacationForm
from .models import SupportTicket, TicketStatus


def _request_for(order, model, pk):
    # The request must belong to this order, which the viewer is on: else 404.
    return get_object_or_404(model, pk=pk, order=order)


@login_required
@require_POST
@rate_limited("request")
def extension_create(request, number):
    return order_form_action(
        request,
        number,
        check=request_services.extension_request_check_allowed,
        form=lambda order: ("extension_form", ExtensionRequestForm(request.POST)),
        act=lambda order, form: request_services.extension_request_create(
            order=order,
            actor=request.user,
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
        ),
        success="Extension request sent: the buyer has been asked to approve it.",
    )


_EXTENSION_ANSWERS = {
    "approve": (request_services.extension_request_approve, "Approved: the due date moved."),
    "decline": (request_services.extension_request_decline, "Declined: the due date stays."),
    "withdraw": (request_services.extension_request_withdraw, "Extension request withdrawn."),
}
_CANCELLATION_ANSWERS = {
    "accept": (
        request_services.cancellation_request_accept,
        "The order was canceled by mutual agreement.",
    ),
    "decline": (request_services.cancellation_request_decline, "Declined: the order goes on."),
    "withdraw": (request_services.cancellation_request_withdraw, "Cancellation request withdrawn."),
}


@login_required
@require_POST
def extension_answer(request, number, pk, answer):
    return _answer(request, number, pk, ExtensionRequest, _EXTENSION_ANSWERS, answer)


@login_required
@require_POST
def cancellation_answer(request, number, pk, answer):
    return _answer(request, number, pk, CancellationRequest, _CANCELLATION_ANSWERS, answer)


def _answer(request, number, pk, model, actions, answer):
    order = order_for_participant(request.user, number)
    obj = _request_for(order, model, pk)
    if answer not in actions:
        raise Http404("No such answer.")
    service, done = actions[answer]
    try:
        service(request=obj, actor=request.user)
    except OrderActionError as error:
        return refuse(request, order, error)
    messages.success(request, done)
    return redirect(order)


@login_required
@require_POST
@rate_limited("request")
def cancellation_create(request, number):
    return order_form_action(
        request,
        number,
        check=request_services.cancellation_request_check_allowed,
        form=lambda order: ("cancellation_form", CancellationRequestForm(request.POST)),
        act=lambda order, form: request_services.cancellation_request_create(
            order=order, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success="Cancellation request sent: the other party has been asked.",
    )


@login_required
@require_POST
def late_cancel(request, number):
    return order_form_action(
        request,
        number,
        check=order_cancel_very_late_check_allowed,
        form=lambda order: ("late_cancel_form", LateCancelForm(request.POST)),
        act=lambda order, form: order_cancel_very_late(
            order=order, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success="The order was canceled.",
    )


@login_required
def resolution_center(request):
    """Requests waiting for the user's answer, their own open requests, and tickets."""
    user = request.user
    extensions = ExtensionRequest.objects.filter(state=RequestState.OPEN).select_related(
        "order", "requested_by"
    )
    cancellations = CancellationRequest.objects.filter(state=RequestState.OPEN).select_related(
        "order", "requested_by"
    )
    context = {
        "extensions_to_answer": extensions.filter(order__buyer=user),
        "extensions_sent": extensions.filter(order__seller=user),
        "cancellations_to_answer": (
            cancellations.filter(order__buyer=user) | cancellations.filter(order__seller=user)
        ).exclude(requested_by=user),
        "cancellations_sent": cancellations.filter(requested_by=user),
        "tickets": SupportTicket.objects.filter(user=user).select_related("order")[:10],
        "active_orders": user.sales.filter(state=State.ACTIVE).count(),
    }
    return render(request, "resolution/center.html", context)


@login_required
@rate_limited("request")
def vacation(request):
    """Ask every active order's buyer for the same extension at once."""
    form = VacationForm(request.POST or None)
    active = request.user.sales.filter(state=State.ACTIVE).count()
    if request.method == "POST" and form.is_valid():
        created, skipped = request_services.extension_request_vacation(
            seller=request.user, days=form.cleaned_data["days"], reason=form.cleaned_data["reason"]
        )
        if created:
            messages.success(
                request,
                f"Extension requests sent to {len(created)} order{'s' if len(created) != 1 else ''}.",
            )
        for order, why in skipped:
            messages.warning(request, f"#{order.number}: {why}")
        if not created and not skipped:
            messages.info(request, "You have no active orders, so nothing was sent.")
        return redirect("resolution:center")
    return render(request, "resolution/vacation.html", {"form": form, "active": active})


@login_required
def ticket_list(request):
    tickets = SupportTicket.objects.filter(user=request.user).select_related("order")
    return render(request, "resolution/ticket_list.html", {"tickets": tickets})


@login_required
@rate_limited("ticket")
def ticket_create(request):
    initial = {"order": request.GET.get("order", "")[:16]}
    form = TicketForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        ticket = tickets.ticket_create(
            user=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            order=form.cleaned_data["order"],
        )
        messages.success(
            request, "Your ticket was sent. Our support team will get back to you shortly."
        )
        return redirect("resolution:ticket_detail", pk=ticket.pk)
    return render(request, "resolution/ticket_form.html", {"form": form})


def _own_ticket(request, pk):
    # Another user's ticket is a 404, for staff too: support reads tickets
    # in the admin, the page is the user's.
    return get_object_or_404(
        SupportTicket.objects.select_related("order"), pk=pk, user=request.user
    )


def _ticket_page(request, ticket, form, status=200):
    context = {
        "ticket": ticket,
        "conversation": ticket.messages.select_related("author"),
        "form": form,
    }
    return render(request, "resolution/ticket_detail.html", context, status=status)


@login_required
def ticket_detail(request, pk):
    return _ticket_page(request, _own_ticket(request, pk), TicketReplyForm())


@login_required
@require_POST
@rate_limited("ticket")
def ticket_reply(request, pk):
    ticket = _own_ticket(request, pk)
    form = TicketReplyForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, ticket, form, status=400)
    reopened = ticket.status == TicketStatus.CLOSED
    try:
        message = tickets.ticket_reply(
            ticket=ticket, author=request.user, body=form.cleaned_data["body"]
        )
    except tickets.TicketError as error:
        messages.error(request, str(error))
        return redirect("resolution:ticket_detail", pk=ticket.pk)
    sent = (
        "Your reply was sent and the ticket is open again." if reopened else "Your reply was sent."
    )
    messages.success(request, f"{sent} Our support team will get back to you shortly.")
    url = reverse("resolution:ticket_detail", args=[ticket.pk])
    return redirect(f"{url}#ticket-message-{message.pk}")
