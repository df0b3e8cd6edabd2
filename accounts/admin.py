from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "region", "organisation", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("共治", {"fields": ("role", "region", "organisation", "person", "must_change_password")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("共治", {"fields": ("role", "region", "organisation", "must_change_password")}),
    )
    autocomplete_fields = ()
    raw_id_fields = ("region", "organisation", "person")
