"""Public holidays and make-up working days (法定节假日与调休), kept in the database.

The State Council publishes each year's arrangement late in the year before, so an administrator
enters it here; a year is trusted only once it is marked complete.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    complete = models.BooleanField(
        "本年安排已录入", default=False,
        help_text="勾选后，该年的工作日按本表的节假日和调休计算；未勾选时按周一至周五估算，期限标注为“估算”。",
    )
    source = models.TextField("依据", blank=True, help_text="例如国务院办公厅关于该年部分节假日安排的通知")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度节假日安排"
        verbose_name_plural = "年度节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日"
        WORKDAY = "workday", "调休上班日"

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=30, help_text="例如 春节；调休上班日填所属节日")

    class Meta:
        verbose_name = "节假日或调休日"
        verbose_name_plural = "节假日与调休日"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        # The year row is what marks the data as complete, so a day must sit under its own year.
        try:
            calendar_year = self.calendar_year
        except CalendarYear.DoesNotExist:
            return
        if self.date and self.date.year != calendar_year.year:
            raise ValidationError({"date": f"日期不在 {calendar_year.year} 年内"})
