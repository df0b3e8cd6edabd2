"""The case lists as .xlsx: the 问题清单 with the page's filters, and the 办理清单.

Personal data is masked (the contact's name keeps its first character, the phone its prefix and last
four digits, a difficulty's address its first characters) and every export writes an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core import audit
from core.models import AuditEvent
from core.pii import mask_name, mask_phone
from core.xlsx import append_row, download, exporter_label, workbook_bytes
from organisations.excel import Column, as_text, export_note, new_sheet

from . import selectors
from .forms import CaseFilterForm
from .models import Assignment, Case
from .templatetags.case_display import case_address, countdown_text, due_state_of
from .views import require_console, require_region_staff

# One export is at most this many rows: enough for a county's open cases, bounded in memory and time.
MAX_EXPORT_ROWS = 20_000

DUE_LABELS = {"overdue": "已超期", "soon": "即将到期", "": ""}

CASE_COLUMNS: tuple[Column, ...] = (
    Column("tracking_code", "查询码", width=13),
    Column("kind", "类型", width=6),
    Column("title", "标题", width=28),
    Column("region", "所在区域", width=16),
    Column("address", "地点", width=24),
    Column("category", "问题分类", width=16),
    Column("status", "状态", width=9),
    Column("lead", "主办单位", width=22),
    Column("received_at", "受理时间", width=17),
    Column("response_due", "响应期限", width=17),
    Column("finish_due", "办结期限", width=17),
    Column("due_state", "期限状态", width=9),
    Column("channel", "来源渠道", width=12),
    Column("contact_name", "联系人", width=9),
    Column("contact_phone", "联系电话", width=14),
    Column("owner", "首问责任人", width=12),
)

ASSIGNMENT_COLUMNS: tuple[Column, ...] = (
    Column("tracking_code", "查询码", width=13),
    Column("title", "事项标题", width=28),
    Column("assignee", "承办对象", width=22),
    Column("role", "角色", width=6),
    Column("status", "派遣状态", width=9),
    Column("dispatched_at", "派遣时间", width=17),
    Column("report_in_due", "报到期限", width=17),
    Column("report_in_left", "报到倒计时", width=16),
    Column("finish_due", "办结期限", width=17),
    Column("finish_left", "办结倒计时", width=16),
    Column("region", "所在区域", width=16),
    Column("category", "问题分类", width=16),
    Column("contact_phone", "联系电话", width=14),
)


def _when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def case_row(case: Case) -> list[Any]:
    """One row of the 问题清单 export, personal data masked."""
    leads = getattr(case, "lead_assignments", [])
    state = due_state_of(case.finish_due) if case.is_open else ""
    return [
        case.tracking_code, case.get_kind_display(), case.title, case.region.name, case_address(case),
        case.category.name if case.category_id else "", case.get_status_display(),
        leads[0].assignee_name if leads else "", _when(case.received_at), _when(case.response_due),
        _when(case.finish_due), DUE_LABELS[state], case.get_channel_display(), mask_name(case.contact_name),
        mask_phone(case.contact_phone or ""), case.owner.display_name if case.owner_id else "",
    ]


def assignment_row(assignment: Assignment) -> list[Any]:
    """One row of the 办理清单 export, with the countdowns as words."""
    case = assignment.case
    return [
        case.tracking_code, case.title, assignment.assignee_name, assignment.get_role_display(),
        assignment.get_status_display(), _when(assignment.dispatched_at), _when(assignment.report_in_due),
        countdown_text(assignment.report_in_remaining()), _when(assignment.finish_due),
        countdown_text(assignment.finish_remaining()), case.region.name,
        case.category.name if case.category_id else "", mask_phone(case.contact_phone or ""),
    ]


def write_rows(title: str, columns: tuple[Column, ...], rows: Iterable[list[Any]], *, exported_by: str,
               exported_at: dt.datetime) -> bytes:
    """An .xlsx with the export note in row 1, the header in row 2 and `rows` below, codes kept as text."""
    rows = list(rows)
    note = export_note(title, exported_by=exported_by, exported_at=exported_at, rows=len(rows), masked=True)
    workbook, sheet = new_sheet(title, columns, note, author=exported_by, when=exported_at)
    for row in rows:
        append_row(sheet, row)
    as_text(sheet, columns, {"tracking_code", "contact_phone"}, 3)
    return workbook_bytes(workbook)


@login_required
@require_GET
def problem_list_export(request: HttpRequest) -> HttpResponse:
    """The 问题清单 with the filters of the page, as .xlsx."""
    user = request.user
    require_region_staff(user)
    form = CaseFilterForm(request.GET, user=user)
    cases = list(selectors.case_list(user, form.filters()).select_related("owner")[:MAX_EXPORT_ROWS])
    now = timezone.now()
    title = "困难清单" if form.is_valid() and form.cleaned_data["kind"] == "difficulty" else "问题清单"
    content = write_rows(title, CASE_COLUMNS, (case_row(case) for case in cases),
                         exported_by=exporter_label(user), exported_at=now)
    audit.record(
        actor=user, action=AuditEvent.Action.EXPORT, target_type=Case._meta.label_lower,
        target_label=f"{title}导出", changes={"rows": len(cases), "filters": form.used()},
    )
    return download(content, f"{title}-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx")


@login_required
@require_GET
def handling_list_export(request: HttpRequest) -> HttpResponse:
    """The 办理清单 the user sees, as .xlsx."""
    user = request.user
    require_console(user)
    include_finished = request.GET.get("all") == "1"
    assignments = list(selectors.handling_list(user, include_finished=include_finished)[:MAX_EXPORT_ROWS])
    now = timezone.now()
    content = write_rows("办理清单", ASSIGNMENT_COLUMNS, (assignment_row(a) for a in assignments),
                         exported_by=exporter_label(user), exported_at=now)
    audit.record(
        actor=user, action=AuditEvent.Action.EXPORT, target_type=Assignment._meta.label_lower,
        target_label="办理清单导出", changes={"rows": len(assignments), "include_finished": include_finished},
    )
    return download(content, f"办理清单-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx")

