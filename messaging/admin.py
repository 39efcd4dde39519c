from django.contrib import admin

from .models import Message, Notification


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "order", "sender", "kind")
    list_filter = ("kind",)
    search_fields = ("=order__number", "sender__username")
    list_select_related = ("order", "sender")
    readonly_fields = ("order", "sender", "kind", "body", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "text", "read_at", "emailed_at")
    list_filter = ("kind", ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "=order__number")
    list_select_related = ("recipient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
