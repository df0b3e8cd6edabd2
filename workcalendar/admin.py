from django.contrib import admin
from django.db.models import Count, Q

from .models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    fields = ("date", "kind", "name")
    ordering = ("date",)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "complete", "holiday_count", "workday_count", "source", "updated_at")
    list_filter = ("complete",)
    search_fields = ("year", "source")
    inlines = [CalendarDayInline]

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
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar_year")
    list_filter = ("kind", "calendar_year", "name")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]
