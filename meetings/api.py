"""REST API of bodies, meetings and matters (四议两公开), with the scoping, error shape and cursor paging of
the rest of /api/v1/.

- `GET /bodies`, `GET /meetings`, `POST /meetings`, `GET /meetings/{id}`,
  `POST /meetings/{id}/transitions` (`open`, `close`, `cancel`), `POST /meetings/{id}/attendance`,
  `POST /meetings/{id}/votes`, `GET /meetings/{id}/proposals` (the cases the system proposes for the
  agenda, each with its reasons), `POST /meetings/{id}/agenda` (a case onto the agenda, escalated or heard);
- `GET /matters`, `POST /matters`, `GET /matters/{id}`, `POST /matters/{id}/transitions`
  (`{"action", "version", "meeting"}`): a jump the table forbids answers 400 `transition_not_allowed`, a
  missed quorum 400 `quorum_not_met`, a vote that did not carry 400 `not_adopted`, a stale version 409
  `stale_version`; nothing changes on any of them.

An object outside the caller's scope is 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from ninja import Field, Query, Router, Schema, Status

from cases.selectors import case_visible
from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RecordId, RegionBrief, region_ref
from core.pii import mask_text
from regions.selectors import region_visible_by_code

from . import selectors, services
from .models import AgendaItem, Attendance, Body, Matter, Meeting, ResolutionTask
from .workflow import MATTER_ACTIONS, MEETING_ACTIONS, StaleVersion

router = Router(tags=["meetings"])
tasks_router = Router(tags=["meetings"])
matters_router = Router(tags=["matters"])
bodies_router = Router(tags=["meetings"])
tasks_router = Router(tags=["meetings"])

NOT_FOUND = "会议不存在或无权访问"
MATTER_NOT_FOUND = "重大事项不存在或无权访问"


# --------------------------------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------------------------------


class BodyOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region: RegionBrief
    members: int = Field(description="现有成员数")
    minutes_public: bool = Field(description="会议纪要公开：居民端显示其已召开会议的公开摘要")


class BodyListOut(Schema):
    items: list[BodyOut]
    next_cursor: str | None


def _body_out(body: Body) -> dict:
    return {"id": body.pk, "kind": body.kind, "kind_label": body.get_kind_display(), "name": body.name,
            "region": region_ref(body.region), "members": body.member_count,
            "minutes_public": body.minutes_public}


@bodies_router.get("", response={200: BodyListOut, 400: ErrorOut})
def list_bodies(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The bodies that meet in the caller's scope."""
    current = Q(roll__archived_at__isnull=True, roll__left_on__isnull=True)
    bodies = selectors.bodies_visible_to(request.user).annotate(member_count=Count("roll", filter=current))
    page = paginate(bodies, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_body_out(body) for body in page.rows], "next_cursor": page.next_cursor}


# --------------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    title: str
    organisation: int
    organisation_name: str
    case: int | None
    due: dt.datetime = Field(description="完成期限（工作日计算）")
    progress: int = Field(description="进度（%）")
    done: bool
    version: int


def _task_out(task: ResolutionTask) -> dict:
    return {"id": task.pk, "title": task.title, "organisation": task.organisation_id,
            "organisation_name": task.organisation.name, "case": task.case_id, "due": task.due,
            "progress": task.progress, "done": task.done, "version": task.version}


class AgendaItemOut(Schema):
    id: int
    order: int
    title: str
    matter: int | None
    case: int | None = Field(description="提交会议的事项 id")
    follows_task: int | None = Field(description="督办的上次决议任务 id")
    tasks: list[TaskOut]
    in_favour: int | None = Field(description="赞成")
    against: int | None = Field(description="反对")
    abstained: int | None = Field(description="弃权")
    resolution: str


class MeetingOut(Schema):
    id: int
    title: str
    body: int
    body_name: str
    body_kind: str
    scheduled_at: dt.datetime
    place: str
    status: str
    status_label: str
    version: int
    allowed_actions: list[str]
    expected: int = Field(description="应到（开会时确定）")
    present: int = Field(description="实到")
    excused: int = Field(description="请假")
    proxies: int = Field(description="委托")
    agenda: list[AgendaItemOut]


class MeetingListOut(Schema):
    items: list[MeetingOut]
    next_cursor: str | None


def _meeting_out(meeting: Meeting) -> dict:
    statuses = [seat.status for seat in meeting.attendance.all()]
    return {
        "id": meeting.pk, "title": meeting.title, "body": meeting.body_id, "body_name": meeting.body.name,
        "body_kind": meeting.body.kind, "scheduled_at": meeting.scheduled_at, "place": meeting.place,
        "status": meeting.status, "status_label": meeting.get_status_display(), "version": meeting.version,
        "allowed_actions": selectors.meeting_actions(meeting), "expected": len(statuses),
        "present": statuses.count(Attendance.Status.PRESENT), "excused": statuses.count(Attendance.Status.EXCUSED),
        "proxies": statuses.count(Attendance.Status.PROXY),
        "agenda": [
            {"id": item.pk, "order": item.order, "title": mask_text(item.title), "matter": item.matter_id,
             "case": item.case_id, "follows_task": item.follows_task_id,
             "tasks": [_task_out(task) for task in item.tasks.all()],
             "in_favour": item.in_favour, "against": item.against, "abstained": item.abstained,
             "resolution": mask_text(item.resolution)}
            for item in meeting.agenda.all()
        ],
    }


def _meeting(request, meeting_id: int) -> Meeting:
    meeting = selectors.meetings_visible_to(request.user).filter(pk=meeting_id).first()
    if meeting is None:
        raise not_found(NOT_FOUND)
    return meeting


@router.get("", response={200: MeetingListOut, 400: ErrorOut})
def list_meetings(
    request,
    body: int | None = Query(None, ge=1, description="议事机构 id"),
    status: str | None = Query(None, max_length=20, description="状态：scheduled、open、closed、cancelled"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Meetings of the bodies in the caller's scope, by id."""
    # One query per kind of row, whatever the page holds.
    qs = selectors.meetings_visible_to(request.user).prefetch_related(
        "attendance", "agenda", Prefetch("agenda__tasks", ResolutionTask.objects.select_related("organisation")),
    )
    if body is not None:
        qs = qs.filter(body_id=body)
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_meeting_out(meeting) for meeting in page.rows], "next_cursor": page.next_cursor}


class AgendaIn(Schema):
    title: str = Field(max_length=150)
    matter: RecordId | None = None


class MeetingIn(Schema):
    body: RecordId
    title: str = Field(max_length=150)
    scheduled_at: dt.datetime
    place: str = Field("", max_length=150)
    agenda: list[AgendaIn] = Field(default_factory=list, max_length=50)
    idempotency_key: str | None = Field(None, max_length=64)


@router.post("", response={201: MeetingOut, 200: MeetingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def schedule_meeting(request, payload: MeetingIn):
    """Give notice of a meeting with its agenda. A retry with the same `idempotency_key` answers 200 with
    the meeting made the first time."""
    body = selectors.bodies_visible_to(request.user).filter(pk=payload.body).first()
    if body is None:
        raise not_found("议事机构不存在或无权访问")
    matters = selectors.matters_visible_to(request.user)
    agenda = []
    for index, item in enumerate(payload.agenda):
        matter = None
        if item.matter is not None:
            matter = matters.filter(pk=item.matter).first()
            if matter is None:
                raise ApiError(400, "invalid", "请求参数不正确", {f"agenda.{index}.matter": [MATTER_NOT_FOUND]})
        agenda.append(services.AgendaSpec(title=item.title, matter=matter))
    with service_errors():
        meeting, created = services.meeting_schedule(
            actor=request.user, body=body, title=payload.title, scheduled_at=payload.scheduled_at,
            place=payload.place, agenda=agenda, idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _meeting_out(meeting))


@router.get("/{meeting_id}", response={200: MeetingOut, 404: ErrorOut})
def get_meeting(request, meeting_id: int):
    """One meeting with its agenda, votes and attendance counts."""
    return _meeting_out(_meeting(request, meeting_id))


class MeetingTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(MEETING_ACTIONS))
    version: int
    minutes: str = Field("", max_length=5000, description="会议记录（散会时必填）")
    public_summary: str = Field("", max_length=5000, description="公开摘要")


@router.post("/{meeting_id}/transitions", response={200: MeetingOut, 400: ErrorOut, 403: ErrorOut,
                                                    404: ErrorOut, 409: ErrorOut})
def meeting_transition(request, meeting_id: int, payload: MeetingTransitionIn):
    """Open (the roll is frozen), close (with the minutes) or cancel a meeting, at the `version` read."""
    meeting = _meeting(request, meeting_id)
    if payload.action not in MEETING_ACTIONS:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    with service_errors():
        meeting = services.meeting_transition(
            actor=request.user, meeting=meeting, action=payload.action, expected_version=payload.version,
            minutes=payload.minutes, public_summary=payload.public_summary,
        )
    return _meeting_out(meeting)


class AttendanceIn(Schema):
    member: RecordId = Field(description="成员 id（名单中的席位）")
    status: str = Field(max_length=10, description="present、excused、proxy 或 absent")


@router.post("/{meeting_id}/attendance", response={200: MeetingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def mark_attendance(request, meeting_id: int, payload: AttendanceIn):
    """The recorder marks a member of the frozen roll; someone not on it is refused."""
    meeting = _meeting(request, meeting_id)
    member = meeting.body.roll.filter(pk=payload.member).first()
    with service_errors():
        if member is None:
            raise ValidationError({"member": ["该成员不在本次会议的应到名单中（名单已在开会时确定）"]})
        services.attendance_mark(actor=request.user, meeting=meeting, member=member, status=payload.status)
    return _meeting_out(meeting)


class VoteIn(Schema):
    item: RecordId = Field(description="议题 id")
    version: int
    in_favour: int = Field(ge=0)
    against: int = Field(ge=0)
    abstained: int = Field(ge=0)
    resolution: str = Field("", max_length=5000)


@router.post("/{meeting_id}/votes", response={200: MeetingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                              409: ErrorOut})
def record_vote(request, meeting_id: int, payload: VoteIn):
    """Record the vote on one agenda item, once: a second recorder at the same version gets 409."""
    meeting = _meeting(request, meeting_id)
    item = AgendaItem(pk=payload.item)
    with service_errors():
        services.vote_record(
            actor=request.user, meeting=meeting, item=item, expected_version=payload.version,
            in_favour=payload.in_favour, against=payload.against, abstained=payload.abstained,
            resolution=payload.resolution,
        )
    return _meeting_out(Meeting.objects.get(pk=meeting.pk))


class CaseToAgendaIn(Schema):
    case: RecordId = Field(description="事项 id")
    note: str = Field("", max_length=2000, description="上会说明")
    escalate: bool = Field(True, description="true：提交会议（上会）；false：列入议程听取民意，事项办理进程不变")


@router.post("/{meeting_id}/agenda", response={200: MeetingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def add_case_to_agenda(request, meeting_id: int, payload: CaseToAgendaIn):
    """提交会议: put a case on the meeting's agenda; a case not yet escalated is escalated with it."""
    meeting = _meeting(request, meeting_id)
    case = case_visible(request.user, payload.case)
    if case is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"case": ["事项不存在或无权访问"]})
    with service_errors():
        services.case_to_agenda(actor=request.user, meeting=meeting, case=case, note=payload.note,
                                escalate=payload.escalate)
    return _meeting_out(meeting)


class ProposalReasonOut(Schema):
    code: str = Field(description="overdue、returned_twice、unsatisfied_twice 或 opinion_window")
    label: str


class ProposalOut(Schema):
    case: int = Field(description="事项 id")
    tracking_code: str
    title: str
    status: str
    region: RegionBrief
    received_at: dt.datetime
    finish_due: dt.datetime | None
    reasons: list[ProposalReasonOut]
    escalates: bool = Field(description="列入议程时是否提交会议（上会）；否则列入议程听取（escalate=false）")


class ProposalListOut(Schema):
    items: list[ProposalOut]
    next_cursor: str | None


@router.get("/{meeting_id}/proposals", response={200: ProposalListOut, 400: ErrorOut, 404: ErrorOut})
def list_proposals(request, meeting_id: int, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """系统建议议题: the cases proposed for the meeting's agenda in the body's region, by id, each with its
    reasons (the window's problems since the body last sat, or the last three months); none once the meeting
    is closed or cancelled. Add one with `POST /meetings/{id}/agenda`."""
    meeting = _meeting(request, meeting_id)
    if meeting.status not in selectors.TAKES_CASES:
        return {"items": [], "next_cursor": None}
    page = paginate(selectors.agenda_proposals(request.user, meeting), BY_ID, cursor=cursor, limit=limit)
    items = []
    for case in page.rows:
        proposal = selectors.proposal_of(meeting, case)
        items.append({
            "case": case.pk, "tracking_code": case.tracking_code, "title": mask_text(case.title),
            "status": case.status, "region": region_ref(case.region), "received_at": case.received_at,
            "finish_due": case.finish_due, "escalates": proposal.escalates,
            "reasons": [{"code": code, "label": label} for code, label in proposal.reason_labels],
        })
    return {"items": items, "next_cursor": page.next_cursor}


class TaskIn(Schema):
    item: RecordId = Field(description="议题 id（须已形成决议）")
    organisation: RecordId = Field(description="责任单位 id")
    title: str = Field(max_length=150)
    working_days: int = Field(ge=1, le=250, description="完成期限：自交办起的工作日数")


@router.post("/{meeting_id}/tasks", response={201: TaskOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def assign_task(request, meeting_id: int, payload: TaskIn):
    """A resolution gives a task to one organisation, due in working days on the calendar."""
    meeting = _meeting(request, meeting_id)
    item = meeting.agenda.filter(pk=payload.item).first()
    organisation = selectors.task_organisations(meeting.body).filter(pk=payload.organisation).first()
    with service_errors():
        if item is None:
            raise ValidationError({"item": ["该议题不在本次会议的议程中"]})
        if organisation is None:
            raise ValidationError({"organisation": ["单位不存在或无权访问"]})
        task = services.task_assign(actor=request.user, item=item, organisation=organisation, title=payload.title,
                                    working_days=payload.working_days)
    return Status(201, _task_out(task))


class TaskListOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None


@tasks_router.get("", response={200: TaskListOut, 400: ErrorOut})
def list_tasks(request, open_only: bool = Query(True, alias="open", description="只列未完成的任务"),
               cursor: str | None = cursor_param(), limit: int = limit_param()):
    """The tasks of the resolutions of meetings in the caller's scope, by id."""
    qs = selectors.tasks_visible_to(request.user)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_task_out(task) for task in page.rows], "next_cursor": page.next_cursor}


class ProgressIn(Schema):
    version: int
    progress: int = Field(ge=0, le=100, description="进度（%），100 为完成")
    note: str = Field(max_length=2000, description="进展情况")


@tasks_router.post("/{task_id}/progress", response={200: TaskOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                    409: ErrorOut})
def report_progress(request, task_id: int, payload: ProgressIn):
    """Report a task's progress with a dated milestone, at the `version` read."""
    task = selectors.tasks_visible_to(request.user).filter(pk=task_id).first()
    if task is None:
        raise not_found("任务不存在或无权访问")
    with service_errors():
        task = services.task_progress(actor=request.user, task=task, expected_version=payload.version,
                                      progress=payload.progress, note=payload.note)
    return _task_out(task)


# --------------------------------------------------------------------------------------------------
# Matters (四议两公开)
# --------------------------------------------------------------------------------------------------


class MatterStepOut(Schema):
    seq: int
    action: str
    label: str
    meeting: int | None
    expected: int | None = Field(description="应到")
    present: int | None = Field(description="实到")
    in_favour: int | None = Field(description="赞成")
    against: int | None = Field(description="反对")
    abstained: int | None = Field(description="弃权")
    note: str
    public_from: dt.date | None
    public_until: dt.date | None
    created_at: dt.datetime


class MatterOut(Schema):
    id: int
    title: str
    description: str
    region: RegionBrief
    stage: str
    stage_label: str
    version: int
    allowed_actions: list[str]
    steps: list[MatterStepOut]


class MatterListOut(Schema):
    items: list[MatterOut]
    next_cursor: str | None


def _matter_out(matter: Matter) -> dict:
    return {
        "id": matter.pk, "title": matter.title, "description": mask_text(matter.description),
        "region": region_ref(matter.region),
        "stage": matter.stage, "stage_label": matter.get_stage_display(), "version": matter.version,
        "allowed_actions": selectors.matter_actions(matter),
        "steps": [
            {"seq": step.seq, "action": step.action, "label": step.label, "meeting": step.meeting_id,
             "expected": step.expected, "present": step.present, "in_favour": step.in_favour,
             "against": step.against, "abstained": step.abstained, "note": mask_text(step.note),
             "public_from": step.public_from, "public_until": step.public_until, "created_at": step.created_at}
            for step in matter.steps.all()
        ],
    }


def _matter(request, matter_id: int) -> Matter:
    matter = selectors.matters_visible_to(request.user).filter(pk=matter_id).first()
    if matter is None:
        raise not_found(MATTER_NOT_FOUND)
    return matter


@matters_router.get("", response={200: MatterListOut, 400: ErrorOut})
def list_matters(request, stage: str | None = Query(None, max_length=24, description="阶段"),
                 cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Matters of the communities in the caller's scope, by id."""
    qs = selectors.matters_visible_to(request.user).prefetch_related("steps")
    if stage:
        qs = qs.filter(stage=stage)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_matter_out(matter) for matter in page.rows], "next_cursor": page.next_cursor}


class MatterIn(Schema):
    region: str = Field(max_length=18, description="社区的区域编码")
    title: str = Field(max_length=150)
    description: str = Field(max_length=5000)
    idempotency_key: str | None = Field(None, max_length=64)


@matters_router.post("", response={201: MatterOut, 200: MatterOut, 400: ErrorOut, 403: ErrorOut})
def register_matter(request, payload: MatterIn):
    """Register a major matter for 四议两公开 (stage `registered`)."""
    region = region_visible_by_code(user=request.user, code=payload.region)
    if region is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"region": ["未找到该区域编码，或该区域不在您的管辖范围内"]})
    with service_errors():
        matter, created = services.matter_register(
            actor=request.user, region=region, title=payload.title, description=payload.description,
            idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _matter_out(matter))


@matters_router.get("/{matter_id}", response={200: MatterOut, 404: ErrorOut})
def get_matter(request, matter_id: int):
    """One matter with its steps in order, each with its meeting's counts."""
    return _matter_out(_matter(request, matter_id))


class MatterTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(MATTER_ACTIONS))
    version: int
    meeting: RecordId | None = Field(None, description="商议、审议、决议所在的会议 id")
    note: str = Field("", max_length=5000, description="说明；两个公开时为公开内容")
    merged: bool = Field(False, description="提议与商议合并进行（书记、主任一肩挑）")


@matters_router.post("/{matter_id}/transitions", response={200: MatterOut, 400: ErrorOut, 403: ErrorOut,
                                                          404: ErrorOut, 409: ErrorOut})
def matter_transition(request, matter_id: int, payload: MatterTransitionIn):
    """Take one step of 四议两公开 at the `version` the caller read."""
    matter = _matter(request, matter_id)
    if payload.version != matter.version:
        raise ApiError(409, "stale_version", str(StaleVersion()))
    if payload.action not in MATTER_ACTIONS:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    meeting = None
    if payload.meeting is not None:
        meeting = selectors.meetings_visible_to(request.user).filter(pk=payload.meeting).first()
        if meeting is None:
            raise ApiError(400, "invalid", "请求参数不正确", {"meeting": [NOT_FOUND]})
    with service_errors():
        matter = services.matter_transition(
            actor=request.user, matter=matter, action=payload.action, expected_version=payload.version,
            meeting=meeting, note=payload.note, merged=payload.merged,
        )
    return _matter_out(matter)
