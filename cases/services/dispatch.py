"""派遣, 报到, 退回, 裁定: the bodies a case is dispatched to and their assignments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from categories.models import HANDLER_KINDS
from organisations.models import Organisation, PartyMember
from regions.models import CODE_LENGTHS, Facility, Level
from regions.selectors import facilities_visible_to

from ..models import (
    Assignment,
    AssignmentRole,
    Case,
    Kind,
)
from ._base import _begin, _cannot, _check, _deadline, _edge, _Move, _own, _step_assignment, _text, _writes


@dataclass(frozen=True)
class AssigneeSpec:
    """One body to dispatch to: exactly one of `organisation`, `facility` or `party_member`.

    `finish_due` overrides the case's finish deadline for this body (it may not lie in the past).
    """

    organisation: Organisation | None = None
    facility: Facility | None = None
    party_member: PartyMember | None = None
    role: str = AssignmentRole.LEAD
    finish_due: dt.datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        if self.organisation is not None:
            return ("organisation", self.organisation.pk)
        if self.facility is not None:
            return ("facility", self.facility.pk)
        return ("party_member", self.party_member.pk if self.party_member else 0)


# Service stations, facilities and helpers a difficulty can be matched to.
ASSIGNABLE_FACILITY_KINDS = (
    Facility.Kind.VOLUNTEER_STATION, Facility.Kind.LEGAL_STATION, Facility.Kind.LABOUR_STATION,
    Facility.Kind.WOMEN_CHILDREN_HOME, Facility.Kind.ELDERLY_UNIVERSITY, Facility.Kind.DAY_CARE_CENTER,
    Facility.Kind.AFTER_SCHOOL_CENTER, Facility.Kind.SERVICE_HALL,
)


def serves_case_place(organisation: Organisation, case: Case) -> bool:
    """Whether `organisation` works where the case is.

    A body placed above the case (a county department, a street's dispatched agency) or inside the
    case's community (a property company of one of its grids) serves it; a body of another street or
    community does not, so a case cannot be sent or a whistle blown across the county by mistake.
    """
    community_code = case.region.code[:CODE_LENGTHS[Level.COMMUNITY]]
    place = organisation.region.code
    return case.region.code.startswith(place) or place.startswith(community_code)


def _assignee_error(spec: AssigneeSpec, case: Case, actor) -> str:
    chosen = [x for x in (spec.organisation, spec.facility, spec.party_member) if x is not None]
    if len(chosen) != 1:
        return "每个承办对象须且只能是一个单位、服务站点或帮扶党员"
    if spec.role not in AssignmentRole.values:
        return "承办角色应为主办或协办"
    if spec.organisation is not None:
        org = spec.organisation
        if org.is_archived or org.kind not in HANDLER_KINDS:
            return f"“{org.name}”不能作为承办单位"
        if not serves_case_place(org, case):
            return f"“{org.name}”不负责该事项所在区域"
    elif spec.facility is not None:
        facility = spec.facility
        if facility.is_archived or facility.kind not in ASSIGNABLE_FACILITY_KINDS:
            return f"“{facility.name}”不能承办事项"
        if not facilities_visible_to(actor).filter(pk=facility.pk).exists():
            return "所选服务站点不在您的辖区内"
    else:
        member = spec.party_member
        if case.kind != Kind.DIFFICULTY:
            return "帮扶党员只能承办困难类事项"
        community = member.registered_community
        if member.is_archived or community is None or not community.contains(case.region):
            return "所选党员未在本社区报到"
    if spec.finish_due is not None and spec.finish_due <= timezone.now():
        return "办结期限不能早于现在"
    return ""


def _new_assignments(
    move: _Move, specs: Sequence[AssigneeSpec], errors: dict[str, str], *, arbitrated: bool = False
) -> list[Assignment]:
    """Validate `specs` against the case's live assignments, then create them with their clocks."""
    case = move.case
    specs = list(specs or ())
    if not specs:
        errors["assignees"] = "请至少指定一个承办对象"
        return []
    live = list(case.assignments.filter(status__in=Assignment.ACTIVE))
    taken = {
        ("organisation", a.organisation_id) if a.organisation_id else
        ("facility", a.facility_id) if a.facility_id else ("party_member", a.party_member_id)
        for a in live
    }
    has_lead = any(a.role == AssignmentRole.LEAD for a in live)
    new_leads = sum(1 for spec in specs if spec.role == AssignmentRole.LEAD)
    seen: set[tuple[str, int]] = set()
    for spec in specs:
        problem = _assignee_error(spec, case, move.actor)
        if not problem and (spec.key in taken or spec.key in seen):
            problem = f"“{spec.organisation or spec.facility or spec.party_member}”已在承办此事项"
        if problem:
            errors["assignees"] = problem
            return []
        seen.add(spec.key)
    if new_leads > 1 or (has_lead and new_leads):
        errors["assignees"] = "每个事项只能有一个主办单位"
        return []
    if not has_lead and not new_leads:
        errors["assignees"] = "请指定一个主办单位"
        return []
    if case.urgency is None:
        errors["assignees"] = "事项尚未立案分类，不能派遣"
        return []
    report_in = _deadline(move.now, case.urgency.response_limit)
    finish_default = case.finish_due or _deadline(move.now, case.urgency.finish_limit).due
    created = []
    for spec in specs:
        created.append(Assignment.objects.create(
            case=case, organisation=spec.organisation, facility=spec.facility, party_member=spec.party_member,
            role=spec.role, dispatched_at=move.now, dispatched_by=move.actor, report_in_due=report_in.due,
            finish_due=spec.finish_due or finish_default, arbitrated=arbitrated,
        ))
    return created


def _assignment_data(assignments: Sequence[Assignment]) -> list[dict]:
    return [
        {"id": a.pk, "assignee": a.assignee_name, "role": a.role,
         "report_in_due": a.report_in_due, "finish_due": a.finish_due}
        for a in assignments
    ]


@_writes
def case_dispatch(
    *, case: Case, actor: User | None, expected_version: int, assignees: Sequence[AssigneeSpec] = (), note: str = ""
) -> Case:
    """派遣: dispatch a registered case to one lead (主办) and any assisting bodies (协办).

    Later, while the case is being handled, more bodies can be added (追加派遣) and a new lead named
    once the previous lead has returned it. Each assignment gets a report-in deadline from the
    urgency's response limit and the case's finish deadline unless the spec sets its own.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="dispatch")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="派遣说明")
    created = _new_assignments(move, assignees, errors)
    _check(errors)
    move.apply(edge, note=note, data={"assignments": _assignment_data(created)})
    return move.finish()


def _assignment_for(move: _Move, assignment: Assignment | None, errors: dict[str, str]) -> Assignment | None:
    found = _own(errors, "assignment", assignment, move.case, "派遣")
    if found is None:
        return None
    return Assignment.objects.select_related(
        "case__region", "organisation", "facility", "party_member__person"
    ).get(pk=found.pk)


@_writes
def case_accept(*, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
                note: str = "") -> Case:
    """报到: the dispatched body reports in and starts handling; the case is then 处置中."""
    move = _begin(case, actor=actor, expected_version=expected_version, action="accept")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move)
    move.authorise(edge, assignment=assignment)
    note = _text(errors, "note", note, label="说明")
    if refusal := _cannot(assignment, "accept", "报到"):
        errors["assignment"] = refusal
    _check(errors)
    _step_assignment(assignment, "accept", accepted_at=move.now)
    move.apply(edge, assignment=assignment, note=note, data={
        "assignment": assignment.pk, "on_time": move.now <= assignment.report_in_due,
    })
    return move.finish()


@_writes
def case_return(*, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
                reason: str = "") -> Case:
    """退回: a body returns a mis-dispatched assignment with a reason.

    When the lead returns it, the case goes back to 已立案 for the community to dispatch again (or for
    the street to arbitrate); an assisting body's return leaves the case as it is. A body the street
    has named by arbitration cannot return the case again.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="return")
    errors: dict[str, str] = {}
    assignment = _assignment_for(move, assignment, errors)
    _check(errors)
    edge = _edge(move, when=assignment.role)
    move.authorise(edge, assignment=assignment)
    reason = _text(errors, "reason", reason, label="退回原因", required=True)
    if refusal := _cannot(assignment, "return", "退回"):
        errors["assignment"] = refusal
    elif assignment.arbitrated:
        errors["assignment"] = "街道已裁定由本单位办理，不能再退回"
    _check(errors)
    _step_assignment(assignment, "return", returned_at=move.now, return_reason=reason)
    move.apply(edge, assignment=assignment, note=reason, data={"assignment": assignment.pk, "role": assignment.role})
    return move.finish()


@_writes
def case_arbitrate(
    *, case: Case, actor: User | None, expected_version: int, assignment: Assignment | None = None,
    organisation: Organisation | None = None, note: str = "",
) -> Case:
    """裁定: street staff decide a disputed return by naming the body that must lead the case.

    `assignment` is the returned lead assignment under dispute; `organisation` defaults to the body
    that returned it (the return is overruled) and may name another (the return stands). The new lead
    assignment is binding: it cannot be returned again.
    """
    move = _begin(case, actor=actor, expected_version=expected_version, action="arbitrate")
    edge = _edge(move)
    move.authorise(edge)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="裁定意见", required=True)
    assignment = _assignment_for(move, assignment, errors)
    if assignment is not None and (
        assignment.status != Assignment.Status.RETURNED or assignment.role != AssignmentRole.LEAD
    ):
        errors["assignment"] = "只能对主办单位的退回进行裁定"
    organisation = organisation or (assignment.organisation if assignment else None)
    if organisation is None and "assignment" not in errors:
        errors["organisation"] = "请指定承办单位"
    _check(errors)
    # A body already assisting that the street names as lead leaves its assisting role for the lead one.
    promoted = list(move.case.assignments.filter(
        organisation=organisation, role=AssignmentRole.ASSIST, status__in=Assignment.ACTIVE
    ))
    for assist in promoted:
        _step_assignment(assist, "withdraw", withdrawn_at=move.now)
    created = _new_assignments(
        move, [AssigneeSpec(organisation=organisation, role=AssignmentRole.LEAD)], errors, arbitrated=True
    )
    if "assignees" in errors:
        errors["organisation"] = errors.pop("assignees")
    _check(errors)
    move.apply(edge, assignment=created[0], note=note, data={
        "disputed_assignment": assignment.pk, "upheld_return": organisation.pk != assignment.organisation_id,
        "assignments": _assignment_data(created), "withdrawn_assist": [a.pk for a in promoted],
    })
    return move.finish()


