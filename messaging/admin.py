from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html_join

from marketplace.admin import ViewOnlyAdmin

from .models import EmailOptOut, Message, Notification


def attachment_links(message):
    """Each file of a message as a link staff may open: the order's admin
    serves it and records each opening on the order's timeline."""
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({})',
        (
            (
                reverse("admin:sales_order_attachment", args=[message.order_id, a.pk]),
                a.name,
                filesizeformat(a.size),
            )
            for a in message.attachments.all()
        ),
    )
    return links or "-"


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    """Messages, read-only. An order's page links here for its whole thread
    (``?order__id__exact=<id>``), page by page, oldest first. Orders'
    messages only: a question before ordering is its two parties' own."""

    list_display = ("created_at", "order", "sender", "kind", "body", "files")
    list_filter = ("kind",)
    search_fields = ("=order__number", "sender__username")
    list_select_related = ("order", "sender")
    readonly_fields = ("order", "sender", "kind", "body", "files", "created_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(order__isnull=False)
            .prefetch_related("attachments")
        )

    @admin.display(description="files")
    def files(self, message):
        return attachment_links(message)


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


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ViewOnlyAdmin):
    """Which kinds of e-mail a person turned off, for "I never get e-mails".
    Read-only: only the person chooses, on their E-mail notices page."""

    list_display = ("user", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "=user__email")
    list_select_related = ("user",)
