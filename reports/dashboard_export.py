"""The dashboard's tables as an .xlsx workbook: one sheet per chart, each the numbers the chart draws.

The same workbook serves as the monthly report (月度报告) of a region; one sheet alone can be asked
for by its section key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from core.xlsx import append_row, new_workbook, workbook_bytes, write_head

from .dashboard import HEADLINE_RATES, Dashboard


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _rates(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["指标", "数值（%）", "分子", "分母"],
            [[r["label"], _blank(r["value"]), r["numerator"], r["denominator"]] for r in board.data["rates"]])


def _trend(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["月份"] + [label + "（%）" for _, label in HEADLINE_RATES],
            [[row["label"]] + [_blank(row[key]) for key, _ in HEADLINE_RATES] for row in board.data["trend"]])


def _departments(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    header = ["承办单位", "名次"] + [label + "（%）" for _, label in HEADLINE_RATES] + [
        "吹哨报到按时率（%）", "吹哨报到评分", "评分次数"]
    rows = [[row["name"], index] + [_blank(row[key]) for key, _ in HEADLINE_RATES]
            + [_blank(row["whistle_on_time"]), _blank(row["whistle_score"]), row["whistle_scored"]]
            for index, row in enumerate(board.data["departments"], start=1)]
    return header, rows


def _categories(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return ["问题分类", "受理件数"], [[row["name"], row["total"]] for row in board.data["categories"]]


def _hot_spots(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    heat = board.data["hot_spots"]
    return (["区域", "受理件数", "超期未办结"] + heat["categories"],
            [[row["name"], row["total"], row["overdue"]] + row["cells"] for row in heat["rows"]])


def _overdue(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["查询码", "标题", "所在区域", "问题分类", "状态", "办结期限", "超期天数"],
            [[r["tracking_code"], r["title"], r["region"], r["category"], r["status"], r["finish_due"],
              r["days_overdue"]] for r in board.data["overdue"]["rows"]])


def _councils(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["街道", "季度", "应召开期限"],
            [[r["street"], r["quarter"], r["due"]] for r in board.data["joint_councils_missed"]])


def _meetings(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return ["议事机构类型", "召开会议（场）"], [[r["label"], r["held"]] for r in board.data["meetings_by_kind"]]


def _figures(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["机制", "指标", "数值", "单位"],
            [[f["mechanism"], f["label"], f["value"], f["unit"]] for f in board.data["figures"]])


# What the volunteering table shows, in order: (label, unit, how the value is read from the section).
VOLUNTEER_ROWS: tuple[tuple[str, str, Callable[[dict[str, Any]], Any]], ...] = (
    ("确认志愿服务时长", "小时", lambda v: v["hours"]),
    ("确认服务人次", "人次", lambda v: v["confirmed_signups"]),
    ("公益岗位在岗人数（期末）", "人", lambda v: v["places_held"]),
    ("公益岗位设岗人数", "人", lambda v: v["places"]),
    ("满员的公益岗位", "个", lambda v: v["posts_full"]),
    ("公益岗位", "个", lambda v: v["posts"]),
    ("登记微心愿", "个", lambda v: v["wishes_posted"]),
    ("认领微心愿", "个", lambda v: v["wishes_claimed"]),
    ("完成微心愿", "个", lambda v: v["wishes_fulfilled"]),
)


def _volunteers(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    section = board.data["volunteers"]
    return ["指标", "数值", "单位"], [[label, read(section), unit] for label, unit, read in VOLUNTEER_ROWS]


def _volunteer_units(board: Dashboard) -> tuple[list[str], list[list[Any]]]:
    return (["党组织", "党员人数", "已报到", "报到率（%）"],
            [[u["name"], u["members"], u["registered"], _blank(u["rate"])]
             for u in board.data["volunteers"]["units"]])


SECTIONS: dict[str, tuple[str, Callable[[Dashboard], tuple[list[str], list[list[Any]]]]]] = {
    "rates": ("核心指标", _rates),
    "trend": ("月度趋势", _trend),
    "departments": ("部门排名", _departments),
    "categories": ("问题分类", _categories),
    "hot_spots": ("热点分布", _hot_spots),
    "overdue": ("超期事项", _overdue),
    "joint_councils": ("党建联席会议超期未开", _councils),
    "volunteers": ("红领巾志愿服务", _volunteers),
    "volunteer_units": ("各单位党员双报到", _volunteer_units),
    "meetings_by_kind": ("议事会议召开情况", _meetings),
    "figures": ("三联三沉数据", _figures),
}


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else f"{value:g}" if isinstance(value, float) else str(value)


def section_tables(board: Dashboard) -> dict[str, dict[str, Any]]:
    """Each section as an HTML-ready table: title, header and rows of {text, cls} cells (the first cell of
    a row is its header). Cells of the hot-spot table carry a heat class from heat-0 to heat-5."""
    peak = board.data["hot_spots"]["peak"] or 1
    tables = {}
    for key, (title, build) in SECTIONS.items():
        header, rows = build(board)
        cells = []
        for row in rows:
            line = []
            for index, value in enumerate(row):
                cls = ""
                if key == "hot_spots" and index >= 3:
                    cls = f"heat heat-{-(-5 * int(value) // peak)}"
                line.append({"text": _shown(value), "cls": cls})
            cells.append(line)
        tables[key] = {"title": title, "header": header, "rows": cells}
    return tables


def dashboard_workbook(board: Dashboard, *, title: str, exported_by: str, exported_at: dt.datetime,
                       sections: list[str] | None = None) -> bytes:
    """An .xlsx with one sheet per section (all by default): a note in row 1, the header in row 2."""
    workbook = new_workbook(author=exported_by)
    workbook.remove(workbook.active)
    local = timezone.localtime(exported_at)
    for key in sections or list(SECTIONS):
        name, build = SECTIONS[key]
        header, rows = build(board)
        sheet = workbook.create_sheet(name)
        note = (f"{board.region.name}　{title}　{name}　统计时段：{board.period.title}　"
                f"导出人：{exported_by}　导出时间：{local:%Y-%m-%d %H:%M}")
        write_head(sheet, note, header, [24] + [16] * (len(header) - 1))
        for row in rows:
            append_row(sheet, row)
    return workbook_bytes(workbook)
