from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "seller",
        "price",
        "delivery_days",
        "revisions",
        "is_paused",
        "created_at",
    )
    list_filter = ("is_paused",)
    search_fields = ("title", "seller__username")
    list_select_related = ("seller",)
    raw_id_fields = ("seller",)

    def has_change_permission(self, request, obj=None):
        # Support reads Jobs. A change here (its seller, its price) would
        # reach the seller with no notice and no event: a superuser only.
        return request.user.is_active and request.user.is_superuser
