"""The transition table, tested from the table itself: every edge from every source status is taken
through its service, and every (action, status) pair the table does not allow is refused.

A new row in `cases.workflow.TABLE` is picked up by the parametrisation; without a way to take it
below (`PERFORM`), its test fails instead of being skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services, workflow
from cases.api import ARGUMENTS
from cases.models import Case, CaseEvent, Extension, Kind, ReporterNotice
from cases.services import AssigneeSpec
from cases.workflow import SAME, TABLE, Edge, StaleVersion, Status, TransitionNotAllowed, Who
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PEOPLE_EDGES = [edge for edge in TABLE if not edge.automatic]
EDGE_CASES = [
    pytest.param(edge, source, id=f"{edge.action}{'-' + edge.when if edge.when else ''}-from-{source}")
    for edge in PEOPLE_EDGES for source in sorted(edge.sources)
]
FORBIDDEN = [
    pytest.param(action, status, id=f"{action}-from-{status}")
    for action in workflow.ACTIONS for status in Status.values if not workflow.is_allowed(action, status)
]


def _needs_whistle(edge: Edge) -> bool:
    return edge.action in ("report_in", "score")


def _perform(flow, case: Case, edge: Edge) -> tuple[object, Case]:
    """Take `edge` from `case`'s status as an actor the edge allows; returns (actor, case after)."""
    u, w = flow.u, flow.w
    v = case.version
    staff = u["community"]
    action, when = edge.action, edge.when
    if action == "classify":
        return staff, services.case_classify(case=case, actor=staff, expected_version=v, category=w.category)
    if action == "reject":
        return staff, services.case_reject(case=case, actor=staff, expected_version=v, reason="重复反映")
    if action == "merge":
        survivor = flow.submit(title="东街路灯不亮")
        return staff, services.case_merge(case=case, actor=staff, expected_version=v, survivor=survivor)
    if action == "dispatch":
        # From 已立案 a lead is named; later, an assisting body is added (追加派遣).
        spec = AssigneeSpec(organisation=w.dept) if case.status == Status.REGISTERED else AssigneeSpec(
            organisation=w.property_company, role="assist"
        )
        return staff, services.case_dispatch(case=case, actor=staff, expected_version=v, assignees=[spec])
    if action == "accept":
        pending = case.assignments.filter(status="pending").order_by("-role").first()
        actor = u["dept"] if pending.organisation_id == w.dept.pk else u["dept2"]
        return actor, services.case_accept(case=case, actor=actor, expected_version=v, assignment=pending)
    if action == "return":
        assignment = flow.lead(case) if when == "lead" else flow.assist(case)
        actor = u["dept"] if when == "lead" else u["dept2"]
        return actor, services.case_return(
            case=case, actor=actor, expected_version=v, assignment=assignment, reason="不属于本单位职责"
        )
    if action == "arbitrate":
        case = flow.dispatch(case)
        case = services.case_return(
            case=case, actor=u["dept"], expected_version=case.version, assignment=flow.lead(case), reason="非本单位职责"
        )
        returned = case.assignments.get(status="returned")
        return u["street"], services.case_arbitrate(
            case=case, actor=u["street"], expected_version=case.version, assignment=returned, note="仍由住建局主办"
        )
    if action == "request_extension":
        lead = flow.lead(case)
        return u["dept"], services.case_request_extension(
            case=case, actor=u["dept"], expected_version=v, assignment=lead,
            requested_due=lead.finish_due + dt.timedelta(days=5), reason="需要采购配件",
        )
    if action in ("grant_extension", "refuse_extension"):
        lead = flow.lead(case)
        case = services.case_request_extension(
            case=case, actor=u["dept"], expected_version=v, assignment=lead,
            requested_due=lead.finish_due + dt.timedelta(days=5), reason="需要采购配件",
        )
        extension = Extension.objects.get(assignment=lead)
        service = services.case_grant_extension if action == "grant_extension" else services.case_refuse_extension
        extra = {"note": "同意"} if action == "grant_extension" else {"reason": "期限内可以完成"}
        return staff, service(case=case, actor=staff, expected_version=case.version, extension=extension, **extra)
    if action == "note":
        return staff, services.case_note(case=case, actor=staff, expected_version=v, note="已电话联系反映人")
    if action == "reply":
        if when == "assist":
            case = flow.accept(case, flow.assist(case))
        assignment = flow.lead(case) if when == "lead" else flow.assist(case)
        actor = u["dept"] if when == "lead" else u["dept2"]
        return actor, services.case_reply(
            case=case, actor=actor, expected_version=case.version, assignment=assignment, reply="已处理完毕"
        )
    if action == "verify":
        return staff, services.case_verify(case=case, actor=staff, expected_version=v, note="现场核查已修复")
    if action == "rework":
        return staff, services.case_rework(case=case, actor=staff, expected_version=v, reason="现场仍不亮")
    if action == "close":
        return staff, services.case_close(case=case, actor=staff, expected_version=v)
    if action == "rate":
        return u["resident"], services.case_rate(case=case, actor=u["resident"], expected_version=v, result="satisfied")
    if action == "escalate":
        return staff, services.case_escalate(
            case=case, actor=staff, expected_version=v, meeting="residents_representatives"
        )
    if action == "resume":
        return staff, services.case_resume(
            case=case, actor=staff, expected_version=v, decision=when, note="会议决定由住建局牵头"
        )
    if action == "whistle":
        return staff, flow.whistle(case)
    if action == "report_in":
        summons = case.whistles.get().summons.get()
        return u["community"], services.case_report_in(case=case, actor=staff, expected_version=v, summons=summons)
    if action == "score":
        summons = case.whistles.get().summons.get()
        return staff, services.case_score(case=case, actor=staff, expected_version=v, summons=summons, score=4)
    if action == "transfer_owner":
        return staff, services.case_transfer_owner(
            case=case, actor=staff, expected_version=v, owner=u["clerk2"], reason="轮岗交接"
        )
    raise AssertionError(f"no way to take edge {edge.action}/{edge.when} in this test")


@pytest.mark.parametrize("edge, source", EDGE_CASES)
def test_every_edge_is_taken_through_its_service_and_logged(flow, edge, source):
    case = flow.reach(source, whistle=_needs_whistle(edge))
    assert case.status == source
    actor, after = _perform(flow, case, edge)
    assert after.status == edge.target_from(source)
    assert after.version > case.version
    event = after.events.filter(action=edge.action).order_by("-seq").first()
    assert event is not None
    assert event.to_status == after.status
    assert event.actor == actor
    assert event.actor_label
    assert event.data["edge"] == edge.label
    # Seqs stay gapless: nothing was written out of order or lost.
    seqs = list(after.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    if edge.notice:
        assert ReporterNotice.objects.filter(event=event).exists()
    # The audit log has the move too, by the same actor, written in the same transaction as the event
    # (ratings and whistle scores, the case's evaluations, are edges like any other).
    audit = AuditEvent.objects.filter(target_id=str(after.pk), reason=edge.label).order_by("-id").first()
    assert audit is not None, f"no audit row for {edge.action}/{edge.label}"
    assert audit.action == AuditEvent.Action.UPDATE and audit.outcome == "success"
    assert audit.actor_id == (actor.pk if actor is not None else None)


@pytest.mark.parametrize("action, status", FORBIDDEN)
def test_every_move_the_table_forbids_is_refused_and_nothing_is_written(flow, action, status):
    case = flow.reach(status)
    events_before = CaseEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        services.TRANSITIONS[action](case=case, actor=flow.u["county"], expected_version=case.version)
    assert Case.objects.get(pk=case.pk).version == case.version
    assert CaseEvent.objects.count() == events_before


@pytest.mark.parametrize("action", workflow.ACTIONS)
def test_the_version_is_checked_before_anything_else(flow, action):
    case = flow.reach(Status.RECEIVED)
    with pytest.raises(StaleVersion):
        # Wrong version, and for most actions a wrong status, actor and no inputs: the version wins.
        services.TRANSITIONS[action](case=case, actor=None, expected_version=case.version + 7)


def test_every_action_of_the_table_has_a_service_and_an_api_mapping():
    assert set(workflow.ACTIONS) == set(services.TRANSITIONS) == set(ARGUMENTS)
    assert set(workflow.ACTIONS) <= set(workflow.ACTION_LABELS)


def test_rows_sharing_an_action_and_a_status_are_told_apart_by_when():
    for action in workflow.ACTIONS:
        for status in Status.values:
            for automatic in (False, True):
                rows = workflow.edges_from(action, status, automatic=automatic)
                if len(rows) > 1:
                    whens = [row.when for row in rows]
                    assert all(whens) and len(set(whens)) == len(whens), (action, status)


def test_automatic_rows_are_for_the_system_only_and_final_statuses_have_no_way_out():
    for edge in TABLE:
        assert (Who.SYSTEM in edge.who) == edge.automatic
        assert edge.target == SAME or edge.target in Status.values
    assert workflow.allowed_actions(Status.REJECTED) == []
    assert workflow.allowed_actions(Status.MERGED) == []
    # A rated case is done; only the summoned departments' scores may still be given.
    assert workflow.allowed_actions(Status.RATED) == ["score"]
    assert len(workflow.describe()) == len(TABLE)


def test_first_unsatisfied_rating_sends_the_case_back_and_a_second_puts_it_on_a_meeting(flow):
    case = flow.reach(Status.CLOSED)
    case = flow.rate(case, "unsatisfied")
    assert case.status == Status.IN_PROGRESS
    assert case.rework_count == 1
    assert case.closed_at is None
    actions = list(case.events.order_by("-seq").values_list(
        "action", "from_status", "to_status", "actor", "actor_label")[:2])
    resident = flow.u["resident"]
    # The automatic 返工 is shown as the system's step, and still names the resident whose rating set it off.
    assert actions == [
        ("rework", Status.RATED, Status.IN_PROGRESS, resident.pk, "系统"),
        ("rate", Status.CLOSED, Status.RATED, resident.pk, actions[1][4]),
    ]
    rework_audit = AuditEvent.objects.filter(target_id=str(case.pk), reason="不满意返工").get()
    assert rework_audit.actor_id == resident.pk
    assert flow.lead(case).status == "accepted"
    case = flow.close(flow.verify(flow.reply(case)))
    case = flow.rate(case, "unsatisfied")
    assert case.status == Status.ESCALATED
    assert case.escalated_to == "joint_meeting"
    assert case.rework_count == 1
    assert case.ratings.count() == 2
    assert case.events.order_by("-seq").first().action == "escalate"


def test_a_satisfied_rating_after_rework_ends_the_case(flow):
    case = flow.rate(flow.reach(Status.CLOSED), "unsatisfied")
    case = flow.rate(flow.close(flow.verify(flow.reply(case))), "basically_satisfied")
    assert case.status == Status.RATED


def test_a_lead_return_sends_the_case_back_and_an_assist_return_does_not(flow):
    case = flow.reach(Status.IN_PROGRESS)
    case = services.case_return(
        case=case, actor=flow.u["dept2"], expected_version=case.version, assignment=flow.assist(case),
        reason="不涉及本单位",
    )
    assert case.status == Status.IN_PROGRESS
    case = services.case_return(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=flow.lead(case),
        reason="应由城管负责",
    )
    assert case.status == Status.REGISTERED
    assert case.assignments.filter(status="returned").count() == 2


def test_an_arbitrated_lead_cannot_return_the_case_again(flow):
    from django.core.exceptions import ValidationError

    case = flow.dispatch(flow.reach(Status.REGISTERED))
    case = services.case_return(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=flow.lead(case), reason="非本单位",
    )
    returned = case.assignments.get(status="returned")
    case = services.case_arbitrate(
        case=case, actor=flow.u["street"], expected_version=case.version, assignment=returned,
        organisation=flow.w.dept2, note="由城管局主办",
    )
    lead = flow.lead(case)
    assert lead.organisation == flow.w.dept2 and lead.arbitrated
    assert case.events.order_by("-seq").first().data["upheld_return"] is True
    with pytest.raises(ValidationError) as exc:
        services.case_return(
            case=case, actor=flow.u["dept2"], expected_version=case.version, assignment=lead, reason="不归我们",
        )
    assert "assignment" in exc.value.message_dict


def test_a_granted_extension_moves_the_deadlines_and_is_recorded(flow):
    case = flow.reach(Status.IN_PROGRESS)
    lead = flow.lead(case)
    new_due = lead.finish_due + dt.timedelta(days=10)
    case = services.case_request_extension(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=lead, requested_due=new_due,
        reason="需要招标",
    )
    assert case.status == Status.IN_PROGRESS
    extension = Extension.objects.get()
    case = services.case_grant_extension(
        case=case, actor=flow.u["community"], expected_version=case.version, extension=extension,
    )
    extension.refresh_from_db()
    assert extension.status == "granted" and extension.decided_by == flow.u["community"]
    assert flow.lead(case).finish_due == new_due
    assert case.finish_due == new_due


def test_resume_to_continue_asks_every_body_to_report_in_again(flow):
    case = flow.accept(flow.reach(Status.DISPATCHED))
    case = services.case_escalate(
        case=case, actor=flow.u["community"], expected_version=case.version, meeting="party_members", note="涉及多方",
    )
    case = services.case_resume(
        case=case, actor=flow.u["community"], expected_version=case.version, decision="continue", note="住建局继续",
    )
    assert case.status == Status.DISPATCHED
    assert set(case.assignments.values_list("status", flat=True)) == {"pending"}


def test_resume_to_redispatch_withdraws_the_bodies(flow):
    case = flow.reach(Status.ESCALATED)
    case = services.case_resume(
        case=case, actor=flow.u["community"], expected_version=case.version, decision="redispatch", note="另行派遣",
    )
    assert case.status == Status.REGISTERED
    assert set(case.assignments.values_list("status", flat=True)) == {"withdrawn"}


def test_classify_starts_the_clocks_and_records_the_suggested_departments(flow):
    case = flow.classify(flow.submit())
    assert case.urgency == flow.w.general
    assert case.response_due > timezone.now() and case.finish_due > case.response_due
    event = case.events.get(action="classify")
    assert event.data["suggested_lead"] == flow.w.dept.pk
    assert event.data["suggested_assisting"] == [flow.w.dept2.pk]
    assert case.owner == flow.u["community"]


def test_whistle_in_an_emergency_gives_thirty_minutes_otherwise_the_setting(flow, settings):
    case = flow.whistle(flow.submit(), reasons=["emergency"])
    summons = case.whistles.get().summons.get()
    assert summons.report_in_due - summons.whistle.blown_at == dt.timedelta(minutes=30)
    settings.WHISTLE_REPORT_IN_MINUTES = 90
    case = flow.whistle(case, organisations=[flow.w.dept2], reasons=["beyond_power", "needs_enforcement"])
    summons = case.whistles.order_by("-id").first().summons.get()
    assert summons.report_in_due - summons.whistle.blown_at == dt.timedelta(minutes=90)


def test_difficulties_can_be_matched_to_a_helper_party_member(flow):
    from organisations.models import PartyMember

    member = PartyMember.objects.get(person__name="党员甲")
    case = flow.classify(flow.submit(kind=Kind.DIFFICULTY, target_group="elderly", title="独居老人需要助餐"))
    case = services.case_dispatch(
        case=case, actor=flow.u["community"], expected_version=case.version,
        assignees=[AssigneeSpec(party_member=member)],
    )
    assignment = case.assignments.get()
    case = services.case_accept(case=case, actor=flow.u["member"], expected_version=case.version, assignment=assignment)
    assert case.status == Status.IN_PROGRESS


def test_a_problem_cannot_be_given_to_a_helper_party_member(flow):
    from django.core.exceptions import ValidationError

    from organisations.models import PartyMember

    case = flow.reach(Status.REGISTERED)
    with pytest.raises(ValidationError) as exc:
        services.case_dispatch(
            case=case, actor=flow.u["community"], expected_version=case.version,
            assignees=[AssigneeSpec(party_member=PartyMember.objects.get())],
        )
    assert exc.value.message_dict["assignees"] == ["帮扶党员只能承办困难类事项"]


def test_a_merge_moves_the_survivor_along_its_own_edge_with_an_audit_row(flow):
    staff = flow.u["community"]
    survivor = flow.dispatch(flow.classify(flow.submit(title="东街路灯不亮")))
    duplicate = flow.submit(contact_phone="13900003333")
    services.case_merge(case=duplicate, actor=staff, expected_version=duplicate.version, survivor=survivor,
                        note="同一盏路灯")
    after = Case.objects.get(pk=survivor.pk)
    assert after.status == Status.DISPATCHED and after.version == survivor.version + 1
    event = after.events.order_by("-seq").first()
    assert (event.action, event.from_status, event.to_status) == ("merge", Status.DISPATCHED, Status.DISPATCHED)
    assert event.actor_id == staff.pk and event.actor_label != "系统"
    assert event.data["edge"] == "合并（保留事项）" and event.data["merged"] == duplicate.pk
    audit = AuditEvent.objects.get(target_id=str(survivor.pk), reason="合并（保留事项）")
    assert audit.actor_id == staff.pk and audit.changes["version"] == [survivor.version, survivor.version + 1]
    # The survivor's reporters now include the duplicate's.
    assert after.reporters.count() == 2


def test_the_status_groups_split_the_statuses_the_way_the_figures_count_them():
    assert workflow.OPEN_STATUSES.isdisjoint(workflow.ENDED_STATUSES)
    assert workflow.OPEN_STATUSES | workflow.ENDED_STATUSES == set(Status.values)
    # 办结 is closed, rated or not; a refused or merged case ended without being solved.
    assert workflow.SOLVED_STATUSES == {Status.CLOSED, Status.RATED}
    assert workflow.ENDED_STATUSES - workflow.SOLVED_STATUSES == {Status.REJECTED, Status.MERGED}
    # Every final status has ended; a closed case still waits for its rating.
    assert workflow.FINAL_STATUSES < workflow.ENDED_STATUSES
