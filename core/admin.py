from django.contrib import admin

from . import services
from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Back-office view of domain records: they change only through the console and its services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Back-office editing of settings rows, each save and delete through an audited service.

    `save_service(request, obj)` and `delete_service(request, obj)` are the writes; by default the
    generic `core.services.record_save` and `record_delete`. Inline rows go through the inline's own
    `save_service`/`delete_service` when it defines them, else through the generic ones.
    The admin wraps a whole change form in one transaction, so the rows and their audit rows commit together.
    """

    def save_service(self, request, obj) -> None:
        services.record_save(obj, actor=request.user)

    def delete_service(self, request, obj) -> None:
        services.record_delete(obj, actor=request.user)

    def save_model(self, request, obj, form, change):
        self.save_service(request, obj)

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request, obj)

    def save_formset(self, request, form, formset, change):
        inline = next((i for i in self.get_inline_instances(request) if i.model is formset.model), None)
        save = getattr(inline, "save_service", None) or (lambda req, obj: services.record_save(obj, actor=req.user))
        delete = getattr(inline, "delete_service", None) or (
            lambda req, obj: services.record_delete(obj, actor=req.user)
        )
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete(request, obj)
        for obj in instances:
            save(request, obj)
        formset.save_m2m()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "target_type", "target_label", "outcome", "ip_address")
    list_filter = ("action", "outcome", "target_type")
    search_fields = ("actor_label", "target_label", "reason")
    date_hierarchy = "created_at"
