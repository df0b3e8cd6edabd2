"""The case workflow as one table: every allowed move, who may make it and what it needs.

Statuses follow the stages of 数字城管: 受理 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价, with the
side paths 不予受理, 退回, 延期, 返工, 合并 and 上会. Each row of `TABLE` is one edge:

- `action`   the name services, the API and events use (``classify``, ``dispatch`` …);
- `sources`  the statuses the edge may start from;
- `target`   the status it ends in, or `SAME` when the case keeps its status (a side record such as an
             extension, a whistle or a note);
- `who`      the kinds of actor allowed to take it (see `Who`);
- `requires` the inputs the action needs, by the names the API uses;
- `when`     for actions with several rows from the same status, the fact that picks the row
             (a lead's return sends the case back to 立案, an assisting body's return does not);
- `notice`   what the reporters are told, if anything (formatted with the case and the note).

Rows whose only actor is `Who.SYSTEM` are never taken by a person: they follow another edge in the
same transaction (a resident's first 不满意 sends the case back to the department; a second one puts
it on a meeting's agenda). This module imports nothing from Django models, so anything may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from core.workflow import MoveNotAllowed, StaleRecord


class Status(models.TextChoices):
    RECEIVED = "received", "已受理"
    REGISTERED = "registered", "已立案"
    DISPATCHED = "dispatched", "已派遣"
    IN_PROGRESS = "in_progress", "处置中"
    REPLIED = "replied", "已反馈"
    VERIFIED = "verified", "已核查"
    CLOSED = "closed", "已结案"
    RATED = "rated", "已评价"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"
    ESCALATED = "escalated", "已上会"


# A case in one of these still needs someone to act; the rest are final or wait only for a rating.
OPEN_STATUSES = frozenset({
    Status.RECEIVED, Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED, Status.VERIFIED,
    Status.ESCALATED,
})
FINAL_STATUSES = frozenset({Status.RATED, Status.REJECTED, Status.MERGED})
# 办结: handled to the end — closed, whether rated yet or not. What the figures count as solved.
SOLVED_STATUSES = frozenset({Status.CLOSED, Status.RATED})
# Nobody needs to act any more (Open311's "closed"): solved, refused or merged into another case.
ENDED_STATUSES = frozenset(Status.values) - OPEN_STATUSES
# Statuses in which departments work on the case (assignments can be reported in, handled, extended).
HANDLING_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})

SAME = "same"  # target of an edge that leaves the status as it is


class Who(StrEnum):
    """Kinds of actor, decided per case by `cases.permissions.actor_kinds`."""

    STAFF = "staff"                # community, street or county staff whose region contains the case
    STREET = "street"              # street or county staff whose region contains the case
    REGION_STAFF = "region_staff"  # any region staff in scope, grid workers included
    OWNER = "owner"                # the case's 首问责任人
    ASSIGNEE = "assignee"          # the body an assignment names: its handler, or the helper party member
    SUMMONED = "summoned"          # a handler of a department summoned by a whistle on the case
    REPORTER = "reporter"          # who reported the case (own account, or holding its tracking code)
    SYSTEM = "system"              # an automatic follow-up of another edge, never a person


WHO_LABELS = {
    Who.STAFF: "辖区内的社区、街道或县级工作人员",
    Who.STREET: "辖区内的街道或县级工作人员",
    Who.REGION_STAFF: "辖区内的工作人员（含网格员）",
    Who.OWNER: "首问责任人",
    Who.ASSIGNEE: "承办单位或帮扶党员",
    Who.SUMMONED: "被吹哨的部门",
    Who.REPORTER: "反映人",
    Who.SYSTEM: "系统",
}


@dataclass(frozen=True)
class Edge:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    who: frozenset[Who]
    requires: tuple[str, ...] = ()
    when: str = ""
    notice: str = ""

    @property
    def automatic(self) -> bool:
        return self.who == frozenset({Who.SYSTEM})

    def target_from(self, status: str) -> str:
        return status if self.target == SAME else self.target


def _e(action, label, sources, target, who, requires=(), when="", notice="") -> Edge:
    return Edge(action, label, frozenset(sources), target, frozenset(who), tuple(requires), when, notice)


S = Status
OPEN = tuple(sorted(OPEN_STATUSES))
HANDLING = tuple(sorted(HANDLING_STATUSES))

TABLE: tuple[Edge, ...] = (
    # 受理 → 立案: classified by function; clocks start from the urgency's limits.
    _e("classify", "立案分类", [S.RECEIVED], S.REGISTERED, [Who.STAFF], ["category"]),
    _e("reject", "不予受理", [S.RECEIVED], S.REJECTED, [Who.STAFF], ["reason"],
       notice="您反映的事项（查询码 {code}）不予受理。原因：{note}"),
    _e("merge", "合并", [S.RECEIVED, S.REGISTERED], S.MERGED, [Who.STAFF], ["survivor"],
       notice="您反映的事项与其他居民反映的事项相同，已合并办理，可继续用原查询码查看进展和评价。"),
    # The case a duplicate is merged into takes the duplicate's reporters; its status stays.
    _e("merge", "合并（保留事项）", OPEN, SAME, [Who.SYSTEM], when="survivor"),
    # 立案 → 派遣: one lead (主办) and any number of assisting bodies (协办), each with its own clocks.
    _e("dispatch", "派遣", [S.REGISTERED], S.DISPATCHED, [Who.STAFF], ["assignees"]),
    _e("dispatch", "追加派遣", HANDLING, SAME, [Who.STAFF], ["assignees"]),
    # 派遣 → 处置: a body reports in (报到) and starts handling.
    _e("accept", "报到接收", HANDLING, S.IN_PROGRESS, [Who.ASSIGNEE], ["assignment"]),
    # 退回: a mis-dispatch goes back; a lead's return sends the case back to the community to re-dispatch.
    _e("return", "主办单位退回", HANDLING, S.REGISTERED, [Who.ASSIGNEE], ["assignment", "reason"], when="lead"),
    _e("return", "协办单位退回", HANDLING, SAME, [Who.ASSIGNEE], ["assignment", "reason"], when="assist"),
    # The street decides a disputed return by naming the body that must lead; that body cannot return it again.
    _e("arbitrate", "街道裁定", [S.REGISTERED], S.DISPATCHED, [Who.STREET], ["assignment", "organisation", "note"]),
    # 延期: recorded, no status change; a granted extension moves the assignment's finish deadline.
    _e("request_extension", "申请延期", HANDLING, SAME, [Who.ASSIGNEE], ["assignment", "requested_due", "reason"]),
    _e("grant_extension", "同意延期", HANDLING, SAME, [Who.STAFF], ["extension"]),
    _e("refuse_extension", "不同意延期", HANDLING, SAME, [Who.STAFF], ["extension", "reason"]),
    _e("note", "办理记录", OPEN, SAME, [Who.REGION_STAFF, Who.ASSIGNEE, Who.SUMMONED], ["note"]),
    # 处置 → 反馈: the lead's reply is the case's answer; an assisting body's reply is recorded only.
    _e("reply", "主办单位答复", [S.IN_PROGRESS], S.REPLIED, [Who.ASSIGNEE], ["assignment", "reply"], when="lead"),
    _e("reply", "协办单位答复", [S.IN_PROGRESS], SAME, [Who.ASSIGNEE], ["assignment", "reply"], when="assist"),
    # 反馈 → 核查 → 结案, or 返工 when the check fails.
    _e("verify", "核查通过", [S.REPLIED], S.VERIFIED, [Who.STAFF]),
    _e("rework", "核查不通过返工", [S.REPLIED, S.VERIFIED], S.IN_PROGRESS, [Who.STAFF], ["reason"]),
    _e("close", "结案", [S.VERIFIED], S.CLOSED, [Who.STAFF],
       notice="您反映的事项（查询码 {code}）已办结，请对办理结果进行评价。"),
    # 评价: a first 不满意 sends the case back once; a second one puts it on a meeting's agenda.
    _e("rate", "评价", [S.CLOSED], S.RATED, [Who.REPORTER, Who.STAFF], ["result"]),
    _e("rework", "不满意返工", [S.RATED], S.IN_PROGRESS, [Who.SYSTEM], when="first_unsatisfied",
       notice="您对事项（查询码 {code}）的办理结果不满意，已退回承办单位重新办理。"),
    _e("escalate", "再次不满意上会", [S.RATED], S.ESCALATED, [Who.SYSTEM], when="repeat_unsatisfied",
       notice="您对事项（查询码 {code}）的办理结果仍不满意，已提交会议研究解决。"),
    # 上会: one body cannot solve it; the meeting's decision resumes it.
    _e("escalate", "提交会议", [S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS], S.ESCALATED, [Who.STAFF], ["meeting"],
       notice="您反映的事项（查询码 {code}）已提交会议研究解决。"),
    _e("resume", "会议决定重新派遣", [S.ESCALATED], S.REGISTERED, [Who.STAFF], ["decision", "note"], when="redispatch"),
    _e("resume", "会议决定继续办理", [S.ESCALATED], S.DISPATCHED, [Who.STAFF], ["decision", "note"], when="continue"),
    # 社区吹哨、部门报到: summoned departments report in; after closure the community scores each of them.
    _e("whistle", "吹哨", [S.RECEIVED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.ESCALATED], SAME, [Who.STAFF],
       ["reasons", "organisations"]),
    _e("report_in", "部门报到", OPEN, SAME, [Who.SUMMONED, Who.STAFF], ["summons"]),
    _e("score", "部门评分", [S.CLOSED, S.RATED], SAME, [Who.STAFF], ["summons", "score"]),
    # 首问责任制: the owner stays until closure; a transfer is recorded.
    _e("transfer_owner", "移交首问责任", OPEN, SAME, [Who.OWNER, Who.STAFF], ["owner", "reason"]),
)
del S, OPEN, HANDLING

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(edge.action for edge in TABLE))
ACTION_LABELS: dict[str, str] = {
    "submit": "受理登记",
    "classify": "立案分类",
    "reject": "不予受理",
    "merge": "合并",
    "dispatch": "派遣",
    "accept": "报到接收",
    "return": "退回",
    "arbitrate": "街道裁定",
    "request_extension": "申请延期",
    "grant_extension": "同意延期",
    "refuse_extension": "不同意延期",
    "note": "办理记录",
    "reply": "答复",
    "verify": "核查通过",
    "rework": "返工",
    "close": "结案",
    "rate": "评价",
    "escalate": "上会",
    "resume": "恢复办理",
    "whistle": "吹哨",
    "report_in": "部门报到",
    "score": "部门评分",
    "transfer_owner": "移交首问责任",
}


class TransitionNotAllowed(MoveNotAllowed):
    """The table has no edge for this action from the case's current status."""

    def __init__(self, action: str, status: str):
        self.action = action
        self.status = status
        label = ACTION_LABELS.get(action, action)
        status_label = Status(status).label if status in Status.values else status
        super().__init__(f"事项当前状态为“{status_label}”，不能执行“{label}”")


class StaleVersion(StaleRecord):
    """Someone changed the case since the caller read it (optimistic lock)."""

    def __init__(self, expected: int, current: int | None):
        self.expected = expected
        self.current = current
        super().__init__("该事项已被他人更新，请刷新后重试")


def edges_from(action: str, status: str, *, automatic: bool = False) -> list[Edge]:
    """The rows for `action` starting at `status`; people's rows by default, automatic rows if asked."""
    return [e for e in TABLE if e.action == action and status in e.sources and e.automatic == automatic]


def is_allowed(action: str, status: str) -> bool:
    """Whether a person may take `action` from `status` at all (who and inputs aside)."""
    return bool(edges_from(action, status))


def edge_for(action: str, status: str, *, when: str = "", automatic: bool = False) -> Edge:
    """The one row for `action` from `status` matching `when`; raises TransitionNotAllowed if there is none."""
    rows = edges_from(action, status, automatic=automatic)
    if any(row.when for row in rows):
        rows = [row for row in rows if row.when == when]
    if len(rows) != 1:
        raise TransitionNotAllowed(action, status)
    return rows[0]


def allowed_actions(status: str) -> list[str]:
    """Actions a person may take from `status`, in table order (for pages that offer buttons)."""
    return [action for action in ACTIONS if is_allowed(action, status)]


def describe() -> list[dict]:
    """The table as plain data: for documentation, an admin page or drawing the graph."""
    return [
        {
            "action": e.action,
            "label": e.label,
            "from": sorted(e.sources),
            "to": e.target,
            "who": sorted(str(w) for w in e.who),
            "requires": list(e.requires),
            "when": e.when,
        }
        for e in TABLE
    ]
