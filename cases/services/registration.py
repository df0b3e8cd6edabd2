"""受理 → 立案, 不予受理, 合并."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from categories.models import Category, UrgencyLevel
from categories.selectors import departments_for, urgency_for

from .. import workflow
from ..models import (
    Assignment,
    Case,
    CaseReporter,
    RequestType,
)
from ..permissions import is_case_staff
from ._base import _begin, _check, _claim, _deadline, _edge, _step_assignment, _text, _writes


@_writes
def case_classify(
    *, case: Case, actor: User | None, expected_version: int, category: Category | None = None,
    urgency: UrgencyLevel | None = None, request_type: str = "", note: str = "",
) -> Case:
    """立案: file a received case under a function category and an urgency (the category's by default).

    Starts the case's clocks from now on the working-day calendar: `response_due` and `finish_due`
    from the urgency's limits (flagged approximate when they run into a year without holiday data).
    The category's lead and assisting bodies are recorded in the event as the dispatch suggestion.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="classify")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    if category is None:
        errors["category"] = "请选择问题分类"
    elif category.is_archived:
        errors["category"] = "该问题分类已停用"
    if request_type and request_type not in RequestType.values:
        errors["request_type"] = "诉求类型不正确"
    note = _text(errors, "note", note, label="说明")
    _check(errors)
    urgency = urgency or urgency_for(category)
    if urgency is None:
        raise ValidationError({"urgency": ["请选择紧急程度"]})
    response = _deadline(move.now, urgency.response_limit)
    finish = _deadline(move.now, urgency.finish_limit)
    responsibles = departments_for(category)
    fields: dict[str, Any] = dict(
        category=category, urgency=urgency, response_due=response.due, finish_due=finish.due,
        deadline_approximate=response.approximate or finish.approximate,
    )
    if request_type:
        fields["request_type"] = request_type
    move.apply(edge, fields=fields, note=note, data={
        "category": category.code, "urgency": urgency.code,
        "response_due": response.due, "finish_due": finish.due,
        "suggested_lead": responsibles.lead.pk if responsibles.lead else None,
        "suggested_assisting": [org.pk for org in responsibles.assisting],
    })
    return move.finish()


@_writes
def case_reject(*, case: Case, actor: User | None, expected_version: int, reason: str = "") -> Case:
    """不予受理: refuse a received case with a reason, which the reporters see on the tracking page and
    receive as a notice."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="reject")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, label="不予受理的原因", required=True)
    _check(errors)
    move.apply(edge, fields={"public_note": reason}, note=reason)
    return move.finish()


@_writes
def case_merge(
    *, case: Case, actor: User | None, expected_version: int, survivor: Case | None = None, note: str = ""
) -> Case:
    """合并: a duplicate (received or registered) is merged into `survivor`, an open case in the actor's scope.

    The duplicate's reporters (its own, and those merged into it earlier) are linked to the survivor,
    so each can follow and rate the survivor with their own tracking code. The survivor's version is
    bumped and an event is written on it too.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="merge")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="说明")
    if survivor is None:
        errors["survivor"] = "请选择要合并到的事项"
    elif survivor.pk == case.pk:
        errors["survivor"] = "不能合并到事项本身"
    else:
        survivor = Case.objects.select_related("region").filter(pk=survivor.pk).first()
        if survivor is None or not is_case_staff(actor, survivor):
            errors["survivor"] = "要合并到的事项不存在或不在您的辖区内"
        elif survivor.status not in workflow.OPEN_STATUSES:
            errors["survivor"] = "只能合并到尚未办结的事项"
    _check(errors)
    for assignment in move.case.assignments.filter(status__in=Assignment.ACTIVE):
        _step_assignment(assignment, "withdraw", withdrawn_at=move.now)
    moved = 0
    for reporter in CaseReporter.objects.filter(case=move.case):
        _, created = CaseReporter.objects.get_or_create(
            case=survivor, origin_case_id=reporter.origin_case_id,
            defaults=dict(
                user=reporter.user, contact_name=reporter.contact_name, contact_phone=reporter.contact_phone,
                contact_phone_hash=reporter.contact_phone_hash, public_anonymous=reporter.public_anonymous,
                created_at=move.now,
            ),
        )
        moved += int(created)
    move.apply(
        edge, fields={"merged_into": survivor}, note=note,
        data={"survivor": survivor.pk, "survivor_code": survivor.tracking_code, "reporters_moved": moved},
        notice_args={"survivor": survivor.tracking_code},
    )
    # The survivor changed too (new reporters): it moves along the table's automatic merge edge, with its
    # own version, event and audit row, in this transaction.
    kept = _claim(survivor, actor=actor, expected_version=survivor.version, action="merge", now=move.now)
    kept.apply(_edge(kept, when="survivor", automatic=True), note=note, data={
        "merged": move.case.pk, "merged_code": move.case.tracking_code, "reporters_moved": moved,
    })
    kept.finish()
    return move.finish()


