from django.contrib import admin, messages
from django.shortcuts import redirect
from django_fsm.admin import FSMAdminMixin

from messaging.models import Message
from resolution.models import CancellationRequest, ExtensionRequest

from . import services
from .models import Order, OrderEvent


class OrderEventInline(admin.TabularInline):
    model = OrderEvent

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    fields = ("created_at", "kind", "from_state", "to_state", "actor", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "sender", "kind", "body", "files")
    readonly_fields = fields
    verbose_name_plural = "conversation"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("sender").prefetch_related("attachments")
        )

    @admin.display(description="files")
    def files(self, message):
        return ", ".join(f"{a.name} ({a.size} B)" for a in message.attachments.all()) or "-"


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")

    fields = ("created_at", "requested_by", "days", "reason", "state", "answered_at")
    readonly_fields = fields


class CancellationRequestInline(ReadOnlyInline):
    model = CancellationRequest

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")

    fields = ("created_at", "requested_by", "reason", "state", "answered_at")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(FSMAdminMixin, admin.ModelAdmin):
    """Support's view of an order. The state is read-only; the Cancel button
    asks for a reason and runs ``order_cancel`` like every other write."""

    fsm_fields = ["state"]
    list_display = ("number", "title", "buyer", "seller", "state", "price", "due_at", "created_at")
    list_filter = ("state", "canceled_by")
    search_fields = (
        "=number",
        "buyer__username",
        "buyer__email",
        "seller__username",
        "seller__email",
    )
    list_select_related = ("buyer", "seller")
    date_hierarchy = "created_at"
    readonly_fields = (
        "number",
        "job",
        "buyer",
        "seller",
        "title",
        "price",
        "delivery_days",
        "revisions_included",
        "revisions_used",
        "questions",
        "requirements",
        "created_at",
        "started_at",
        "due_at",
        "delivered_at",
        "completed_at",
        "canceled_at",
        "canceled_by",
        "cancel_reason",
        "seller_first_message_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "state", "title", "job", "buyer", "seller")}),
        ("Terms", {"fields": ("price", "delivery_days", "revisions_included", "revisions_used")}),
        ("Requirements", {"fields": ("questions", "requirements")}),
        (
            "Dates",
            {"fields": ("created_at", "started_at", "due_at", "delivered_at", "completed_at")},
        ),
        ("Cancellation", {"fields": ("canceled_at", "canceled_by", "cancel_reason")}),
        ("Conversation", {"fields": ("seller_first_message_at",)}),
    )
    inlines = [OrderEventInline, MessageInline, ExtensionRequestInline, CancellationRequestInline]

    def has_add_permission(self, request):
        return False  # orders are placed by buyers

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the history stays

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        # Remember the state support sees when the cancel form opens (?seen=),
        # so a delivery landing while they type the reason is not overridden.
        if request.method == "GET" and "seen" not in request.GET:
            obj = self.get_object(request, object_id)
            if obj is not None:
                return redirect(f"{request.path}?seen={obj.state}")
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


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "order", "kind", "from_state", "to_state", "actor")
    list_filter = ("kind",)
    search_fields = ("=order__number",)
    list_select_related = ("order", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
