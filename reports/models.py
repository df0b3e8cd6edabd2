"""Daily rollups of the key figures (see reports/rollups.py and docs/kpis.md, "Rollups").

A row holds, for one day and one community (cases filed on a street or the county itself have a
row of their own region), the numerators and denominators of the key figures whose events fell on
that day, either for all work in the place (`organisation_id` 0) or for one organisation's work
there. Rows are written only by reports/services.py: in full by `rollup_rebuild`, and cell by cell in
the transaction of every case service call, so a row never disagrees with the records it sums.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

# `prev_day` of a row whose 立案/结案 counters are the case's first in any period (no earlier one).
NO_PREVIOUS_DAY = dt.date(1970, 1, 1)


class DailyRollup(models.Model):
    day = models.DateField("日期")
    region_code = models.CharField("区域编码", max_length=32)
    # 0: all work on cases in the place; otherwise one organisation's.
    organisation_id = models.PositiveIntegerField("单位", default=0)
    # For 立案 and 结案 counted once per case and period: the day of the case's previous event of the
    # same kind (NO_PREVIOUS_DAY when there was none); a period counts the row only if that day is
    # before the period. Every other counter sits in rows with NO_PREVIOUS_DAY.
    prev_day = models.DateField("上一次同类事件日期", default=NO_PREVIOUS_DAY)

    response_total = models.PositiveIntegerField(default=0)
    response_met = models.PositiveIntegerField(default=0)
    finish_replied = models.PositiveIntegerField(default=0)
    finish_met = models.PositiveIntegerField(default=0)
    lead_replies = models.PositiveIntegerField(default=0)
    handling_us = models.BigIntegerField("主办答复用时合计（微秒）", default=0)
    registered = models.PositiveIntegerField(default=0)
    registered_closed = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_reworked = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    rated_cases = models.PositiveIntegerField(default=0)
    resolved_cases = models.PositiveIntegerField(default=0)
    difficulties_solved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "每日汇总"
        verbose_name_plural = "每日汇总"
        constraints = [
            models.UniqueConstraint(fields=["day", "region_code", "organisation_id", "prev_day"],
                                    name="dailyrollup_unique_cell"),
        ]
        indexes = [
            models.Index(fields=["organisation_id", "day", "region_code"], name="dailyrollup_org_day"),
            models.Index(fields=["region_code", "day"], name="dailyrollup_region_day"),
            # 帮助群众解决困难 sums every day up to the one asked for: read from the index alone.
            models.Index(fields=["region_code", "day"], include=["difficulties_solved"],
                         condition=models.Q(organisation_id=0, difficulties_solved__gt=0),
                         name="dailyrollup_difficulties"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_code} #{self.organisation_id}"


class RollupState(models.Model):
    """One row from the start of the first full build; once it is `ready`, the figures read the rollups.

    While the first build runs (`ready` false), the case services already keep the cells it has
    counted, so the build needs no lock on case writes from start to end.
    """

    built_at = models.DateTimeField("全量生成时间")
    rows = models.PositiveIntegerField("行数", default=0)
    ready = models.BooleanField("已生成", default=True)

    class Meta:
        verbose_name = "汇总状态"
        verbose_name_plural = "汇总状态"

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M} ({self.rows})"
