from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q

from core.admin import AuditedAdmin

from . import services
from .models import CalendarDay, CalendarYear


def _save_day(request, day: CalendarDay) -> None:
    services.calendar_day_save(actor=request.user, day=day)


def _delete_day(request, day: CalendarDay) -> None:
    services.calendar_day_delete(actor=request.user, day=day)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ("date", "kind", "name")
    ordering = ("date",)

    def save_service(self, request, day: CalendarDay) -> None:
        _save_day(request, day)

    def delete_service(self, request, day: CalendarDay) -> None:
        _delete_day(request, day)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ("year", "complete", "holiday_count", "workday_count", "source", "updated_at")
    list_filter = ("complete",)
    search_fields = ("year", "source")
    inlines = [CalendarDayInline]

    def save_service(self, request, obj: CalendarYear) -> None:
        services.calendar_year_save(actor=request.user, calendar_year=obj)

    def delete_service(self, request, obj: CalendarYear) -> None:
        raise PermissionDenied("年度日历不能删除")

    def has_delete_permission(self, request, obj=None):
        # Days point at their year, and past deadlines were counted on it: correct a year, never drop it.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _holidays=Count("days", filter=Q(days__kind=CalendarDay.Kind.HOLIDAY)),
            _workdays=Count("days", filter=Q(days__kind=CalendarDay.Kind.WORKDAY)),
        )

    @admin.display(description="节假日天数", ordering="_holidays")
    def holiday_count(self, obj: CalendarYear) -> int:
        return obj._holidays

    @admin.display(description="调休上班天数", ordering="_workdays")
    def workday_count(self, obj: CalendarYear) -> int:
        return obj._workdays


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    def save_service(self, request, obj: CalendarDay) -> None:
        _save_day(request, obj)

    def delete_service(self, request, obj: CalendarDay) -> None:
        _delete_day(request, obj)

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]
