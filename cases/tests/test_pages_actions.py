"""Every action form of the case page, posted through the view: the case moves, the page redirects with a
message, and refusals (a stale version, a move the table forbids, bad input) are shown without a change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from cases import services
from cases.models import Assignment, AssignmentRole, Case, CaseEvent, Extension, Kind, Rating, WhistleSummons
from cases.workflow import Status
from conftest import PASSWORD

from .conftest import png

pytestmark = pytest.mark.django_db


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def act(client, case: Case, action: str, *, version: int | None = None, **fields):
    """POST the action's form as the page renders it: prefixed fields and the case's version."""
    data = {f"{action}-version": fresh(case).version if version is None else version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("cases:transition", args=[case.pk, action]), data)


def moved(client, case: Case, action: str, **fields) -> Case:
    """Post the action, expect the redirect back to the case with a success message, return the case."""
    response = act(client, case, action, **fields)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert "已完成" in client.get(response["Location"]).content.decode()
    return fresh(case)


def test_classify(client, flow, world):
    case = flow.submit()
    login(client, "community")
    case = moved(client, case, "classify", category=world.subcategory.pk, urgency=world.emergency.pk,
                 request_type="complaint", note="按路灯归类")
    assert case.status == Status.REGISTERED and case.category == world.subcategory
    assert case.urgency == world.emergency and case.request_type == "complaint" and case.finish_due is not None


def test_the_urgency_choice_shows_each_level_s_time_limits(client, flow, world):
    case = flow.submit()
    login(client, "community")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "紧急（1小时内响应，2小时内办结）" in page  # the world's 紧急: 1 h to respond, 2 h to finish


def test_reject(client, flow):
    case = flow.submit()
    login(client, "community")
    case = moved(client, case, "reject", reason="属于民事纠纷，请通过诉讼解决")
    assert case.status == Status.REJECTED and case.public_note == "属于民事纠纷，请通过诉讼解决"


def test_merge_by_the_survivors_tracking_code(client, flow):
    survivor = flow.classify(flow.submit(title="同一盏路灯"))
    case = flow.submit()
    login(client, "community")
    case = moved(client, case, "merge", survivor=survivor.tracking_code.lower(), note="同一盏路灯")
    assert case.status == Status.MERGED and case.merged_into_id == survivor.pk


def test_merge_into_a_case_out_of_scope_is_refused_next_to_the_field(client, flow, world):
    other = flow.submit(actor=flow.u["community2"], region=world.tree.west, reporter_user=None)
    case = flow.submit()
    login(client, "community")
    response = act(client, case, "merge", survivor=other.tracking_code)
    assert response.status_code == 200
    assert "未找到该查询码的事项，或该事项不在您的辖区内" in response.content.decode()
    assert fresh(case).status == Status.RECEIVED


def test_the_dispatch_form_is_prefilled_with_the_categorys_bodies(client, flow, world):
    case = flow.classify(flow.submit())
    login(client, "community")
    form = client.get(reverse("cases:detail", args=[case.pk])).context["action_forms"]
    dispatch = next(item["form"] for item in form if item["action"] == "dispatch")
    assert dispatch["lead"].value() == f"org:{world.dept.pk}"
    assert dispatch["assisting"].value() == [f"org:{world.dept2.pk}"]


def test_dispatch_to_a_lead_and_an_assisting_body(client, flow, world):
    case = flow.classify(flow.submit())
    login(client, "community")
    case = moved(client, case, "dispatch", lead=f"org:{world.dept.pk}",
                 assisting=[f"org:{world.dept2.pk}", f"org:{world.property_company.pk}"], note="请按期办理")
    assert case.status == Status.DISPATCHED
    roles = {(a.organisation_id, a.role) for a in case.assignments.all()}
    assert roles == {(world.dept.pk, "lead"), (world.dept2.pk, "assist"), (world.property_company.pk, "assist")}


def test_a_service_refusal_is_shown_next_to_the_dispatch_field(client, flow, world):
    case = flow.classify(flow.submit())
    login(client, "community")
    response = act(client, case, "dispatch", assisting=[f"org:{world.dept2.pk}"])
    assert response.status_code == 200
    text = response.content.decode()
    assert "请指定一个主办单位" in text and 'id="id_dispatch-lead_error"' in text
    assert '<details id="action-dispatch" open>' in text
    assert fresh(case).status == Status.REGISTERED and not case.assignments.exists()


def test_a_difficulty_goes_to_a_helper_party_member_who_accepts_it(client, flow, world):
    case = flow.classify(flow.submit(kind=Kind.DIFFICULTY, target_group="elderly", title="独居老人助餐"))
    member = flow.u["member"].person.party_member
    login(client, "community")
    case = moved(client, case, "dispatch", lead=f"pm:{member.pk}")
    assignment = case.assignments.get()
    assert assignment.party_member == member
    login(client, "member")
    assert {a.pk for a in client.get(reverse("cases:handling_list")).context["page"].object_list} == {assignment.pk}
    case = moved(client, case, "accept", assignment=assignment.pk, note="今天中午送餐")
    assert case.status == Status.IN_PROGRESS


def test_accept(client, flow):
    case = flow.reach(Status.DISPATCHED)
    login(client, "dept")
    case = moved(client, case, "accept", assignment=flow.lead(case).pk, note="已到现场")
    assert case.status == Status.IN_PROGRESS
    assert flow.lead(case).status == Assignment.Status.ACCEPTED


def test_a_department_cannot_accept_another_departments_assignment(client, flow):
    case = flow.reach(Status.DISPATCHED)
    login(client, "dept")
    response = act(client, case, "accept", assignment=flow.assist(case).pk)
    assert response.status_code == 200 and "所选项目已失效" in response.content.decode()
    assert flow.assist(case).status == Assignment.Status.PENDING


def test_return_by_the_lead_sends_the_case_back_to_be_dispatched(client, flow):
    case = flow.reach(Status.DISPATCHED)
    lead = flow.lead(case)
    login(client, "dept")
    case = moved(client, case, "return", assignment=lead.pk, reason="不属于住建局职责，应由城管局办理")
    assert case.status == Status.REGISTERED
    assert Assignment.objects.get(pk=lead.pk).status == Assignment.Status.RETURNED


def test_the_street_arbitrates_a_disputed_return(client, flow, world):
    case = flow.reach(Status.DISPATCHED)
    lead = flow.lead(case)
    case = services.case_return(case=case, actor=flow.u["dept"], expected_version=case.version, assignment=lead,
                                reason="不是我们的")
    login(client, "community")
    assert "arbitrate" not in [i["action"] for i in
                               client.get(reverse("cases:detail", args=[case.pk])).context["action_forms"]]
    login(client, "street")
    case = moved(client, case, "arbitrate", assignment=lead.pk, note="路灯归住建局管理，由住建局主办")
    assert case.status == Status.DISPATCHED
    assert case.assignments.get(role=AssignmentRole.LEAD, status=Assignment.Status.PENDING).arbitrated


def test_reply_with_a_photo(client, flow, media_root):
    case = flow.reach(Status.IN_PROGRESS)
    login(client, "dept")
    response = client.post(reverse("cases:transition", args=[case.pk, "reply"]), {
        "reply-version": case.version, "reply-assignment": flow.lead(case).pk, "reply-reply": "已更换灯泡",
        "reply-photos": [png("after.png")],
    })
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == Status.REPLIED and case.public_note == "已更换灯泡"
    assert case.attachments.get().assignment_id == flow.lead(case).pk


def test_verify(client, flow):
    case = flow.reach(Status.REPLIED)
    login(client, "community")
    assert moved(client, case, "verify", note="现场查看已亮").status == Status.VERIFIED


def test_rework_when_the_check_fails(client, flow):
    case = flow.reach(Status.REPLIED)
    login(client, "community")
    case = moved(client, case, "rework", reason="现场查看仍不亮")
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1


def test_close(client, flow):
    case = flow.reach(Status.VERIFIED)
    login(client, "community")
    case = moved(client, case, "close", note="已办结")
    assert case.status == Status.CLOSED and case.closed_at is not None


def test_staff_record_a_rating_given_at_the_counter(client, flow):
    case = flow.reach(Status.CLOSED)
    login(client, "community")
    case = moved(client, case, "rate", result="basically_satisfied", comment="修得慢了点")
    assert case.status == Status.RATED
    rating = Rating.objects.get(case=case)
    assert rating.recorded_by_staff and rating.rated_by == flow.u["community"]


def test_an_unsatisfied_rating_recorded_by_staff_sends_the_case_back(client, flow):
    case = flow.reach(Status.CLOSED)
    login(client, "community")
    case = moved(client, case, "rate", result="unsatisfied", comment="还是不亮")
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1


def test_escalate_and_resume(client, flow):
    case = flow.reach(Status.DISPATCHED)
    login(client, "community")
    case = moved(client, case, "escalate", meeting="residents_representatives", note="涉及多方，提交居民代表会议")
    assert case.status == Status.ESCALATED and case.escalated_to == "residents_representatives"
    case = moved(client, case, "resume", decision="continue", note="会议决定由住建局继续办理")
    assert case.status == Status.DISPATCHED
    assert flow.lead(case).status == Assignment.Status.PENDING


def test_resume_to_redispatch(client, flow):
    case = flow.reach(Status.ESCALATED)
    login(client, "community")
    case = moved(client, case, "resume", decision="redispatch", note="重新派遣")
    assert case.status == Status.REGISTERED


def test_whistle_summons_departments(client, flow, world):
    case = flow.submit()
    login(client, "community")
    case = moved(client, case, "whistle", reasons=["needs_enforcement", "emergency"],
                 organisations=[str(world.dept3.pk), str(world.dept2.pk)], note="占道经营")
    whistle = case.whistles.get()
    assert set(whistle.reasons) == {"needs_enforcement", "emergency"}
    assert {s.organisation_id for s in whistle.summons.all()} == {world.dept3.pk, world.dept2.pk}
    due = whistle.summons.first().report_in_due
    assert dt.timedelta(minutes=29) < due - whistle.blown_at <= dt.timedelta(minutes=30)


def test_a_summoned_department_reports_in(client, flow, world):
    case = flow.whistle(flow.submit())
    User.objects.create_user(username="dept3", password=PASSWORD, role=Role.DEPARTMENT_HANDLER,
                             organisation=world.dept3)
    summons = WhistleSummons.objects.get(whistle__case=case)
    login(client, "dept3")
    moved(client, case, "report_in", summons=summons.pk, note="执法队员已到场")
    summons.refresh_from_db()
    assert summons.reported_at is not None and summons.reported_on_time


def test_the_community_scores_a_summoned_department_after_closure(client, flow, world):
    case = flow.reach(Status.CLOSED, whistle=True)
    summons = WhistleSummons.objects.get(whistle__case=case)
    login(client, "community")
    moved(client, case, "score", summons=summons.pk, score="4", comment="到场及时")
    summons.refresh_from_db()
    assert summons.score == 4 and summons.score_comment == "到场及时"


def test_request_and_grant_an_extension(client, flow):
    case = flow.reach(Status.IN_PROGRESS)
    lead = flow.lead(case)
    wanted = timezone.localtime(lead.finish_due + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    login(client, "dept")
    moved(client, case, "request_extension", assignment=lead.pk, requested_due=f"{wanted:%Y-%m-%dT%H:%M}",
          reason="需要采购配件")
    extension = Extension.objects.get(assignment=lead)
    assert extension.status == Extension.Status.REQUESTED and extension.requested_due == wanted
    login(client, "community")
    case = moved(client, case, "grant_extension", extension=extension.pk, note="同意")
    extension.refresh_from_db()
    assert extension.status == Extension.Status.GRANTED
    assert flow.lead(case).finish_due == wanted and case.finish_due == wanted


def test_refuse_an_extension(client, flow):
    case = flow.reach(Status.IN_PROGRESS)
    lead = flow.lead(case)
    case = services.case_request_extension(
        case=case, actor=flow.u["dept"], expected_version=case.version, assignment=lead,
        requested_due=lead.finish_due + dt.timedelta(days=3), reason="人手不足",
    )
    login(client, "community")
    moved(client, case, "refuse_extension", extension=Extension.objects.get().pk, reason="可调配人手，按期完成")
    assert Extension.objects.get().status == Extension.Status.REFUSED


def test_an_extension_date_in_a_wrong_format_is_explained(client, flow):
    case = flow.reach(Status.IN_PROGRESS)
    login(client, "dept")
    response = act(client, case, "request_extension", assignment=flow.lead(case).pk, requested_due="下周",
                   reason="需要时间")
    assert response.status_code == 200 and "请按“年-月-日 时:分”填写时间" in response.content.decode()
    assert not Extension.objects.exists()


def test_note_and_transfer_of_the_owner(client, flow):
    case = flow.reach(Status.DISPATCHED)
    login(client, "grid")
    case = moved(client, case, "note", note="网格员回访：居民反映夜间仍不亮")
    assert case.events.filter(action="note").count() == 1
    login(client, "community")
    case = moved(client, case, "transfer_owner", owner=flow.u["clerk2"].pk, reason="调岗")
    assert case.owner == flow.u["clerk2"] and case.status == Status.DISPATCHED


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------


def test_a_stale_version_is_explained_keeps_what_was_typed_and_changes_nothing(client, flow):
    case = flow.submit()
    login(client, "community")
    page = client.get(reverse("cases:detail", args=[case.pk]))
    read_version = page.context["case"].version
    # Meanwhile a colleague writes a note: the case is still received, but it is not what the clerk read.
    services.case_note(case=case, actor=flow.u["clerk2"], expected_version=case.version, note="已电话联系反映人")
    before = fresh(case)
    events = CaseEvent.objects.filter(case=case).count()
    response = act(client, case, "reject", version=read_version, reason="重复反映，已在办理")
    assert response.status_code == 409
    text = response.content.decode()
    assert "该事项已被他人更新，请查看最新内容后重试" in text
    assert "重复反映，已在办理" in text  # kept in the form
    assert "已电话联系反映人" in text  # the refreshed page shows the colleague's note
    assert f'name="reject-version" value="{before.version}"' in text  # a retry uses the fresh version
    after = fresh(case)
    assert (after.status, after.version) == (before.status, before.version) == (Status.RECEIVED, before.version)
    assert CaseEvent.objects.filter(case=case).count() == events
    # The retry from the refreshed page goes through.
    assert moved(client, case, "reject", reason="重复反映，已在办理").status == Status.REJECTED


def test_a_stale_version_for_a_move_no_longer_possible_says_so(client, flow):
    case = flow.submit()
    login(client, "community")
    old = case.version
    flow.classify(case)
    response = act(client, case, "reject", version=old, reason="不予受理")
    assert response.status_code == 409
    text = response.content.decode()
    assert "该事项已被他人更新，请查看最新内容后重试" in text and "已不可用" in text
    assert fresh(case).status == Status.REGISTERED


def test_a_move_the_table_forbids_shows_its_message(client, flow):
    case = flow.submit()
    login(client, "community")
    response = act(client, case, "verify")
    assert response.status_code == 400
    assert "事项当前状态为“已受理”，不能执行“核查通过”" in response.content.decode()
    assert fresh(case).status == Status.RECEIVED


def test_a_move_the_reader_may_not_take_is_refused(client, flow, world):
    case = flow.submit()
    login(client, "dept2")  # not dispatched yet, so the department cannot even open it
    assert act(client, case, "classify", category=world.category.pk).status_code == 404
    case = flow.reach(Status.DISPATCHED)
    response = act(client, case, "classify", category=world.category.pk)
    assert response.status_code == 400
    response = act(client, case, "escalate", meeting="joint_meeting")
    assert response.status_code == 403 and "您不能对该事项执行“提交会议”" in response.content.decode()
    assert fresh(case).status == Status.DISPATCHED


def test_missing_input_is_shown_next_to_the_field(client, flow):
    case = flow.submit()
    login(client, "community")
    response = act(client, case, "reject", reason="  ")
    assert response.status_code == 200
    text = response.content.decode()
    assert "请填写不予受理的原因" in text and 'id="id_reject-reason_error"' in text
    assert fresh(case).status == Status.RECEIVED


def test_html_in_a_note_is_refused_by_the_service_and_shown_on_the_field(client, flow):
    case = flow.submit()
    login(client, "community")
    response = act(client, case, "note", note="<script>alert(1)</script>")
    assert response.status_code == 200
    assert "不能包含 HTML 标签或脚本" in response.content.decode()
    assert not case.events.filter(action="note").exists()


def test_a_get_on_an_action_is_not_allowed(client, flow):
    case = flow.submit()
    login(client, "community")
    assert client.get(reverse("cases:transition", args=[case.pk, "reject"])).status_code == 405
