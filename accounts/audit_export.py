"""The audit log as an .xlsx file that names who exported it, when, and with which filters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.utils import timezone

from core import xlsx
from core.models import AuditEvent

COLUMNS: tuple[tuple[str, int], ...] = (
    ("时间", 20), ("操作人", 16), ("动作", 12), ("对象类型", 22), ("对象编号", 10), ("对象", 28),
    ("结果", 10), ("事由", 30), ("来源地址", 16), ("变更内容", 50),
)
ACTION_LABELS = dict(AuditEvent.Action.choices)


def event_row(event: AuditEvent) -> list[str]:
    """One audit row as the text of the export's columns."""
    return [
        f"{timezone.localtime(event.created_at):%Y-%m-%d %H:%M:%S}",
        event.actor_label or "—",
        ACTION_LABELS.get(event.action, event.action),
        event.target_type,
        event.target_id,
        event.target_label,
        event.outcome_label,
        event.reason,
        event.ip_address or "",
        json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
    ]


def write_audit_events(
    events: Iterable[AuditEvent], *, exported_by: str, exported_at: dt.datetime, filters: dict[str, str],
    rows: int, truncated: bool,
) -> bytes:
    """The workbook: a first line naming the exporter, the time and the filters, a header, then one line per row."""
    workbook = xlsx.new_workbook(author=exported_by, title="审计记录", write_only=True)
    sheet = workbook.create_sheet("审计记录")
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    local = timezone.localtime(exported_at)
    used = "，".join(f"{key}={value}" for key, value in filters.items()) or "无"
    note = f"审计记录　导出人：{exported_by}　导出时间：{local:%Y-%m-%d %H:%M}　共 {rows} 条　筛选条件：{used}"
    if truncated:
        note += "　（超出单次导出上限，仅含最新的记录，请缩小筛选范围分批导出）"
    xlsx.append_row(sheet, [note], font=xlsx.NOTE_FONT)
    xlsx.append_row(sheet, [header for header, _ in COLUMNS], font=xlsx.HEADER_FONT)
    for event in events:
        xlsx.append_row(sheet, event_row(event))
    return xlsx.workbook_bytes(workbook)
