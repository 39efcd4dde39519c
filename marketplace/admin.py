"""Admin pieces the apps share."""

from django.contrib import admin


class ViewOnlyAdmin(admin.ModelAdmin):
    """A record support reads and nobody edits from the admin: history (events,
    messages, requests) and people's own choices. Staff with the view
    permission see it; no one adds, changes or deletes it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
