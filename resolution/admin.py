from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.http import HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html_join

from accounts.templatetags.dates import when_text
from marketplace.admin import ViewOnlyAdmin
from sales.requests import CancellationRequest, ExtensionRequest

from . import tickets
from .models import TICKET_BODY_MAX, SupportTicket, TicketStatus


class RequestAdmin(ViewOnlyAdmin):
    list_filter = ("state",)
    search_fields = ("=order__number", "requested_by__username")
    list_select_related = ("order", "requested_by")
    date_hierarchy = "created_at"


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RequestAdmin):
    list_display = ("created_at", "order", "requested_by", "days", "state", "answered_at")


@admin.register(CancellationRequest)
class CancellationRequestAdmin(RequestAdmin):
    list_display = ("created_at", "order", "requested_by", "state", "answered_at")


class TicketStatusFilter(admin.SimpleListFilter):
    """Support's queue: the list opens on the tickets waiting for staff."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*TicketStatus.choices, (self.ALL, "All")]

    def value(self):
        return super().value() or TicketStatus.OPEN

    def queryset(self, request, queryset):
        if self.value() in TicketStatus.values:
            return queryset.filter(status=self.value())
        return queryset

    def choices(self, changelist):
        # No "All" that drops the parameter (that is the queue): "All" is a value.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


def _queue_ordering(status):
    if (status or TicketStatus.OPEN) == TicketStatus.OPEN:
        return ("last_message_at", "pk")  # the longest waiting first
    return ("-last_message_at", "-pk")


class TicketChangeList(ChangeList):
    """The column headers show the ordering from ``_get_default_ordering``:
    make it the one the list really has, which depends on the status."""

    def __init__(self, request, *args, **kwargs):
        self.ticket_status = request.GET.get(TicketStatusFilter.parameter_name)
        super().__init__(request, *args, **kwargs)

    def _get_default_ordering(self):
        return _queue_ordering(self.ticket_status)


class TicketReplyForm(forms.ModelForm):
    """Nothing of the ticket itself changes here: saving sends the reply."""

    reply = forms.CharField(
        label="Your reply",
        max_length=TICKET_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        error_messages={"required": "Write your reply."},
        help_text="The user is notified, and the ticket then waits for their answer.",
    )

    class Meta:
        model = SupportTicket
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.status == TicketStatus.CLOSED:
            del self.fields["reply"]

    def clean(self):
        if self.instance.status == TicketStatus.CLOSED:
            raise forms.ValidationError("This ticket is closed; it can't be answered any more.")
        return super().clean()


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    """Staff read a ticket's conversation and reply, as often as needed;
    each reply goes through ``ticket_reply``. The list opens on the tickets
    waiting for staff, the longest waiting first."""

    form = TicketReplyForm
    change_form_template = "resolution/ticket_admin_change_form.html"
    list_display = ("subject", "user", "order", "status", "last_message", "opened")
    list_filter = (TicketStatusFilter,)
    search_fields = ("subject", "user__username", "user__email", "=order__number")
    list_select_related = ("user", "order")
    readonly_fields = (
        "who",
        "order",
        "subject",
        "status",
        "opened",
        "last_message",
        "closed",
        "conversation",
    )
    actions = ["close_tickets"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_ordering(self, request):
        return _queue_ordering(request.GET.get(TicketStatusFilter.parameter_name))

    def get_changelist(self, request, **kwargs):
        return TicketChangeList

    def _can_reply(self, request, ticket):
        return (
            ticket is not None
            and ticket.status != TicketStatus.CLOSED
            and self.has_change_permission(request, ticket)
        )

    def get_fieldsets(self, request, obj=None):
        fields = ("subject", "who", "order", "status", "opened", "last_message", "closed")
        fieldsets = [(None, {"fields": (*fields, "conversation")})]
        if self._can_reply(request, obj):
            fieldsets.append(("Reply", {"fields": ("reply",)}))
        elif obj is not None and obj.status == TicketStatus.CLOSED:
            fieldsets.append(
                (
                    "Reply",
                    {
                        "fields": (),
                        "description": "This ticket is closed. If the user replies, it "
                        "opens again and comes back to the tickets waiting for staff.",
                    },
                )
            )
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_reply = self._can_reply(request, obj)
        context["can_reply"] = can_reply
        if not can_reply:
            context.update(show_save=False, show_save_and_continue=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="from")
    def who(self, ticket):
        user = ticket.user
        return f"{user.display_name} ({user.username}, {user.email or 'no e-mail'})"

    @admin.display(description="opened", ordering="created_at")
    def opened(self, ticket):
        return when_text(ticket.created_at)

    @admin.display(description="last message", ordering="last_message_at")
    def last_message(self, ticket):
        return when_text(ticket.last_message_at)

    @admin.display(description="closed")
    def closed(self, ticket):
        return when_text(ticket.closed_at) if ticket.closed_at else "-"

    @admin.display(description="conversation")
    def conversation(self, ticket):
        return format_html_join(
            "",
            '<div class="ticket-message" id="ticket-message-{}" data-from="{}">'
            "<p><strong>{}</strong> ({}) · {}</p><p>{}</p></div><hr>",
            (
                (
                    m.pk,
                    "staff" if m.from_staff else "user",
                    m.author.display_name,
                    "Customer Support" if m.from_staff else "the user",
                    when_text(m.created_at),
                    linebreaksbr(m.body),
                )
                for m in ticket.messages.select_related("author")
            ),
        )

    def save_model(self, request, obj, form, change):
        try:
            tickets.ticket_reply(ticket=obj, author=request.user, body=form.cleaned_data["reply"])
        except tickets.TicketError as error:
            # Closed by someone else since the page was opened: the form
            # checked a ticket that was not locked yet.
            request._ticket_reply_refused = str(error)

    def construct_change_message(self, request, form, formsets, add=False):
        return "Replied."

    def log_change(self, request, obj, message):
        if getattr(request, "_ticket_reply_refused", None):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refused = getattr(request, "_ticket_reply_refused", None)
        if refused:
            self.message_user(request, refused, messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(
            request,
            f"Your reply was sent to {obj.user.display_name}; the ticket waits for their answer.",
            messages.SUCCESS,
        )
        if "_continue" in request.POST:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

    @admin.action(description="Close the selected tickets", permissions=["change"])
    def close_tickets(self, request, queryset):
        for ticket in queryset.exclude(status=TicketStatus.CLOSED):
            tickets.ticket_close(ticket=ticket, staff=request.user)
        self.message_user(request, "Tickets closed.")
