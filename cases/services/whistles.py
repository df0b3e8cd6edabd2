"""社区吹哨、部门报到: summoned departments report in, and are scored after closure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from categories.models import HANDLER_KINDS
from organisations.models import Organisation

from ..models import (
    Case,
    Whistle,
    WhistleReason,
    WhistleSummons,
)
from ._base import _begin, _check, _edge, _Move, _own, _text, _writes
from .dispatch import serves_case_place


def whistle_report_in_minutes(reasons: Sequence[str]) -> int:
    """Minutes a summoned department has to report in: 30 for emergencies, otherwise 120, both from settings
    (WHISTLE_EMERGENCY_REPORT_IN_MINUTES, WHISTLE_REPORT_IN_MINUTES)."""
    if WhistleReason.EMERGENCY in reasons:
        return int(getattr(settings, "WHISTLE_EMERGENCY_REPORT_IN_MINUTES", 30))
    return int(getattr(settings, "WHISTLE_REPORT_IN_MINUTES", 120))


@_writes
def case_whistle(
    *, case: Case, actor: User | None, expected_version: int, reasons: Sequence[str] = (),
    organisations: Sequence[Organisation] = (), note: str = "",
) -> Case:
    """吹哨: community staff summon departments to the case, each with a report-in deadline."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="whistle")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reasons = list(dict.fromkeys(reasons or ()))
    if not reasons or any(reason not in WhistleReason.values for reason in reasons):
        errors["reasons"] = "请选择吹哨原因：超出社区职权、需要执法、涉及多部门或紧急情况"
    organisations = list({org.pk: org for org in organisations or ()}.values())
    if not organisations:
        errors["organisations"] = "请选择要召集的部门"
    else:
        refused = [org.name for org in organisations if org.is_archived or org.kind not in HANDLER_KINDS]
        elsewhere = [org.name for org in organisations if not serves_case_place(org, case)]
        if refused:
            errors["organisations"] = f"“{'、'.join(refused)}”不能被召集报到"
        elif elsewhere:
            errors["organisations"] = f"“{'、'.join(elsewhere)}”不负责该事项所在区域"
    note = _text(errors, "note", note, label="吹哨说明")
    _check(errors)
    due = move.now + dt.timedelta(minutes=whistle_report_in_minutes(reasons))
    whistle = Whistle.objects.create(case=move.case, reasons=reasons, note=note, blown_by=actor, blown_at=move.now)
    summons = [
        WhistleSummons.objects.create(whistle=whistle, organisation=org, report_in_due=due) for org in organisations
    ]
    move.apply(edge, note=note, data={
        "whistle": whistle.pk, "reasons": reasons, "report_in_due": due,
        "summons": [{"id": s.pk, "organisation": s.organisation_id} for s in summons],
    })
    return move.finish()


def _summons_for(move: _Move, summons: WhistleSummons | None, errors: dict[str, str]) -> WhistleSummons | None:
    found = _own(errors, "summons", summons, move.case, "吹哨报到")
    if found is None:
        return None
    return WhistleSummons.objects.select_related("whistle", "organisation").get(pk=found.pk)


@_writes
def case_report_in(
    *, case: Case, actor: User | None, expected_version: int, summons: WhistleSummons | None = None, note: str = ""
) -> Case:
    """部门报到: a summoned department reports in (recorded by its handler, or by community staff on arrival)."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="report_in")
    errors: dict[str, str] = {}
    summons = _summons_for(move, summons, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, summons=summons)
    note = _text(errors, "note", note, label="说明")
    if summons.reported_at is not None:
        errors["summons"] = f"“{summons.organisation}”已于 {timezone.localtime(summons.reported_at):%m-%d %H:%M} 报到"
    _check(errors)
    summons.reported_at, summons.reported_by = move.now, actor
    summons.save(update_fields=["reported_at", "reported_by"])
    move.apply(edge, note=note, data={
        "summons": summons.pk, "organisation": summons.organisation_id, "on_time": move.now <= summons.report_in_due,
    })
    return move.finish()


@_writes
def case_score(
    *, case: Case, actor: User | None, expected_version: int, summons: WhistleSummons | None = None,
    score: int | None = None, comment: str = "",
) -> Case:
    """评分: after closure the community scores each summoned department, 1 to 5, once."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="score")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    summons = _summons_for(move, summons, errors)
    comment = _text(errors, "comment", comment, label="评价意见")
    if summons is not None and summons.score is not None:
        errors["summons"] = f"已对“{summons.organisation}”评过分"
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = "评分应为 1 到 5 的整数"
    _check(errors)
    summons.score, summons.score_comment, summons.scored_by, summons.scored_at = score, comment, actor, move.now
    summons.save(update_fields=["score", "score_comment", "scored_by", "scored_at"])
    move.apply(edge, note=comment, data={
        "summons": summons.pk, "organisation": summons.organisation_id, "score": score,
    })
    return move.finish()


