from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Facility, Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "region", "capacity", "opening_hours")
    list_filter = ("kind",)
    search_fields = ("name",)
