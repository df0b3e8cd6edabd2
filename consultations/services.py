"""Writes on consultations (征求意见), residents' comments and the outcome of each opinion.

Each runs in one transaction with its audit row. A consultation is claimed by compare-and-swap on its
`version`, so of two staff members moving it at once exactly one wins and the other gets `StaleVersion`.
A comment is taken only while the consultation is open: the consultation's row is locked while the
comment is written, so a comment never slips in after the consultation closed.

Permission: staff who manage the consultation's region (`regions.permissions.can_manage_region`).
Anyone may comment on an open consultation; a retry with the same idempotency key stores one comment.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.images import ImageRefused
from cases.services import CleanPhoto, read_photo
from core import audit, pii
from core.models import AuditEvent
from core.text import IDEMPOTENCY_KEY, plain_text
from core.validators import is_mainland_mobile
from meetings.models import Body, Meeting
from meetings.services import AgendaSpec, meeting_schedule
from meetings.workflow import MeetingStatus
from regions.models import Facility, Region
from regions.permissions import can_manage_region

from .models import Comment, Consultation, Opinion
from .workflow import REVIEW_BODY_KINDS, StaleVersion, Status, target_of

logger = logging.getLogger("gongzhi.consultations")

NO_PERMISSION = "您无权管理该区域的征求意见"
CLOSED_MESSAGE = "征求意见已结束，不再接受意见"
NOT_OPEN_MESSAGE = "征求意见尚未开始，暂不接受意见"
PLAN_MAX_LENGTH = 10000
COMMENT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000


def consultation_days() -> int:
    """The usual length of a comment period in days (settings.CONSULTATION_DAYS, 30 by default)."""
    return int(getattr(settings, "CONSULTATION_DAYS", 30))


def _require(actor, region: Region) -> None:
    if not can_manage_region(actor, region):
        raise PermissionDenied(NO_PERMISSION)


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _key(errors: dict[str, str], key: str | None) -> str | None:
    key = (key or "").strip() or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors["idempotency_key"] = "幂等键须为 1–64 个可见 ASCII 字符"
    return key


def _claim(consultation: Consultation, expected_version: int) -> Consultation:
    """Bump the version from `expected_version` as the transaction's first write; StaleVersion if it moved."""
    if not Consultation.objects.filter(pk=consultation.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=timezone.now()):
        raise StaleVersion()
    return Consultation.objects.select_related("region", "review_meeting").get(pk=consultation.pk)


def _move(actor, consultation: Consultation, expected_version: int, action: str, fields: dict,
          reason: str = "") -> Consultation:
    """Write `fields` and the new status of an already claimed consultation, with its audit row."""
    names = ["status", *fields]
    before = audit.snapshot(consultation, names)
    Consultation.objects.filter(pk=consultation.pk).update(status=target_of(action, consultation.status), **fields)
    consultation.refresh_from_db()
    changes = audit.diff(before, audit.snapshot(consultation, names))
    changes["version"] = [expected_version, consultation.version]
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=consultation, changes=changes,
                 reason=reason or action)
    return consultation


# --------------------------------------------------------------------------------------------------
# The consultation
# --------------------------------------------------------------------------------------------------


def consultation_create(*, actor, region: Region, title: str, plan: str, opens_on: dt.date | None = None,
                        closes_on: dt.date | None = None, short_reason: str = "", facility: Facility | None = None,
                        photo: Any = None, idempotency_key: str | None = None) -> tuple[Consultation, bool]:
    """Draft a consultation on a plan in `region`; returns (consultation, created).

    The period runs from `opens_on` (today by default) to `closes_on` (30 days later by default); a
    shorter period needs its reason (`short_reason`), recorded with it. A plan photo is re-encoded like a
    case's (`cases.services.read_photo`) and written to storage once the row has committed, so a refused
    draft leaves no file behind. The same key
    gives back the same consultation.
    """
    consultation, created, clean = _create(actor=actor, region=region, title=title, plan=plan, opens_on=opens_on,
                                           closes_on=closes_on, short_reason=short_reason, facility=facility,
                                           photo=photo, idempotency_key=idempotency_key)
    if clean is not None:
        # The row is committed: a file that cannot be written is logged, and the photo then answers 404.
        try:
            consultation.photo.storage.save(consultation.photo.name, ContentFile(clean.content))
        except OSError:
            logger.exception("方案图文件 %s 写入失败", consultation.photo.name)
    return consultation, created


@transaction.atomic
def _create(*, actor, region: Region, title: str, plan: str, opens_on: dt.date | None, closes_on: dt.date | None,
            short_reason: str, facility: Facility | None, photo: Any,
            idempotency_key: str | None) -> tuple[Consultation, bool, CleanPhoto | None]:
    _require(actor, region)
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors and (existing := Consultation.objects.filter(idempotency_key=key).first()) is not None:
        return existing, False, None
    title = plain_text(errors, "title", title, label="征求意见事项", required=True, max_length=150)
    plan = plain_text(errors, "plan", plan, label="方案内容", required=True, max_length=PLAN_MAX_LENGTH)
    short_reason = plain_text(errors, "short_reason", short_reason, label="缩短征求期的理由",
                              max_length=REASON_MAX_LENGTH)
    today = timezone.localdate()
    opens_on = opens_on or today
    closes_on = closes_on or opens_on + dt.timedelta(days=consultation_days())
    if opens_on < today:
        errors["opens_on"] = "开始日期不能早于今天"
    if closes_on <= opens_on:
        errors["closes_on"] = "截止日期须晚于开始日期"
    elif (closes_on - opens_on).days < consultation_days() and not short_reason:
        errors["short_reason"] = (f"征求期为 {(closes_on - opens_on).days} 天，少于 {consultation_days()} 天，"
                                  "须填写缩短的理由")
    if facility is not None and not region.contains(facility.region):
        errors["facility"] = "该阵地不在所选社区内"
    clean = None
    if photo:
        try:
            clean = read_photo(photo)
        except ImageRefused as exc:
            errors["photo"] = f"方案图{exc}"
    _check(errors)
    consultation = Consultation(region=region, facility=facility, title=title, plan=plan, opens_on=opens_on,
                                closes_on=closes_on, short_reason=short_reason, created_by=actor, idempotency_key=key)
    if clean is not None:
        field = consultation.photo.field
        consultation.photo.name = field.generate_filename(consultation, f"{uuid.uuid4().hex}.{clean.extension}")
        consultation.photo_type = clean.content_type
    try:
        with transaction.atomic():
            consultation.save(force_insert=True)
    except IntegrityError:  # the same key committed by a concurrent request a moment ago
        return Consultation.objects.get(idempotency_key=key), False, None
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=consultation, changes={
        "title": [None, title], "region": [None, str(region)], "opens_on": [None, opens_on.isoformat()],
        "closes_on": [None, closes_on.isoformat()], **({"short_reason": [None, short_reason]} if short_reason else {}),
        **({"photo": [None, consultation.photo.name]} if clean else {}),
    })
    return consultation, True, clean


@transaction.atomic
def consultation_open(*, actor, consultation: Consultation, expected_version: int) -> Consultation:
    """Open the consultation for comments from today. The period keeps its length: a draft opened later
    than planned closes as many days later."""
    _require(actor, consultation.region)
    consultation = _claim(consultation, expected_version)
    target_of("open", consultation.status)
    today = timezone.localdate()
    length = consultation.closes_on - consultation.opens_on
    return _move(actor, consultation, expected_version, "open",
                 {"opens_on": today, "closes_on": today + length, "opened_at": timezone.now()}, reason="开始征求意见")


@transaction.atomic
def consultation_close(*, actor, consultation: Consultation, expected_version: int,
                       reason: str = "") -> Consultation:
    """End the comment period (comments are refused from now on). Before the announced closing day this
    needs a reason, recorded in the audit."""
    _require(actor, consultation.region)
    consultation = _claim(consultation, expected_version)
    target_of("close", consultation.status)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="提前结束的理由", max_length=REASON_MAX_LENGTH)
    if timezone.localdate() <= consultation.closes_on and not reason and not errors:
        errors["reason"] = f"征求期至 {consultation.closes_on:%Y-%m-%d} 截止，提前结束须填写理由"
    _check(errors)
    return _move(actor, consultation, expected_version, "close", {"closed_at": timezone.now()},
                 reason=f"结束征求意见：{reason}" if reason else "结束征求意见")


def _review_body_error(body: Body, consultation: Consultation) -> str:
    if body.kind not in REVIEW_BODY_KINDS:
        return f"评审会议须由居民代表会议或民情议事会召开，该议事机构是{body.get_kind_display()}"
    if not body.region.contains(consultation.region):
        return "该议事机构不管辖此征求意见所在的区域"
    return ""


@transaction.atomic
def consultation_review(*, actor, consultation: Consultation, expected_version: int, meeting: Meeting | None = None,
                        body: Body | None = None, scheduled_at: dt.datetime | None = None, place: str = "",
                        idempotency_key: str | None = None) -> Consultation:
    """Name the meeting that reviews the comments: a meeting of the region's 居民代表会议 or 民情议事会
    already on notice, or a new one of `body` scheduled here through `meetings.services.meeting_schedule`
    (its notice invites the body's roll, the representatives)."""
    _require(actor, consultation.region)
    consultation = _claim(consultation, expected_version)
    target_of("review", consultation.status)
    if meeting is not None:
        meeting = Meeting.objects.select_related("body__region").get(pk=meeting.pk)
        if error := _review_body_error(meeting.body, consultation):
            raise ValidationError({"meeting": [error]})
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError({"meeting": ["该会议已取消，请选择其他会议"]})
    else:
        if body is None:
            raise ValidationError({"body": ["请选择评审会议，或选择议事机构安排一次会议"]})
        if error := _review_body_error(body, consultation):
            raise ValidationError({"body": [error]})
        meeting, _ = meeting_schedule(
            actor=actor, body=body, title=f"{body.name}（征求意见评审）"[:150], scheduled_at=scheduled_at,
            place=place, agenda=[AgendaSpec(title=f"征求意见评审：{consultation.title}"[:150])],
            idempotency_key=idempotency_key,
        )
    return _move(actor, consultation, expected_version, "review", {"review_meeting": meeting},
                 reason=f"提交评审会议：{meeting.title}")


@transaction.atomic
def consultation_publish(*, actor, consultation: Consultation, expected_version: int,
                         outcome: str = "") -> Consultation:
    """Publish the outcome: each adopted or rejected opinion with its reason, on the residents' pages.
    Needs the review meeting held (closed) and every visible comment decided."""
    _require(actor, consultation.region)
    consultation = _claim(consultation, expected_version)
    target_of("publish", consultation.status)
    errors: dict[str, str] = {}
    outcome = plain_text(errors, "outcome", outcome, label="结果说明", max_length=PLAN_MAX_LENGTH)
    meeting = consultation.review_meeting
    if meeting is None or meeting.status != MeetingStatus.CLOSED:
        errors["consultation"] = "评审会议召开（散会）后才能公布结果"
    elif undecided := consultation.comments.filter(hidden=False, opinion__isnull=True).count():
        errors["consultation"] = f"还有 {undecided} 条意见尚未处理（采纳或不予采纳），全部处理后才能公布结果"
    _check(errors)
    return _move(actor, consultation, expected_version, "publish",
                 {"outcome": outcome, "published_at": timezone.now()}, reason="公布征求意见结果")


# --------------------------------------------------------------------------------------------------
# Comments and their moderation
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, consultation: Consultation, text: str, display_name: str, phone: str = "", user=None,
                idempotency_key: str | None = None) -> tuple[Comment, bool]:
    """A resident's comment on an open consultation; returns (comment, created).

    Refused, with nothing stored, once the consultation is closed or its closing day has passed. What was
    typed is stored as typed (markup refused by `core.text.plain_text`) and shown as text. The phone is
    optional, stored encrypted and never shown to the public. A retry with the same key gives back the
    first comment.
    """
    errors: dict[str, str] = {}
    key = _key(errors, idempotency_key)
    if key and not errors and (existing := Comment.objects.filter(idempotency_key=key).first()) is not None:
        if existing.consultation_id != consultation.pk:
            raise ValidationError({"idempotency_key": ["该幂等键已用于另一条意见"]})
        return existing, False
    # Locked while the comment is written: a close that commits first is seen, one that comes after waits.
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status == Status.DRAFT:
        raise ValidationError({"consultation": [NOT_OPEN_MESSAGE]})
    if consultation.status != Status.OPEN or timezone.localdate() > consultation.closes_on:
        raise ValidationError({"consultation": [CLOSED_MESSAGE]})
    text = plain_text(errors, "text", text, label="意见", required=True, max_length=COMMENT_MAX_LENGTH)
    display_name = plain_text(errors, "display_name", display_name, label="称呼", required=True, max_length=30)
    phone = re.sub(r"\s+", "", phone or "")
    if phone and not is_mainland_mobile(phone):
        errors["phone"] = "手机号码应为 11 位大陆手机号，以 13–19 开头"
    _check(errors)
    authenticated = getattr(user, "is_authenticated", False)
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                consultation=consultation, text=text, display_name=display_name, phone=phone,
                phone_hash=pii.lookup_hash(phone), user=user if authenticated else None, idempotency_key=key,
            )
    except IntegrityError:
        return Comment.objects.get(idempotency_key=key), False
    audit.record(actor=user, action=AuditEvent.Action.CREATE, target=comment, changes={
        "consultation": [None, consultation.pk], "display_name": [None, pii.mask_name(display_name)],
        **({"phone": [None, "***"]} if phone else {}),
    })
    return comment, True


def _moderated(actor, comment: Comment) -> Comment:
    comment = Comment.objects.select_related("consultation__region").get(pk=comment.pk)
    _require(actor, comment.consultation.region)
    return comment


@transaction.atomic
def comment_hide(*, actor, comment: Comment, reason: str) -> Comment:
    """Hide a comment from the public (abuse, personal data, advertising …). Its text is kept, for the
    audit; the reason is required."""
    comment = _moderated(actor, comment)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="隐藏理由", required=True, max_length=REASON_MAX_LENGTH)
    if comment.hidden:
        errors["reason"] = "该意见已隐藏"
    _check(errors)
    updated = Comment.objects.filter(pk=comment.pk, hidden=False).update(
        hidden=True, hidden_reason=reason, hidden_by=actor, hidden_at=timezone.now())
    if not updated:  # hidden by someone else a moment ago
        raise ValidationError({"reason": ["该意见已隐藏"]})
    comment.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=comment, changes={"hidden": [False, True]},
                 reason=f"隐藏意见：{reason}")
    return comment


@transaction.atomic
def comment_unhide(*, actor, comment: Comment, reason: str) -> Comment:
    """Show a hidden comment again; the reason is required and goes into the audit with the earlier one."""
    comment = _moderated(actor, comment)
    errors: dict[str, str] = {}
    reason = plain_text(errors, "reason", reason, label="恢复显示的理由", required=True, max_length=REASON_MAX_LENGTH)
    if not comment.hidden:
        errors["reason"] = "该意见未隐藏"
    _check(errors)
    earlier = comment.hidden_reason
    updated = Comment.objects.filter(pk=comment.pk, hidden=True).update(
        hidden=False, hidden_reason="", hidden_by=None, hidden_at=None)
    if not updated:
        raise ValidationError({"reason": ["该意见未隐藏"]})
    comment.refresh_from_db()
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=comment,
                 changes={"hidden": [True, False], "hidden_reason": [earlier, ""]}, reason=f"恢复显示：{reason}")
    return comment


@transaction.atomic
def opinion_decide(*, actor, consultation: Consultation, comments: Sequence[Comment], outcome: str, reason: str,
                   summary: str = "") -> Opinion:
    """Decide one opinion: one comment, or several saying the same thing, adopted or rejected with the
    reason residents will read. Only after the comment period, before the outcome is published; a
    comment is decided once."""
    _require(actor, consultation.region)
    consultation = Consultation.objects.get(pk=consultation.pk)
    errors: dict[str, str] = {}
    if consultation.status in (Status.DRAFT, Status.OPEN):
        errors["consultation"] = "征求意见结束后才能处理意见"
    elif consultation.status == Status.PUBLISHED:
        errors["consultation"] = "结果已公布，不能再处理意见"
    if outcome not in Opinion.Outcome.values:
        errors["outcome"] = "请选择处理结果：采纳或不予采纳"
    reason = plain_text(errors, "reason", reason, label="理由", required=True, max_length=REASON_MAX_LENGTH)
    summary = plain_text(errors, "summary", summary, label="意见归纳", max_length=200)
    ids = sorted({comment.pk for comment in comments})
    if not ids:
        errors["comments"] = "请选择要处理的意见"
    else:
        found = consultation.comments.filter(pk__in=ids)
        if found.count() != len(ids):
            errors["comments"] = "所选意见不属于本征求意见"
        elif found.filter(hidden=True).exists():
            errors["comments"] = "已隐藏的意见不需要处理"
        elif found.filter(opinion__isnull=False).exists():
            errors["comments"] = "所选意见中有已处理的意见"
    _check(errors)
    opinion = Opinion.objects.create(consultation=consultation, summary=summary, outcome=outcome, reason=reason,
                                     decided_by=actor)
    # Only comments still undecided and visible are taken: a decision made a moment ago by someone else wins.
    if Comment.objects.filter(pk__in=ids, opinion__isnull=True, hidden=False).update(opinion=opinion) != len(ids):
        raise ValidationError({"comments": ["所选意见刚刚已被他人处理，请刷新后重试"]})
    audit.record(actor=actor, action=AuditEvent.Action.CREATE, target=opinion, changes={
        "consultation": [None, consultation.pk], "outcome": [None, outcome], "comments": [None, ids],
        "reason": [None, reason],
    })
    return opinion
