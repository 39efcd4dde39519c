from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "timezone", "is_staff", "date_joined")
    fieldsets = BaseUserAdmin.fieldsets + (("Marketplace", {"fields": ("timezone",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Marketplace", {"fields": ("email", "timezone")}),
    )
