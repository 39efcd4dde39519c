from django import forms
from django.contrib import admin, messages

from . import services
from .models import CancellationRequest, ExtensionRequest, SupportTicket, TicketStatus


class RequestAdmin(admin.ModelAdmin):
    list_filter = ("state",)
    search_fields = ("=order__number", "requested_by__username")
    list_select_related = ("order", "requested_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RequestAdmin):
    list_display = ("created_at", "order", "requested_by", "days", "state", "answered_at")


@admin.register(CancellationRequest)
class CancellationRequestAdmin(RequestAdmin):
    list_display = ("created_at", "order", "requested_by", "state", "answered_at")


class TicketAnswerForm(forms.ModelForm):
    class Meta:
        model = SupportTicket
        fields = ("answer",)
        widgets = {"answer": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def clean(self):
        cleaned = super().clean()
        if self.instance.status == TicketStatus.CLOSED and "answer" in self.changed_data:
            raise forms.ValidationError("This ticket is closed; it can't be answered any more.")
        return cleaned


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    """Staff read a ticket and write the answer; saving sends it to the user."""

    form = TicketAnswerForm
    list_display = ("subject", "user", "order", "status", "created_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("subject", "user__username", "user__email", "=order__number")
    list_select_related = ("user", "order")
    readonly_fields = (
        "user",
        "order",
        "subject",
        "body",
        "status",
        "answered_by",
        "answered_at",
        "created_at",
        "closed_at",
    )
    fields = (
        "user",
        "order",
        "subject",
        "body",
        "status",
        "created_at",
        "answer",
        "answered_by",
        "answered_at",
        "closed_at",
    )
    actions = ["close_tickets"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if "answer" not in form.changed_data:
            return
        try:
            services.ticket_answer(ticket=obj, staff=request.user, answer=obj.answer)
        except services.RequestError as error:
            messages.error(request, str(error))

    @admin.action(description="Close the selected tickets")
    def close_tickets(self, request, queryset):
        for ticket in queryset.exclude(status=TicketStatus.CLOSED):
            services.ticket_close(ticket=ticket, staff=request.user)
        self.message_user(request, "Tickets closed.")
