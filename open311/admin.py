"""Back office for Open311: the attributes each service asks (saved through the services, audited),
the keys issued (read-only: keys are issued and revoked with `manage.py open311_key`), and what
clients sent."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.admin import ReadOnlyAdmin

from . import services
from .models import ApiKey, Open311Request, ServiceAttribute


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "description", "datatype", "required", "order", "archived_at")
    list_filter = ("datatype", "required")
    search_fields = ("code", "description", "category__name", "category__code")
    raw_id_fields = ("category",)
    fields = (
        "category", "code", "description", "variable", "datatype", "required", "datatype_description", "order",
        "options",
    )
    actions = ["archive_selected"]

    def save_model(self, request, obj, form, change):
        services.service_attribute_save(actor=request.user, attribute=obj)

    def has_delete_permission(self, request, obj=None):
        # Answers already given refer to an attribute; stop asking it by archiving instead.
        return False

    @admin.action(description="停用所选属性")
    def archive_selected(self, request, queryset):
        for attribute in queryset:
            try:
                services.service_attribute_archive(actor=request.user, attribute=attribute)
            except ValidationError as exc:
                self.message_user(request, f"{attribute}：{'；'.join(exc.messages)}", messages.ERROR)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    exclude = ("key_hash",)


@admin.register(Open311Request)
class Open311RequestAdmin(ReadOnlyAdmin):
    list_display = ("case", "api_key", "jurisdiction_id", "token", "created_at")
    list_filter = ("api_key",)
    search_fields = ("token", "case__tracking_code")
    exclude = ("email",)
