"""Support's admin for orders: find any order among a million, read what
happened, open its files, cancel it with a reason. Nothing else on an order
can be changed here; every admin page of an order costs the same few queries
whatever the size of the table."""

from datetime import datetime
from functools import cached_property

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache
from django_fsm.admin import FSMAdminMixin

from accounts.templatetags.dates import when, when_text
from marketplace.admin import LeanChangeList, ViewOnlyAdmin
from messaging.admin import attachment_links
from messaging.attachments import AttachmentUnavailable, attachment_response
from messaging.models import Attachment, Message
from resolution.models import SupportTicket

from . import services
from .models import (
    NUMBER_ALPHABET,
    NUMBER_LENGTH,
    CancelBy,
    EventKind,
    Order,
    OrderEvent,
    State,
    clock_q,
)
from .requests import CancellationRequest, ExtensionRequest, RequestState
from .reviews import Review
from .selectors import NAME_FIELDS
from .templatetags.orders import _span

NEWEST_MESSAGES = 20  # shown on an order's page; the rest are a link away


# -- the list: counts, filters, search -------------------------------------------


def _estimated_rows(table):
    """PostgreSQL's own estimate of a table's rows (kept by ANALYZE and
    autovacuum), or None where there is none."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


class OrderListPaginator(Paginator):
    """Pages of the Order list without counting a million rows.

    The whole list says "about N" from PostgreSQL's estimate. A filtered or
    searched list reads at most ``cap`` + 1 of its matches, unordered, so
    the planner may stop at the cap by any index: a filter that keeps
    700,000 orders costs what one that keeps 1,001 does. When they are all
    there (``cap`` or fewer) they are put in the list's order here and the
    pages are read by primary key: a search (a trigram scan of a million
    titles) runs once, not once to count and again for the page. Past the
    cap the pages are read as usual, and stop at ``cap``: support narrows
    the list (a deep OFFSET would read every row before it).

    The read is never ordered by the database with a limit of ``cap``: a
    rare match would have it walk the newest-first index of a million
    orders to the end (seconds) looking for a thousand."""

    cap = 1000

    estimated = False
    capped = False
    matches = None  # every match's id, in the list's order, when they are few

    @cached_property
    def count(self):
        rows = self.object_list
        if not rows.query.has_filters():
            estimate = _estimated_rows(rows.model._meta.db_table)
            if estimate is not None and estimate > self.cap:
                self.estimated = True
                return estimate
        ordering = [term for term in rows.query.order_by if isinstance(term, str)]
        if len(ordering) != len(rows.query.order_by):
            ordering = []  # an expression: the database orders the pages
        keys = [term.lstrip("-") for term in ordering]
        found = list(rows.order_by().values_list("pk", *keys)[: self.cap + 1])
        self.capped = len(found) > self.cap
        if ordering and not self.capped:
            self.matches = _in_order(found, ordering)
        return len(found)

    @cached_property
    def num_pages(self):
        pages = super().num_pages
        if self.estimated or self.capped:
            return min(pages, max(1, self.cap // self.per_page))
        return pages

    def page(self, number):
        number = self.validate_number(number)  # counted: the matches are read
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.matches is not None:
            ids = self.matches[bottom:top]
        elif self.capped:
            # The page's ids first, then their rows: PostgreSQL would join
            # the buyer and the seller to every match before keeping fifty
            # (it expects a search to match a few dozen orders).
            ids = self.object_list.values("pk")[bottom:top]
        else:
            return super().page(number)
        return self._get_page(self.rows_of(ids), number, self)

    def rows_of(self, ids):
        """The list's rows with these ids, in the list's order, by primary key."""
        return self.object_list.filter(pk__in=ids)


def _in_order(rows, ordering):
    """The ids of ``rows`` (id, then a value for each term of ``ordering``)
    in that order, as PostgreSQL sorts: empty values last going up, first
    going down."""
    rows = list(rows)
    for index, term in reversed(list(enumerate(ordering, start=1))):
        rows.sort(key=lambda row: (row[index] is None, row[index]), reverse=term[0] == "-")
    return [row[0] for row in rows]


class ClockFilter(admin.SimpleListFilter):
    """Late, very late, due soon: ``clock_q``, the SQL form of the readings
    the pages (``Order.clock``) and the scans use."""

    title = "clock"
    parameter_name = "clock"
    readings = ("due_soon", "late", "very_late")

    def lookups(self, request, model_admin):
        return [
            ("due_soon", f"Due soon (within {settings.DUE_SOON_HOURS} h)"),
            ("late", "Late (past due)"),
            ("very_late", f"Very late ({settings.VERY_LATE_HOURS} h past due)"),
        ]

    def queryset(self, request, queryset):
        if self.value() in self.readings:
            # Every active order has started; saying so picks the index made
            # for these filters (order_active_due), not the scans' own.
            return queryset.filter(clock_q(self.value(), timezone.now()), started_at__isnull=False)
        return queryset


class OpenRequestFilter(admin.SimpleListFilter):
    """Orders with a request in the Resolution Center waiting for an answer,
    the one waiting longest first (unanswered, it expires or is carried out
    after REQUEST_ANSWER_HOURS). Each kind has a partial index of its open
    requests by age, so a page reads the oldest of them and their orders."""

    title = "request waiting"
    parameter_name = "open_request"
    relations = {"extension": "extension_requests", "cancellation": "cancellation_requests"}

    def lookups(self, request, model_admin):
        return [
            ("extension", "Extension request waiting"),
            ("cancellation", "Cancellation request waiting"),
        ]

    def queryset(self, request, queryset):
        relation = self.relations.get(self.value())
        if relation:
            # At most one open request of a kind per order: no duplicates.
            return queryset.filter(**{f"{relation}__state": RequestState.OPEN})
        return queryset


class CanceledByFilter(admin.SimpleListFilter):
    title = "canceled by"
    parameter_name = "canceled_by"

    def lookups(self, request, model_admin):
        return CancelBy.choices

    def queryset(self, request, queryset):
        if self.value() in CancelBy.values:
            # Only canceled orders say who canceled them: their own index.
            return queryset.filter(state=State.CANCELED, canceled_by=self.value())
        return queryset


class OrderChangeList(LeanChangeList):
    def get_results(self, request):
        super().get_results(request)
        # A list that fits one page (or "Show all") is the matches already read.
        matches = self.paginator.matches
        if matches is not None and (not self.multi_page or (self.show_all and self.can_show_all)):
            self.result_list = self.paginator.rows_of(matches)


def _order_number(term):
    """The order number in what was typed ('#abc123xyz9', 'ABC123XYZ9'), or None."""
    number = term.removeprefix("#").strip().upper()
    if len(number) == NUMBER_LENGTH and all(c in NUMBER_ALPHABET for c in number):
        return number
    return None


PEOPLE_LIMIT = 100  # people a name may match before support is asked for more of it


def _people(term):
    """Ids of the people ``term`` names, whether it named them whole, and
    whether it named too many.

    A username or e-mail address typed whole, in any case, names its person
    (an expression index each on PostgreSQL). Only when none does are the
    words of three letters or more looked for in people's usernames, first
    and last names, every word in one of them (the trigram indexes of
    accounts' migration 0002)."""
    people = get_user_model().objects
    exact = list(
        people.filter(Q(username__iexact=term) | Q(email__iexact=term)).values_list(
            "pk", flat=True
        )[:PEOPLE_LIMIT]
    )
    words = [word for word in term.split()[:3] if len(word) >= 3]
    if exact or not words:
        return exact, bool(exact), False
    names = Q()
    for word in words:
        names &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    found = list(people.filter(names).values_list("pk", flat=True)[: PEOPLE_LIMIT + 1])
    if len(found) > PEOPLE_LIMIT:
        return [], False, True
    return found, False, False


def order_search(term):
    """What support types, each kind of term by its own index: an order
    number (with or without '#', any case) by the unique index; a person
    (username or e-mail whole, or part of their names) finds the people
    first, then their orders as buyer or seller by id; three letters or more
    of the Job's title by the trigram index (PostgreSQL).

    Returns (Q or None when nothing can match, whether the term named too
    many people to follow by name)."""
    term = term.strip()
    if term.startswith("#"):
        number = _order_number(term)
        return (Q(number=number) if number else None), False
    found = []
    number = _order_number(term)
    if number:
        found.append(Q(number=number))
    people, whole, too_many = _people(term)
    if people:
        found += [Q(buyer_id__in=people), Q(seller_id__in=people)]
    # A username or e-mail address typed whole means that person; shorter
    # terms than three letters have no trigram to look up.
    if len(term) >= 3 and not whole:
        found.append(Q(title__icontains=term))
    if not found:
        return None, too_many
    q = found[0]
    for more in found[1:]:
        q |= more
    return q, too_many


# -- what an order's page shows --------------------------------------------------


def _who(event, order):
    actor = event.actor
    if actor is None:
        return "Marketplace"
    if actor.pk == order.buyer_id:
        return f"{actor.display_name} (buyer)"
    if actor.pk == order.seller_id:
        return f"{actor.display_name} (seller)"
    return f"{actor.display_name} (support)"


def _iso_when(value):
    try:
        return when_text(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return "?"


def event_sentence(event):
    """An event as support reads it: what happened, with its details."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.PLACED and "price" in data:
        days = data.get("delivery_days")
        return f"Order placed at ${data['price']}, {days} day{'s' if days != 1 else ''} to deliver"
    if kind in (EventKind.DELIVERED, EventKind.REVISION_REQUESTED) and data.get("message"):
        return f"{event.get_kind_display()}: {data['message']}"
    if kind == EventKind.CANCELED:
        by = data.get("by")
        who = f" ({CancelBy(by).label})" if by in CancelBy.values else ""
        return f"Canceled{who}: {data.get('reason', '')}".rstrip(": ")
    if kind == EventKind.DUE_CHANGED:
        why = {
            EventKind.REVISION_REQUESTED: " (revision requested)",
            "extension": " (extension approved)",
        }.get(data.get("reason"), "")
        return (
            f"Due date moved from {_iso_when(data.get('from'))} to {_iso_when(data.get('to'))}{why}"
        )
    if kind == EventKind.EXTENSION_REQUESTED:
        days = data.get("days")
        return (
            f"Extension of {days} day{'s' if days != 1 else ''} requested: {data.get('reason', '')}"
        )
    if kind == EventKind.EXTENSION_APPROVED and data.get("days"):
        days = data["days"]
        return f"Extension of {days} day{'s' if days != 1 else ''} approved"
    if kind == EventKind.CANCELLATION_REQUESTED:
        return f"Cancellation requested: {data.get('reason', '')}"
    if kind == EventKind.REQUEST_CLOSED and data.get("what"):
        return f"{data['what'].capitalize()} closed: the order moved on"
    if kind == EventKind.ATTACHMENT_OPENED:
        return f"Attachment “{data.get('name', '?')}” opened by support"
    return event.get_kind_display()


def _states(event):
    labels = [
        State(s).label if s in State.values else s for s in (event.from_state, event.to_state)
    ]
    if event.from_state and event.from_state != event.to_state:
        return " → ".join(labels)
    return labels[1] or "-"


def _rows_of(person, *fields):
    """The columns an inline's rows draw, with the person they name: the
    person's names, not every column of their account."""
    return (
        *fields,
        person,
        *(f"{person}__{name}" for name in NAME_FIELDS),
    )


class RowsFormSet(BaseInlineFormSet):
    """A read-only inline drawn by its template straight from the rows
    (``get_queryset``): no form is built per row, nothing can be posted."""

    def rows(self, queryset):
        return list(queryset)

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = self.rows(super().get_queryset())
        return self._queryset

    def initial_form_count(self):
        return 0

    @property
    def media(self):
        # No form, so no script: Django would build an empty form to ask.
        return forms.Media()


class TimelineFormSet(RowsFormSet):
    """The order's events, each with its sentence, who and state change."""

    def rows(self, queryset):
        events = list(queryset)
        for event in events:
            event.sentence, event.who, event.states = (
                event_sentence(event),
                _who(event, self.instance),
                _states(event),
            )
        return events


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderEventInline(ReadOnlyInline):
    """The timeline: what happened, in sentences ("Due date moved from … to …",
    "Canceled (Customer Support): …"), who did it and the state it left."""

    model = OrderEvent
    formset = TimelineFormSet
    template = "admin/sales/order/timeline_inline.html"
    fields = ("created_at", "kind", "actor", "from_state", "to_state", "data")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        fields = ("order", "created_at", "kind", "from_state", "to_state", "data")
        return (
            super().get_queryset(request).select_related("actor").only(*_rows_of("actor", *fields))
        )


class NewestMessagesFormSet(RowsFormSet):
    """The newest ``NEWEST_MESSAGES`` of the thread, oldest first: an order
    with 500 messages is a page to read, not 700 KB."""

    def rows(self, queryset):
        newest = list(queryset.order_by("-created_at", "-pk")[:NEWEST_MESSAGES])
        newest.reverse()
        for message in newest:
            message.row = self.row(message)
        return newest

    def row(self, message):
        """A message's row, drawn here rather than by the template, whose
        dozen lookups a row cost more than the row itself."""
        order = self.instance
        party = {order.buyer_id: " (buyer)", order.seller_id: " (seller)"}
        return format_html(
            '<tr class="form-row"><td>{}</td><td>{}{}</td><td>{}</td>'
            '<td class="pre-line">{}</td><td>{}</td></tr>',
            when(message.created_at),
            message.sender.display_name,
            party.get(message.sender_id, ""),
            message.get_kind_display(),
            message.body,
            attachment_links(message),
        )


class MessageInline(ReadOnlyInline):
    """The newest messages, each file a link to the staff download view."""

    model = Message
    formset = NewestMessagesFormSet
    template = "admin/sales/order/messages_inline.html"
    fields = ("created_at", "sender", "kind", "body")
    readonly_fields = fields
    verbose_name_plural = f"conversation (the newest {NEWEST_MESSAGES} messages)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sender")
            .only(*_rows_of("sender", "order", "kind", "body", "created_at"))
            .prefetch_related("attachments")
        )


class RequestInline(ReadOnlyInline):
    formset = RowsFormSet
    template = "admin/sales/order/requests_inline.html"
    fields = ("created_at", "requested_by", "reason", "state", "answered_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")


class ExtensionRequestInline(RequestInline):
    model = ExtensionRequest


class CancellationRequestInline(RequestInline):
    model = CancellationRequest


def _when_field(name, label, ordering=None):
    """A date of the order in the site's one format, in the viewer's time
    zone (and cheaper to draw, fifty rows at a time, than the admin's)."""

    @admin.display(description=label, ordering=ordering)
    def show(self, order):
        value = getattr(order, name)
        return when_text(value) if value else "-"

    return show


@admin.register(Order)
class OrderAdmin(FSMAdminMixin, admin.ModelAdmin):
    """Support's view of an order. Nothing on it can be saved: the state is
    read-only and the Cancel button asks for a reason and runs
    ``order_cancel`` like every other write."""

    fsm_fields = ["state"]
    change_form_template = "admin/sales/order/change_form.html"
    fsm_transition_form_template = "admin/sales/order/transition_form.html"

    list_display = (
        "number",
        "title",
        "buyer",
        "seller",
        "state",
        "clock",
        "price",
        "due_on",
        "placed_on",
    )
    list_filter = ("state", ClockFilter, OpenRequestFilter, CanceledByFilter)
    list_select_related = ("buyer", "seller")
    list_only = (
        *("number", "title", "state", "price", "due_at", "created_at"),
        *("buyer__username", "seller__username"),
    )
    actions = None  # nothing is done to many orders at once
    # The search is get_search_results; search_fields only turns the box on.
    search_fields = ("number",)
    search_help_text = (
        "An order number (with or without #); a buyer's or seller's username, "
        "e-mail address or name; or part of the Job's title."
    )
    paginator = OrderListPaginator
    list_per_page = 50  # each row costs the admin about a millisecond to draw
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Newest first by its own index; other sort orders would sort the table.
    sortable_by = ("placed_on",)
    readonly_fields = (
        "number",
        "clock_and_countdown",
        "needs",
        "job",
        "buyer",
        "seller",
        "title",
        "price",
        "delivery_days",
        "revisions_included",
        "revisions_used",
        "requirements_answers",
        "placed_on",
        "started_on",
        "due_on",
        "delivered_on",
        "completed_on",
        "canceled_on",
        "canceled_by",
        "cancel_reason",
        "seller_at_fault",
        "seller_first_message_on",
        "conversation",
        "tickets",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "state",
                    "clock_and_countdown",
                    "needs",
                    "title",
                    "job",
                    "buyer",
                    "seller",
                )
            },
        ),
        ("Terms", {"fields": ("price", "delivery_days", "revisions_included", "revisions_used")}),
        ("Requirements", {"fields": ("requirements_answers",)}),
        (
            "Dates",
            {"fields": ("placed_on", "started_on", "due_on", "delivered_on", "completed_on")},
        ),
        (
            "Cancellation",
            {"fields": ("canceled_on", "canceled_by", "cancel_reason", "seller_at_fault")},
        ),
        ("Conversation", {"fields": ("seller_first_message_on", "conversation", "tickets")}),
    )
    inlines = [OrderEventInline, MessageInline, ExtensionRequestInline, CancellationRequestInline]

    placed_on = _when_field("created_at", "placed", ordering="created_at")
    started_on = _when_field("started_at", "started")
    due_on = _when_field("due_at", "due")
    delivered_on = _when_field("delivered_at", "delivered")
    completed_on = _when_field("completed_at", "completed")
    canceled_on = _when_field("canceled_at", "canceled")
    seller_first_message_on = _when_field("seller_first_message_at", "seller's first message")

    # -- the list --------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return OrderChangeList

    def get_ordering(self, request):
        # A clock filter lists by due date, the most overdue or the soonest
        # first, from the index of active orders by due date.
        if request.GET.get(ClockFilter.parameter_name) in ClockFilter.readings:
            return ("due_at", "pk")
        relation = OpenRequestFilter.relations.get(
            request.GET.get(OpenRequestFilter.parameter_name)
        )
        if relation:
            return (f"{relation}__created_at", "pk")
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        q, too_many = order_search(search_term)
        if too_many:
            self.message_user(
                request,
                f"More than {PEOPLE_LIMIT} people have “{search_term.strip()}” in their "
                "names, so their orders are not listed. Type more of the name, or the "
                "whole username or e-mail address.",
                messages.WARNING,
            )
        return (queryset.filter(q) if q is not None else queryset.none()), False

    @admin.display(description="clock")
    def clock(self, order):
        now = timezone.now()
        reading = order.clock(now)
        if reading == "late":
            return "Very late" if order.reads("very_late", now) else "Late"
        return "Due soon" if reading == "due_soon" else ""

    # -- an order's page -------------------------------------------------------

    @admin.display(description="clock")
    def clock_and_countdown(self, order):
        now = timezone.now()
        if order.state == State.PENDING:
            return "Not started: waiting for the buyer's requirements."
        if order.state == State.DELIVERED and order.review_ends_at:
            return f"Delivered; completes by itself on {when_text(order.review_ends_at)}."
        if order.state != State.ACTIVE or order.due_at is None:
            return "-"
        used = order.progress_percent(now)
        reading = order.clock(now)
        if reading == "late":
            very = (
                " Very late: the buyer may cancel alone." if order.reads("very_late", now) else ""
            )
            return f"Late by {_span(now - order.due_at)}.{very} ({used}% of the delivery time used)"
        soon = " Due soon." if reading == "due_soon" else ""
        return f"{_span(order.due_at - now)} left.{soon} ({used}% of the delivery time used)"

    @admin.display(description="needs attention")
    def needs(self, order):
        flags = []
        if order.awaits_first_message:
            flags.append("The seller has not written to the buyer yet.")
        for request in ExtensionRequest.objects.filter(order=order, state=RequestState.OPEN):
            flags.append(
                f"Extension request for {request.days} more day{'s' if request.days != 1 else ''}"
                f", waiting for the buyer since {when_text(request.created_at)}."
            )
        for request in CancellationRequest.objects.filter(
            order=order, state=RequestState.OPEN
        ).select_related("requested_by"):
            flags.append(
                f"Cancellation request by {request.requested_by.display_name}, waiting for an "
                f"answer since {when_text(request.created_at)}."
            )
        if not flags:
            return "-"
        return format_html_join("", "<div>{}</div>", ((f,) for f in flags))

    @admin.display(description="requirements")
    def requirements_answers(self, order):
        answers = order.requirements or []
        if answers:
            pairs = [(a.get("question", ""), a.get("answer", "")) for a in answers]
        else:
            pairs = [(q, "(not answered yet)") for q in order.questions or []]
        if not pairs:
            return "-"
        return format_html_join(
            "", '<p><strong>{}</strong><br><span class="pre-line">{}</span></p>', pairs
        )

    @admin.display(description="messages")
    def conversation(self, order):
        total = order.messages.count()
        if total <= NEWEST_MESSAGES:
            return f"{total} message{'s' if total != 1 else ''}, all shown below."
        url = reverse("admin:messaging_message_changelist") + f"?order__id__exact={order.pk}"
        return format_html(
            '{} messages; the newest {} are shown below. <a href="{}">Read them all</a>',
            total,
            NEWEST_MESSAGES,
            url,
        )

    @admin.display(description="support tickets")
    def tickets(self, order):
        tickets = SupportTicket.objects.filter(order=order).order_by("-created_at", "-pk")
        return (
            format_html_join(
                "",
                '<div><a href="{}">{}</a> ({}, {})</div>',
                (
                    (
                        reverse("admin:resolution_supportticket_change", args=[t.pk]),
                        str(t),
                        t.get_status_display(),
                        when_text(t.created_at),
                    )
                    for t in tickets
                ),
            )
            or "-"
        )

    def get_object(self, request, object_id, from_field=None):
        # The page shows the Job and both parties: one query, not four.
        queryset = self.get_queryset(request).select_related("job", "buyer", "seller")
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Order.DoesNotExist, ValidationError, ValueError):
            return None

    def has_add_permission(self, request):
        return False  # orders are placed by buyers

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the history stays

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return self._change_post(request, object_id)
        # Nothing on the page can be saved: no Save, Save and continue,
        # Save and add another or Delete.
        extra_context = (extra_context or {}) | {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        # Past FSMAdminMixin.change_view: its transition buttons post this
        # form; ours are links, listed by render_change_form.
        return admin.ModelAdmin.change_view(self, request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["order_transitions"] = [
            transition
            for block in self._get_fsm_extra_context(request=request, obj=obj)
            for transition in block.available_transitions
        ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _change_post(self, request, object_id):
        """The page has no form to save. Its Cancel button is a link; a POST
        naming a transition (older pages) is sent to that transition's form,
        anything else changes nothing."""
        order = self._order_or_404(request, object_id)
        name = request.POST.get(self.fsm_post_param)
        if name:
            transition = self._admin_transition(name)
            refusal = self._refusal(request, order, transition)
            if refusal:
                return refusal
            return redirect(self._transition_url(order, name))
        self.message_user(
            request,
            "Nothing on an order's page can be changed. To cancel it, use Cancel order.",
            messages.WARNING,
        )
        return redirect(reverse("admin:sales_order_change", args=[order.pk]))

    # -- transitions: only the admin's own (cancel), permissions first --------

    def _order_or_404(self, request, object_id):
        if not self.has_view_or_change_permission(request):
            raise Http404
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404
        return order

    def _admin_transition(self, name):
        """The transition offered in the admin under this name, else 404:
        'save', 'delete', 'clean' or a made-up name are not transitions."""
        for transition in self.model._meta.get_field("state").get_all_transitions(self.model):
            if transition.name == name and self.is_fsm_transition_visible(transition):
                return transition
        raise Http404

    def _get_fsm_transition_func(self, *, obj, transition_name):
        self._admin_transition(transition_name)
        return super()._get_fsm_transition_func(obj=obj, transition_name=transition_name)

    def _transition_url(self, order, name):
        return reverse("admin:sales_order_transition", args=[order.pk, name])

    def _refusal(self, request, order, transition):
        """A redirect back to the order saying why, or None when this user may run it."""
        if transition.has_perm(order, request.user):
            return None
        self.message_user(
            request,
            f"You can't {services.TRANSITION_VERBS.get(transition.name, transition.name)} orders: "
            "that needs the permission to change orders.",
            messages.ERROR,
        )
        return redirect(reverse("admin:sales_order_change", args=[order.pk]))

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        order = self._order_or_404(request, object_id)
        transition = self._admin_transition(transition_name)
        refusal = self._refusal(request, order, transition)
        if refusal:
            return refusal
        if request.method == "GET":
            available = {t.name for t in order.get_available_state_transitions()}
            if transition.name not in available:
                self.message_user(
                    request,
                    f"This order is {order.get_state_display().lower()}: it can't be "
                    f"{'canceled' if transition.name == 'cancel' else 'changed'} any more.",
                    messages.ERROR,
                )
                return redirect(reverse("admin:sales_order_change", args=[order.pk]))
            # Remember the state support sees when the form opens (?seen=), so
            # a delivery landing while they type the reason is not overridden.
            if "seen" not in request.GET:
                return redirect(f"{request.path}?seen={order.state}")
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        # Route the admin's buttons through the service, so support's cancel
        # locks the row and writes its event like every other change.
        if transition_name != "cancel":
            self.message_user(request, "Only cancellation is available here.", messages.ERROR)
            return False
        try:
            services.order_cancel(
                order=obj,
                actor=request.user,
                reason=(kwargs or {}).get("reason"),
                expected_state=request.GET.get("seen") or obj.state,
            )
        except services.OrderActionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        self.message_user(request, f"Order #{obj.number} was canceled.", messages.SUCCESS)
        return True

    # -- attachments support may open, each opening on the timeline ----------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/files/<int:attachment_id>/",
                never_cache(self.attachment_view),
                name="sales_order_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, object_id, attachment_id):
        """A file of this order, for staff who may view orders; every opening
        is an event (who, when, which file) on the order's admin timeline.
        Anyone else gets a 404."""
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff):
            raise Http404
        order = self._order_or_404(request, object_id)
        attachment = get_object_or_404(Attachment, pk=attachment_id, message__order=order)
        try:
            response = attachment_response(attachment)
        except AttachmentUnavailable:
            self.message_user(request, AttachmentUnavailable.text, messages.ERROR)
            return redirect(reverse("admin:sales_order_change", args=[order.pk]))
        with transaction.atomic():
            services.event_record(
                order,
                kind=EventKind.ATTACHMENT_OPENED,
                actor=user,
                data={
                    "attachment": attachment.pk,
                    "name": attachment.name,
                    "message": attachment.message_id,
                },
            )
        return response


@admin.register(OrderEvent)
class OrderEventAdmin(ViewOnlyAdmin):
    list_display = ("created_at", "order", "kind", "from_state", "to_state", "actor")
    list_filter = ("kind",)
    search_fields = ("=order__number",)
    list_select_related = ("order", "actor")


@admin.register(Review)
class ReviewAdmin(ViewOnlyAdmin):
    """Support reads reviews; nobody edits what a buyer or seller wrote."""

    list_display = ("created_at", "order", "role", "author", "stars", "published_at", "replied_at")
    list_filter = ("role", "stars")
    search_fields = ("=order__number", "author__username", "subject__username")
    list_select_related = ("order", "author")
    date_hierarchy = "created_at"
