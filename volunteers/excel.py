"""The unit's quarterly record of its members as an .xlsx, through the one writer (core.xlsx)."""

from __future__ import annotations

from django.utils import timezone

from core.xlsx import append_row, exporter_label, new_workbook, workbook_bytes, write_head

from .selectors import UnitQuarter

HEADERS = ("姓名", "报到社区", "双报到", "参加活动", "计划时长（小时）", "实际时长（小时）", "确认时长（小时）",
           "未到场", "认领岗位", "办实事（件）", "其中：微心愿", "其中：帮扶困难", "其中：岗位任务", "积分",
           "本季度有无记录")
WIDTHS = (12, 16, 12, 30, 12, 12, 12, 8, 24, 10, 10, 10, 10, 8, 14)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def unit_quarter_xlsx(report: UnitQuarter, *, user) -> tuple[bytes, str]:
    """(bytes, file name) of `report`: one row per member; members with no record are marked 无记录."""
    author = exporter_label(user)
    workbook = new_workbook(author=author, title=f"{report.unit.name}{report.label}党员志愿服务记录",
                            created=timezone.now())
    sheet = workbook.active
    sheet.title = report.label
    note = f"{report.unit.name} · {report.label}党员双报到及志愿服务记录（导出人：{author}）"
    write_head(sheet, note, HEADERS, WIDTHS)
    for record in report.records:
        member = record.member
        append_row(sheet, [
            member.person.name, member.registered_community.name if member.registered_community_id else "未报到",
            record.registration or ("已报到" if member.registered_community_id else "未报到"),
            record.activity_titles, _hours(record.scheduled_minutes), _hours(record.completed_minutes),
            _hours(record.credited_minutes), record.no_shows, record.post_titles, record.deeds, record.wishes,
            record.helped, record.tasks, record.points, "有" if record.has_record else "无记录",
        ])
    return workbook_bytes(workbook), f"{report.unit.name}-{report.year}Q{report.quarter}-志愿服务记录.xlsx"
