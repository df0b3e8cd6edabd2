"""Writes on bodies, meetings and matters. Each runs in one transaction with its audit row; meetings and
matters are claimed by compare-and-swap on their `version`, so of two recorders acting at once exactly
one wins and the other gets `StaleVersion`.

Permission: staff who manage the body's or the matter's region (`regions.permissions.can_manage_region`).
A member signs themself in with the account on their roll seat.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from cases.images import ImageRefused
from cases.models import TEXT_MAX_LENGTH as CASE_TEXT_MAX_LENGTH
from cases.models import Assignment, AssignmentRole, Case
from cases.services import CleanPhoto, case_escalate, case_resume, read_photo
from cases.workflow import Status, is_allowed
from core import audit
from core.models import AuditEvent
from core.services import record_create
from core.text import IDEMPOTENCY_KEY, plain_text
from core.workflow import RuleRefused
from organisations.models import Organisation, Person
from regions.models import Region
from regions.permissions import can_manage_region
from workcalendar.limits import TimeLimit
from workcalendar.selectors import deadline_after

from .models import (
    AgendaItem,
    Attendance,
    Body,
    DisclosurePhoto,
    Matter,
    MatterStep,
    Meeting,
    MeetingAttachment,
    ResolutionTask,
    RollMember,
    TaskMilestone,
)
from .rules import judge, rule_for
from .selectors import meetings_taking_case, task_organisations
from .workflow import (
    CASE_MEETING_OF,
    DISCLOSURE_ACTIONS,
    MINUTES_PUBLIC_KINDS,
    BodyKind,
    MeetingStatus,
    StaleVersion,
    matter_edge,
    meeting_edge,
)

TEXT_MAX_LENGTH = 5000
NO_PERMISSION = "您无权管理该区域的会议和议事"
MAX_MEETING_PHOTOS = 10
MAX_DISCLOSURE_PHOTOS = 6
CAPTION_MAX_LENGTH = 100

logger = logging.getLogger("gongzhi.meetings")


class MatterRefused(RuleRefused):
    """A deliberation step the rules refuse (`quorum_not_met`, `not_adopted`); nothing was changed."""


def _require(actor, region: Region) -> None:
    if not can_manage_region(actor, region):
        raise PermissionDenied(NO_PERMISSION)


def _text(errors: dict[str, str], name: str, value: str | None, *, label: str, required: bool = False,
          max_length: int = TEXT_MAX_LENGTH) -> str:
    """`core.text.plain_text` with the meetings' length limit unless another is given."""
    return plain_text(errors, name, value, label=label, required=required, max_length=max_length)


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _key(errors: dict[str, str], key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    return key


def _claim(model, obj, expected_version: int):
    """Bump `obj`'s version from `expected_version` as the transaction's first write; StaleVersion if it moved."""
    if not model.objects.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleVersion()
    return model.objects.get(pk=obj.pk)


# --------------------------------------------------------------------------------------------------
# Bodies and their rolls
# --------------------------------------------------------------------------------------------------


def body_create(*, actor, kind: str, name: str, region: Region, organisation: Organisation | None = None,
                minutes_public: bool | None = None) -> Body:
    """Set up a body that meets in `region` (a street's 联席会议, a community's 党员大会 …).

    `minutes_public` (会议纪要公开: the portal shows its held meetings' summaries) defaults by kind,
    `MINUTES_PUBLIC_KINDS`."""
    _require(actor, region)
    if minutes_public is None:
        minutes_public = kind in MINUTES_PUBLIC_KINDS
    return record_create(Body, actor=actor, kind=kind, name=name, region=region, organisation=organisation,
                         minutes_public=minutes_public)


def roll_member_add(*, actor, body: Body, person: Person | None = None, organisation: Organisation | None = None,
                    account=None, term: str = "") -> RollMember:
    """Put a person or a member organisation on `body`'s roll (from the next meeting it opens)."""
    _require(actor, body.region)
    if person is None and organisation is None:
        raise ValidationError({"person": ["请选择成员（人员或成员单位）"]})
    if RollMember.objects.filter(body=body, person=person, organisation=organisation, left_on__isnull=True).exists():
        raise ValidationError({"person": ["该成员已在名单中"]})
    return record_create(RollMember, actor=actor, body=body, person=person, organisation=organisation,
                         account=account, term=term)


@transaction.atomic
def roll_member_leave(*, actor, member: RollMember, left_on: dt.date | None = None) -> RollMember:
    """Take a member off the roll from `left_on`; meetings already opened keep their frozen roll."""
    _require(actor, member.body.region)
    if member.left_on is None:
        member.left_on = left_on or timezone.localdate()
        member.save(update_fields=["left_on", "updated_at"])
        audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=member,
                     changes={"left_on": [None, member.left_on.isoformat()]}, reason="退出名单")
    return member


# --------------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaSpec:
    """One agenda item as asked for: a title, and the matter it deliberates, if any."""

    title: str
    matter: Matter | None = None


def notice_days(kind: str) -> int:
    """Days of notice a meeting of a body of `kind` needs at least (settings.MEETING_NOTICE_DAYS)."""
    return int(getattr(settings, "MEETING_NOTICE_DAYS", {}).get(kind, 0))


@transaction.atomic
def meeting_schedule(*, actor, body: Body, title: str, scheduled_at: dt.datetime | None, place: str = "",
                     agenda: Sequence[AgendaSpec] = (), idempotency_key: str | None = None) -> tuple[Meeting, bool]:
    """Give notice of a meeting of `body`, with its agenda; returns (meeting, created).

    The notice must come at least the body's notice days ahead (居民会议 10 days by default). Matters on
    the agenda must be in the body's region. The same idempotency key gives back the same meeting.
    """
    _require(actor, body.region)
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors:
        existing = Meeting.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.body_id != body.pk:
                raise ValidationError({"idempotency_key": ["该幂等键已用于另一场会议"]})
            return existing, False
    title = _text(errors, "title", title, label="会议名称", required=True, max_length=150)
    place = _text(errors, "place", place, label="地点", max_length=150)
    now = timezone.now()
    if scheduled_at is None:
        errors["scheduled_at"] = "请填写会议时间"
    else:
        days = notice_days(body.kind)
        if scheduled_at < now + dt.timedelta(days=days):
            errors["scheduled_at"] = (
                f"{body.get_kind_display()}须至少提前 {days} 天通知" if days else "会议时间不能早于现在"
            )
    for index, item in enumerate(agenda):
        _text(errors, f"agenda.{index}.title", item.title, label="议题", required=True, max_length=150)
        if item.matter is not None and not body.region.contains(item.matter.region):
            errors[f"agenda.{index}.matter"] = "议题所列重大事项不在该议事机构的区域内"
    _check(errors)
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                body=body, title=title, scheduled_at=scheduled_at, place=place, noticed_at=now, created_by=actor,
                idempotency_key=key,
            )
    except IntegrityError:  # the same key committed by a concurrent request a moment ago
        return Meeting.objects.get(idempotency_key=key), False
    for order, item in enumerate(agenda, start=1):
        AgendaItem.objects.create(meeting=meeting, order=order, title=item.title.strip(), matter=item.matter)
    # Tasks of the body's earlier resolutions that are not done come back onto its agenda by themselves.
    unfinished = ResolutionTask.objects.filter(item__meeting__body=body, done_at__isnull=True).order_by("due", "id")
    for order, task in enumerate(unfinished, start=len(agenda) + 1):
        AgendaItem.objects.create(meeting=meeting, order=order, title=f"督办：{task.title}"[:150], follows_task=task,
                                  case=task.case)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=meeting, changes={
        "body": [None, str(body)], "scheduled_at": [None, scheduled_at.isoformat()],
        "agenda": [None, [item.title for item in agenda]],
    })
    return meeting, True


@transaction.atomic
def meeting_transition(*, actor, meeting: Meeting, action: str, expected_version: int, minutes: str = "",
                       public_summary: str = "") -> Meeting:
    """Open, close or cancel a meeting along `MEETING_TABLE`.

    Opening freezes the roll: every member on the body's roll that day is due (应到), absent until
    signed in. Closing needs the minutes; the actor who opened it is its recorder.
    """
    _require(actor, meeting.body.region)
    meeting = _claim(Meeting, meeting, expected_version)
    edge = meeting_edge(action, meeting.status)
    errors: dict[str, str] = {}
    now = timezone.now()
    fields: dict = {"status": edge.target}
    if action == "open":
        fields.update(opened_at=now, recorder=actor)
        today = timezone.localdate()
        seats = meeting.body.roll.filter(archived_at__isnull=True, joined_on__lte=today).exclude(left_on__lte=today)
        Attendance.objects.bulk_create([
            Attendance(meeting=meeting, member=seat, name=seat.display_name)
            for seat in seats.select_related("person", "organisation")
        ])
    elif action == "close":
        fields["minutes"] = _text(errors, "minutes", minutes, label="会议记录", required=True)
        fields["public_summary"] = _text(errors, "public_summary", public_summary, label="公开摘要")
        fields["closed_at"] = now
    _check(errors)
    before = audit.snapshot(meeting, list(fields))
    Meeting.objects.filter(pk=meeting.pk).update(**fields)
    meeting.refresh_from_db()
    changes = audit.diff(before, audit.snapshot(meeting, list(fields)))
    changes["version"] = [expected_version, meeting.version]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=meeting, changes=changes, reason=edge.label)
    return meeting


# --------------------------------------------------------------------------------------------------
# Photos (meeting attachments, and the photos of a 公开)
# --------------------------------------------------------------------------------------------------


def _clean_photos(errors: dict[str, str], photos: Sequence[Any], *, already: int, limit: int,
                  whose: str) -> list[CleanPhoto]:
    """The uploads re-encoded like a case's photos (`cases.services.read_photo`); on the first refusal the
    error goes under "photos" and nothing is returned."""
    photos = [photo for photo in photos or () if photo]
    if already + len(photos) > limit:
        errors["photos"] = f"{whose}最多 {limit} 张照片，已有 {already} 张，本次选择了 {len(photos)} 张"
        return []
    result: list[CleanPhoto] = []
    for number, upload in enumerate(photos, start=1):
        try:
            result.append(read_photo(upload))
        except ImageRefused as exc:
            errors["photos"] = f"第 {number} 张照片{exc}"
            return []
    return result


def _named(row, clean: CleanPhoto):
    """`row` with a fresh random storage name carrying the extension of the photo's real type."""
    row.file.name = row.file.field.generate_filename(row, f"{uuid.uuid4().hex}.{clean.extension}")
    row.content_type = clean.content_type
    return row


def _write_photos(stored: Sequence[tuple[Any, CleanPhoto]]) -> None:
    """Write the files of rows already committed; a file that cannot be written is logged, and the photo
    then answers 404."""
    for row, clean in stored:
        try:
            row.file.storage.save(row.file.name, ContentFile(clean.content))
        except OSError:
            logger.exception("照片文件 %s 写入失败", row.file.name)


def meeting_attachment_add(*, actor, meeting: Meeting, photos: Sequence[Any],
                           caption: str = "") -> list[MeetingAttachment]:
    """Attach photos (the paper sign-in sheet, the meeting in session) to an open or closed meeting.

    At most `MAX_MEETING_PHOTOS` a meeting, each ≤ 5 MB and a JPEG, PNG or WebP image, re-encoded so no
    EXIF (GPS position) is kept. The files are written to storage once the rows have committed, so a
    refused upload leaves nothing behind.
    """
    stored = _attachment_add(actor=actor, meeting=meeting, photos=photos, caption=caption)
    _write_photos(stored)
    return [row for row, _ in stored]


@transaction.atomic
def _attachment_add(*, actor, meeting: Meeting, photos: Sequence[Any],
                    caption: str) -> list[tuple[MeetingAttachment, CleanPhoto]]:
    _require(actor, meeting.body.region)
    # The meeting row is locked (PostgreSQL), so two uploads at once cannot pass the limit together.
    meeting = Meeting.objects.select_for_update().select_related("body__region").get(pk=meeting.pk)
    errors: dict[str, str] = {}
    if meeting.status not in (MeetingStatus.OPEN, MeetingStatus.CLOSED):
        errors["photos"] = (f"会议当前为“{meeting.get_status_display()}”，"
                            "开会签到后或散会后才能上传照片")
        _check(errors)
    caption = _text(errors, "caption", caption, label="照片说明", max_length=CAPTION_MAX_LENGTH)
    photos = [photo for photo in photos or () if photo]
    if not photos:
        errors["photos"] = "请选择要上传的照片"
    cleans = _clean_photos(errors, photos, already=meeting.attachments.count(), limit=MAX_MEETING_PHOTOS,
                           whose="每场会议")
    _check(errors)
    now = timezone.now()
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    stored = []
    for clean in cleans:
        row = _named(MeetingAttachment(meeting=meeting, caption=caption, uploaded_by=uploader, uploaded_at=now),
                     clean)
        row.save(force_insert=True)
        stored.append((row, clean))
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=meeting, reason="上传会议照片",
                 changes={"attachments": [None, [row.file.name for row, _ in stored]],
                          **({"caption": [None, caption]} if caption else {})})
    return stored


def _open_meeting(meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_related("body__region").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.OPEN:
        raise ValidationError({"meeting": [f"会议当前为“{meeting.get_status_display()}”，不能登记出席或表决"]})
    return meeting


@transaction.atomic
def attendance_mark(*, actor, meeting: Meeting, member: RollMember, status: str) -> Attendance:
    """The recorder ticks a member of the frozen roll as present, excused, by proxy or absent."""
    _require(actor, meeting.body.region)
    meeting = _open_meeting(meeting)
    if status not in Attendance.Status.values:
        raise ValidationError({"status": ["请选择出席情况"]})
    seat = Attendance.objects.filter(meeting=meeting, member=member).first()
    if seat is None:
        raise ValidationError({"member": ["该成员不在本次会议的应到名单中（名单已在开会时确定）"]})
    return _mark(actor, seat, status, Attendance.Method.RECORDER)


@transaction.atomic
def attendance_sign_in(*, user, meeting: Meeting) -> Attendance:
    """A member signs themself in at the door, on their phone, with the account on their roll seat."""
    meeting = _open_meeting(meeting)
    seat = Attendance.objects.filter(meeting=meeting, member__account=user).first() if user.is_authenticated else None
    if seat is None:
        raise ValidationError({"meeting": ["您不在本次会议的应到名单中，请与会议记录人联系"]})
    if seat.status == Attendance.Status.PRESENT:
        return seat
    return _mark(user, seat, Attendance.Status.PRESENT, Attendance.Method.SCAN)


def _mark(actor, seat: Attendance, status: str, method: str) -> Attendance:
    before = seat.status
    seat.status, seat.method, seat.marked_at = status, method, timezone.now()
    seat.save(update_fields=["status", "method", "marked_at"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=seat.meeting,
                 changes={f"attendance.{seat.name}": [before, status]}, reason="登记出席")
    return seat


def attendance_counts(meeting: Meeting, *, proxies_count: bool) -> tuple[int, int]:
    """(应到, 实到) from the frozen roll; a proxy counts as present where the body's rule says so."""
    seats = list(meeting.attendance.values_list("status", flat=True))
    present = {Attendance.Status.PRESENT} | ({Attendance.Status.PROXY} if proxies_count else set())
    return len(seats), sum(1 for status in seats if status in present)


@transaction.atomic
def vote_record(*, actor, meeting: Meeting, item: AgendaItem, expected_version: int, in_favour: int, against: int,
                abstained: int, resolution: str = "") -> AgendaItem:
    """Record the show of hands on one agenda item of an open meeting. Counted once: a second recorder
    holding the same version gets StaleVersion, and an item already voted is refused."""
    _require(actor, meeting.body.region)
    meeting = _claim(Meeting, meeting, expected_version)
    meeting = _open_meeting(meeting)
    item = AgendaItem.objects.filter(pk=item.pk, meeting=meeting).first()
    errors: dict[str, str] = {}
    if item is None:
        raise ValidationError({"item": ["该议题不在本次会议的议程中"]})
    if item.voted:
        raise ValidationError({"item": ["该议题已表决，不能重复计票"]})
    counts = {"in_favour": in_favour, "against": against, "abstained": abstained}
    for name, value in counts.items():
        if not isinstance(value, int) or value < 0:
            errors[name] = "票数须为不小于 0 的整数"
    resolution = _text(errors, "resolution", resolution, label="决议")
    _check(errors)
    rule = rule_for(meeting.body.kind, meeting.body.region.code)
    _, present = attendance_counts(meeting, proxies_count=rule.proxies_count)
    if sum(counts.values()) > present:
        total = sum(counts.values())
        raise ValidationError({"in_favour": [f"赞成、反对、弃权合计 {total} 票，超过实到人数 {present} 人"]})
    for name, value in counts.items():
        setattr(item, name, value)
    item.voted_at, item.resolution = timezone.now(), resolution
    item.save(update_fields=[*counts, "voted_at", "resolution"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=meeting, reason="表决",
                 changes={f"agenda.{item.order}": [None, counts], "version": [expected_version, meeting.version]})
    if resolution and item.case_id and not item.heard:
        _resume_from_resolution(actor=actor, meeting=meeting, item=item)
    return item


def _resume_from_resolution(*, actor, meeting: Meeting, item: AgendaItem) -> None:
    """The case a meeting took up (提交会议) resumes from the item's resolution, through the case's own
    `resume` edge (its event and audit row, by the recorder). A lead still on the case carries on; without
    one the case goes back to 立案 to be dispatched anew. A case no longer 上会 (resumed by hand, or by an
    earlier meeting's resolution) is left as it is."""
    case = Case.objects.get(pk=item.case_id)
    if case.status != Status.ESCALATED:
        return
    has_lead = case.urgency_id is not None and Assignment.objects.filter(
        case=case, role=AssignmentRole.LEAD, status__in=Assignment.LIVE).exists()
    note = f"依据{meeting.title}第 {item.order} 项议题的决议恢复办理：{item.resolution}"
    case_resume(case=case, actor=actor, expected_version=case.version,
                decision="continue" if has_lead else "redispatch", note=note[:CASE_TEXT_MAX_LENGTH])


# --------------------------------------------------------------------------------------------------
# Matters: 四议两公开
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def matter_register(*, actor, region: Region, title: str, description: str,
                    idempotency_key: str | None = None) -> tuple[Matter, bool]:
    """Register a major community matter for 四议两公开; returns (matter, created)."""
    _require(actor, region)
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors and (existing := Matter.objects.filter(idempotency_key=key).first()) is not None:
        return existing, False
    title = _text(errors, "title", title, label="事项名称", required=True, max_length=150)
    description = _text(errors, "description", description, label="事项内容", required=True)
    _check(errors)
    try:
        with transaction.atomic():
            matter = Matter.objects.create(region=region, title=title, description=description, created_by=actor,
                                           idempotency_key=key)
    except IntegrityError:
        return Matter.objects.get(idempotency_key=key), False
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=matter,
                 changes={"title": [None, title], "region": [None, str(region)]})
    return matter, True


def _deliberation(matter: Matter, edge, meeting: Meeting | None) -> dict:
    """The counts of the meeting that takes a deliberation step; MatterRefused if the rules say no."""
    bodies = "或".join(BodyKind(kind).label for kind in sorted(edge.bodies))
    if meeting is None:
        raise ValidationError({"meeting": [f"“{edge.label}”须在{bodies}上进行，请选择会议"]})
    meeting = Meeting.objects.select_related("body__region").get(pk=meeting.pk)
    body = meeting.body
    if body.kind not in edge.bodies:
        raise ValidationError({"meeting": [f"“{edge.label}”须由{bodies}进行，该会议是{body.get_kind_display()}"]})
    if not body.region.contains(matter.region):
        raise ValidationError({"meeting": ["该会议的议事机构不管辖此事项"]})
    if meeting.status != MeetingStatus.CLOSED:
        raise ValidationError({"meeting": ["会议结束（散会）后才能据此推进事项"]})
    item = meeting.agenda.filter(matter=matter).first()
    if item is None or not item.voted:
        raise ValidationError({"meeting": ["该会议没有对此事项进行表决"]})
    if MatterStep.objects.filter(matter=matter, meeting=meeting).exists():
        raise ValidationError({"meeting": ["该会议的表决已用于此事项的上一步"]})
    rule = rule_for(body.kind, body.region.code)
    expected, present = attendance_counts(meeting, proxies_count=rule.proxies_count)
    outcome = judge(rule, body_label=body.get_kind_display(), expected=expected, present=present,
                    in_favour=item.in_favour)
    if outcome.code:
        raise MatterRefused(outcome.code, outcome.message)
    return dict(meeting=meeting, expected=expected, present=present, in_favour=item.in_favour, against=item.against,
                abstained=item.abstained)


def matter_transition(*, actor, matter: Matter, action: str, expected_version: int, meeting: Meeting | None = None,
                      note: str = "", merged: bool = False, photos: Sequence[Any] = ()) -> Matter:
    """Take one step of 四议两公开 along `MATTER_TABLE`.

    `consult`, `review` and `resolve` need a closed meeting of the right body that voted on the matter,
    and its counts must meet the body's quorum and majority rules (else MatterRefused, and the matter
    stays where it was: the step is held again at a new meeting). The two 公开 need the text published;
    it stays on the public pages for `DISCLOSURE_DAYS`, with up to `MAX_DISCLOSURE_PHOTOS` optional
    photos re-encoded like a case's (no EXIF, no GPS position), whose files are written once the step has
    committed. `merged` takes 提议 and 商议 in one step.
    """
    matter, stored = _matter_transition(actor=actor, matter=matter, action=action, expected_version=expected_version,
                                        meeting=meeting, note=note, merged=merged, photos=photos)
    _write_photos(stored)
    return matter


@transaction.atomic
def _matter_transition(*, actor, matter: Matter, action: str, expected_version: int, meeting: Meeting | None,
                       note: str, merged: bool,
                       photos: Sequence[Any]) -> tuple[Matter, list[tuple[DisclosurePhoto, CleanPhoto]]]:
    _require(actor, matter.region)
    matter = _claim(Matter, matter, expected_version)
    edge = matter_edge(action, matter.stage, when="merged" if merged and action == "propose" else "")
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="公开内容" if action in DISCLOSURE_ACTIONS else "说明",
                 required=action in DISCLOSURE_ACTIONS)
    photos = [photo for photo in photos or () if photo]
    cleans: list[CleanPhoto] = []
    if photos and action not in DISCLOSURE_ACTIONS:
        errors["photos"] = "只有决议公开和实施结果公开可以附照片"
    elif photos:
        cleans = _clean_photos(errors, photos, already=0, limit=MAX_DISCLOSURE_PHOTOS, whose="每次公开")
    _check(errors)
    values: dict = {}
    if edge.bodies:
        values = _deliberation(matter, edge, meeting)
    elif meeting is not None:
        raise ValidationError({"meeting": [f"“{edge.label}”不需要会议"]})
    today = timezone.localdate()
    if action in DISCLOSURE_ACTIONS:
        values.update(public_from=today, public_until=today + dt.timedelta(days=settings.DISCLOSURE_DAYS))
    seq = (matter.steps.aggregate(m=Max("seq"))["m"] or 0) + 1
    step = MatterStep.objects.create(
        matter=matter, seq=seq, action=action, label=edge.label, from_stage=matter.stage, to_stage=edge.target,
        note=note, actor=actor if getattr(actor, "is_authenticated", False) else None, **values,
    )
    uploader = actor if getattr(actor, "is_authenticated", False) else None
    stored = []
    for clean in cleans:
        row = _named(DisclosurePhoto(step=step, uploaded_by=uploader, uploaded_at=step.created_at), clean)
        row.save(force_insert=True)
        stored.append((row, clean))
    Matter.objects.filter(pk=matter.pk).update(stage=edge.target, updated_at=timezone.now())
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=matter, reason=edge.label, changes={
        "stage": [matter.stage, edge.target], "version": [expected_version, matter.version],
        **({"meeting": [None, step.meeting_id]} if step.meeting_id else {}),
        **({"photos": [None, [row.file.name for row, _ in stored]]} if stored else {}),
    })
    matter.refresh_from_db()
    return matter, stored


# --------------------------------------------------------------------------------------------------
# Cases on the agenda, and the tasks of a resolution
# --------------------------------------------------------------------------------------------------

@transaction.atomic
def case_to_agenda(*, actor, meeting: Meeting, case: Case, note: str = "", escalate: bool = True,
                   expected_version: int | None = None) -> AgendaItem:
    """Put a case on a meeting's agenda, once.

    With `escalate` (the default, 提交会议) the meeting takes up a case one body cannot solve: a case not
    yet escalated is escalated (上会) in the same transaction, to the meeting type of the body, at
    `expected_version` (the case's version when not given). Without it the case is put before the meeting
    to be heard (民意, e.g. a problem taken in at the 民意征求窗口, or one already answered and closed): it
    keeps its status and its course, and any body may hear it.
    """
    _require(actor, meeting.body.region)
    # The meeting row is locked (PostgreSQL), so two requests adding cases at once queue: each case once.
    meeting = Meeting.objects.select_for_update().select_related("body__region").get(pk=meeting.pk)
    errors: dict[str, str] = {}
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.OPEN):
        errors["meeting"] = "只能提交给尚未结束的会议"
    elif escalate and meeting.body.kind not in CASE_MEETING_OF:
        errors["meeting"] = f"{meeting.body.get_kind_display()}不受理提交会议的事项"
    elif not meeting.body.region.contains(case.region):
        errors["case"] = "该事项不在会议议事机构的区域内"
    elif meeting.agenda.filter(case=case).exists():
        errors["case"] = f"该事项（{case.tracking_code}）已在本次会议的议程中，不能重复列入"
    elif escalate and case.status != Status.ESCALATED and not is_allowed("escalate", case.status):
        errors["case"] = (f"事项当前为“{case.get_status_display()}”，不能提交会议（上会）；"
                          "可作为民意议题列入议程听取")
    _check(errors)
    if escalate and case.status != Status.ESCALATED:
        case = case_escalate(case=case, actor=actor,
                             expected_version=case.version if expected_version is None else expected_version,
                             meeting=CASE_MEETING_OF[meeting.body.kind], note=note or meeting.title)
    order = (meeting.agenda.aggregate(m=Max("order"))["m"] or 0) + 1
    item = AgendaItem.objects.create(meeting=meeting, order=order, title=case.title[:150], case=case,
                                     heard=not escalate)
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=meeting,
                 reason="提交会议" if escalate else "列入议程（听取民意）",
                 changes={f"agenda.{order}": [None, f"{case.tracking_code} {case.title}"]})
    return item


def case_to_named_meeting(*, actor, case: Case, expected_version: int, meeting_id: int, note: str = "") -> AgendaItem:
    """提交会议 from the case's own page or API (`cases.services.AgendaHook.take`): the meeting `meeting_id`
    must be one `selectors.meetings_taking_case` offers `actor`; anything else is refused naming nothing."""
    meeting = next((m for m in meetings_taking_case(actor, case) if m.pk == meeting_id), None)
    if meeting is None:
        raise ValidationError({"meeting": ["所选会议不存在或已不能提交，请刷新页面后重新选择"]})
    return case_to_agenda(actor=actor, meeting=meeting, case=case, note=note, expected_version=expected_version)


@transaction.atomic
def task_assign(*, actor, item: AgendaItem, organisation: Organisation, title: str,
                working_days: int) -> ResolutionTask:
    """A resolution gives a task to one organisation, due `working_days` working days from now."""
    item = AgendaItem.objects.select_related("meeting__body__region", "case").get(pk=item.pk)
    _require(actor, item.meeting.body.region)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title, label="任务", required=True, max_length=150)
    if not item.resolution:
        errors["item"] = "该议题尚未形成决议，不能交办任务"
    if not task_organisations(item.meeting.body).filter(pk=organisation.pk).exists():
        errors["organisation"] = "该单位不在本议事机构的服务范围内"
    if not isinstance(working_days, int) or not 1 <= working_days <= 250:
        errors["working_days"] = "完成期限须为 1 到 250 个工作日"
    _check(errors)
    due = deadline_after(timezone.now(), TimeLimit(working_days, "working_days")).due
    task = ResolutionTask.objects.create(item=item, case=item.case, title=title, organisation=organisation, due=due,
                                         created_by=actor)
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=task, changes={
        "title": [None, title], "organisation": [None, str(organisation)], "due": [None, due.isoformat()],
    })
    return task


@transaction.atomic
def task_progress(*, actor, task: ResolutionTask, expected_version: int, progress: int,
                  note: str) -> ResolutionTask:
    """Report a task's progress (0–100 %) with a dated milestone; at 100 % it is done."""
    task = ResolutionTask.objects.select_related("item__meeting__body__region").get(pk=task.pk)
    _require(actor, task.item.meeting.body.region)
    task = _claim(ResolutionTask, task, expected_version)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, label="进展情况", required=True)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = "进度须为 0 到 100 之间的整数"
    elif task.done:
        errors["progress"] = "该任务已完成"
    elif progress < task.progress:
        errors["progress"] = f"进度不能低于上次报告的 {task.progress}%"
    _check(errors)
    now = timezone.now()
    TaskMilestone.objects.create(task=task, reported_at=now, progress=progress, note=note, actor=actor)
    before = task.progress
    task.progress = progress
    task.done_at = now if progress == 100 else None
    task.save(update_fields=["progress", "done_at"])
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=task, reason="任务进展",
                 changes={"progress": [before, progress], "version": [expected_version, task.version]})
    return task


def unfinished_tasks_refusal(case) -> str:
    """Why `case` may not close yet: the tasks of its meeting's resolution that are not done (or "")."""
    open_tasks = ResolutionTask.objects.filter(case=case, done_at__isnull=True).count()
    if not open_tasks:
        return ""
    return f"会议决议交办的任务还有 {open_tasks} 项未完成，全部完成后才能结案"
