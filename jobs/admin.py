from django.contrib import admin
from django.utils.html import format_html

from .models import Job, JobImage


class JobImageInline(admin.TabularInline):
    """The Job's images as buyers see them. Read-only: the seller's own edit
    page adds, moves and removes them, with the checks and the file clean-up."""

    model = JobImage
    extra = 0
    fields = ("position", "preview", "alt", "created_at")
    readonly_fields = fields
    can_delete = False

    @admin.display(description="image")
    def preview(self, image):
        return format_html(
            '<a href="{}"><img src="{}" alt="{}" width="120" height="80"></a>',
            image.url,
            image.cover_url,
            image.alt_text,
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may read the Job sees its images: they are part of it.
        return request.user.has_perm("jobs.view_job")


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
    inlines = [JobImageInline]

    def has_change_permission(self, request, obj=None):
        # Support reads Jobs. A change here (its seller, its price) would
        # reach the seller with no notice and no event: a superuser only.
        return request.user.is_active and request.user.is_superuser
