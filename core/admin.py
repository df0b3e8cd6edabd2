from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Back-office view of domain records: they change only through the console and its services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "target_type", "target_label", "outcome", "ip_address")
    list_filter = ("action", "outcome", "target_type")
    search_fields = ("actor_label", "target_label", "reason")
    date_hierarchy = "created_at"
