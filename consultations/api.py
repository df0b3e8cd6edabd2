"""REST API of consultations (征求意见), with the scoping, error shape and cursor paging of the rest of /api/v1/.

- `GET /consultations`, `POST /consultations`, `GET /consultations/{id}`;
- `POST /consultations/{id}/transitions` (`{"action", "version", …}`: `open`, `close`, `review`, `publish`):
  a move the table forbids answers 400 `transition_not_allowed`, a stale version 409 `stale_version`;
- `POST /consultations/{id}/comments` (a resident's comment; the same `idempotency_key` stores one),
  `POST /consultations/{id}/comments/{comment_id}/moderation` (hide or show again, with a reason),
  `POST /consultations/{id}/opinions` (adopted or rejected, with the reason).

Staff see the consultations of their subtree; a consultation outside it is 404, like one that does not
exist. A resident may comment on an open consultation and read none of the staff's records.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RecordId, RegionBrief, region_ref
from core.pii import mask_name, mask_text
from meetings.selectors import meetings_visible_to
from regions.selectors import region_visible_by_code

from . import selectors, services
from .models import Comment, Consultation
from .workflow import ACTIONS

router = Router(tags=["consultations"])

NOT_FOUND = "征求意见不存在或无权访问"


class ConsultationCommentOut(Schema):
    id: int
    name: str = Field(description="称呼（只显示第一个字）")
    text: str
    created_at: dt.datetime
    hidden: bool
    hidden_reason: str
    opinion: int | None


class ConsultationOpinionOut(Schema):
    id: int
    outcome: str = Field(description="adopted（采纳）或 rejected（不予采纳）")
    outcome_label: str
    summary: str
    reason: str
    comments: list[int]


class ConsultationOut(Schema):
    id: int
    title: str
    plan: str
    region: RegionBrief
    facility: int | None
    opens_on: dt.date
    closes_on: dt.date
    short_reason: str
    status: str
    status_label: str
    version: int
    allowed_actions: list[str]
    review_meeting: int | None
    outcome: str
    comments: list[ConsultationCommentOut]
    opinions: list[ConsultationOpinionOut]


class ConsultationListOut(Schema):
    items: list[ConsultationOut]
    next_cursor: str | None


def _comment_out(comment: Comment) -> dict:
    return {"id": comment.pk, "name": mask_name(comment.display_name), "text": mask_text(comment.text),
            "created_at": comment.created_at, "hidden": comment.hidden, "hidden_reason": comment.hidden_reason,
            "opinion": comment.opinion_id}


def _out(consultation: Consultation) -> dict:
    comments = list(consultation.comments.all())
    return {
        "id": consultation.pk, "title": consultation.title, "plan": mask_text(consultation.plan),
        "region": region_ref(consultation.region), "facility": consultation.facility_id,
        "opens_on": consultation.opens_on, "closes_on": consultation.closes_on,
        "short_reason": consultation.short_reason, "status": consultation.status,
        "status_label": consultation.get_status_display(), "version": consultation.version,
        "allowed_actions": selectors.consultation_actions(consultation),
        "review_meeting": consultation.review_meeting_id, "outcome": mask_text(consultation.outcome),
        "comments": [_comment_out(comment) for comment in comments],
        "opinions": [
            {"id": opinion.pk, "outcome": opinion.outcome, "outcome_label": opinion.get_outcome_display(),
             "summary": mask_text(opinion.summary), "reason": mask_text(opinion.reason),
             "comments": [comment.pk for comment in comments if comment.opinion_id == opinion.pk]}
            for opinion in consultation.opinions.all()
        ],
    }


def _visible(request, consultation_id: int) -> Consultation:
    consultation = selectors.consultations_visible_to(request.user).filter(pk=consultation_id).first()
    if consultation is None:
        raise not_found(NOT_FOUND)
    return consultation


@router.get("", response={200: ConsultationListOut, 400: ErrorOut})
def list_consultations(request, status: str | None = Query(None, max_length=12, description="状态"),
                       cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Consultations of the regions in the caller's scope, by id, each with its comments and opinions."""
    # One query per kind of row, whatever the page holds.
    qs = selectors.consultations_visible_to(request.user).prefetch_related("comments", "opinions")
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, BY_ID, cursor=cursor, limit=limit)
    return {"items": [_out(consultation) for consultation in page.rows], "next_cursor": page.next_cursor}


class ConsultationIn(Schema):
    region: str = Field(max_length=18, description="社区的区域编码")
    title: str = Field(max_length=150)
    plan: str = Field(max_length=10000, description="方案内容")
    facility: int | None = Field(None, ge=1, description="相关阵地 id")
    opens_on: dt.date | None = Field(None, description="开始日期，默认今天")
    closes_on: dt.date | None = Field(None, description="截止日期，默认开始后 30 天")
    short_reason: str = Field("", max_length=1000, description="征求期少于 30 天时必填")
    idempotency_key: str | None = Field(None, max_length=64)


@router.post("", response={201: ConsultationOut, 200: ConsultationOut, 400: ErrorOut, 403: ErrorOut})
def create_consultation(request, payload: ConsultationIn):
    """Draft a consultation (status `draft`). A retry with the same `idempotency_key` answers 200 with the
    consultation made the first time."""
    region = region_visible_by_code(user=request.user, code=payload.region)
    if region is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"region": ["未找到该区域编码，或该区域不在您的管辖范围内"]})
    facility = None
    if payload.facility is not None:
        facility = selectors.facilities_for(request.user).filter(pk=payload.facility).first()
        if facility is None:
            raise ApiError(400, "invalid", "请求参数不正确", {"facility": ["阵地不存在或无权访问"]})
    with service_errors({services.CLOSED_MESSAGE: "consultation_closed"}):
        consultation, created = services.consultation_create(
            actor=request.user, region=region, title=payload.title, plan=payload.plan, facility=facility,
            opens_on=payload.opens_on, closes_on=payload.closes_on, short_reason=payload.short_reason,
            idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _out(consultation))


@router.get("/{consultation_id}", response={200: ConsultationOut, 404: ErrorOut})
def get_consultation(request, consultation_id: int):
    """One consultation with its comments (hidden ones marked) and the outcome of each opinion."""
    return _out(_visible(request, consultation_id))


class ConsultationTransitionIn(Schema):
    action: str = Field(max_length=40, description="、".join(ACTIONS))
    version: int
    reason: str = Field("", max_length=1000, description="结束：提前结束的理由")
    meeting: int | None = Field(None, ge=1, description="评审：已通知的评审会议 id")
    body: int | None = Field(None, ge=1, description="评审：或安排会议的议事机构 id")
    scheduled_at: dt.datetime | None = Field(None, description="评审：新会议的时间")
    place: str = Field("", max_length=150)
    outcome: str = Field("", max_length=10000, description="公布：结果说明")


@router.post("/{consultation_id}/transitions", response={200: ConsultationOut, 400: ErrorOut, 403: ErrorOut,
                                                         404: ErrorOut, 409: ErrorOut})
def consultation_transition(request, consultation_id: int, payload: ConsultationTransitionIn):
    """Open, close, send to its review meeting or publish, at the `version` the caller read."""
    consultation = _visible(request, consultation_id)
    if payload.action not in ACTIONS:
        raise ApiError(400, "unknown_action", f"未知的操作：{payload.action[:40]}", {"action": ["未知的操作"]})
    base = {"actor": request.user, "consultation": consultation, "expected_version": payload.version}
    with service_errors({services.CLOSED_MESSAGE: "consultation_closed"}):
        if payload.action == "open":
            consultation = services.consultation_open(**base)
        elif payload.action == "close":
            consultation = services.consultation_close(**base, reason=payload.reason)
        elif payload.action == "publish":
            consultation = services.consultation_publish(**base, outcome=payload.outcome)
        else:
            meeting = body = None
            if payload.meeting is not None:
                meeting = meetings_visible_to(request.user).filter(pk=payload.meeting).first()
                if meeting is None:
                    raise ValidationError({"meeting": ["会议不存在或无权访问"]})
            elif payload.body is not None:
                body = selectors.review_bodies(request.user, consultation).filter(pk=payload.body).first()
                if body is None:
                    raise ValidationError({"body": ["该议事机构不能评审此征求意见，或无权访问"]})
            consultation = services.consultation_review(**base, meeting=meeting, body=body,
                                                        scheduled_at=payload.scheduled_at, place=payload.place)
    return _out(consultation)


class ConsultationCommentIn(Schema):
    text: str = Field(max_length=2000)
    display_name: str = Field(max_length=30, description="称呼；公开时只显示第一个字")
    phone: str = Field("", max_length=20, description="手机号码（选填，不公开）")
    idempotency_key: str | None = Field(None, max_length=64, description="重试时用同一个键，只记一条意见")


@router.post("/{consultation_id}/comments",
             response={201: ConsultationCommentOut, 200: ConsultationCommentOut, 400: ErrorOut, 404: ErrorOut})
def add_comment(request, consultation_id: int, payload: ConsultationCommentIn):
    """A comment on a consultation open to the public. A closed one answers 400 `consultation_closed` and
    stores nothing; a retry with the same key answers 200 with the first comment."""
    consultation = selectors.public_consultation(consultation_id)
    if consultation is None:
        raise not_found(NOT_FOUND)
    with service_errors({services.CLOSED_MESSAGE: "consultation_closed"}):
        comment, created = services.comment_add(
            consultation=consultation, text=payload.text, display_name=payload.display_name, phone=payload.phone,
            user=request.user, idempotency_key=payload.idempotency_key,
        )
    return Status(201 if created else 200, _comment_out(comment))


class CommentModerationIn(Schema):
    hidden: bool = Field(description="true 隐藏，false 恢复显示")
    reason: str = Field(max_length=1000, description="理由（必填）")


@router.post("/{consultation_id}/comments/{comment_id}/moderation",
             response={200: ConsultationCommentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def moderate_comment(request, consultation_id: int, comment_id: int, payload: CommentModerationIn):
    """Hide a comment from the public (its text is kept) or show it again, with the reason."""
    consultation = _visible(request, consultation_id)
    comment = consultation.comments.filter(pk=comment_id).first()
    if comment is None:
        raise not_found("意见不存在或无权访问")
    service = services.comment_hide if payload.hidden else services.comment_unhide
    with service_errors({services.CLOSED_MESSAGE: "consultation_closed"}):
        comment = service(actor=request.user, comment=comment, reason=payload.reason)
    return _comment_out(comment)


class ConsultationOpinionIn(Schema):
    comments: list[RecordId] = Field(min_length=1, max_length=200, description="所处理的意见 id")
    outcome: str = Field(max_length=10, description="adopted 或 rejected")
    reason: str = Field(max_length=1000, description="理由（必填，将公布）")
    summary: str = Field("", max_length=200, description="意见归纳")


@router.post("/{consultation_id}/opinions",
             response={201: ConsultationOpinionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def decide_opinion(request, consultation_id: int, payload: ConsultationOpinionIn):
    """Adopt or reject one opinion (one comment or several), with the reason residents will read."""
    consultation = _visible(request, consultation_id)
    comments = list(consultation.comments.filter(pk__in=payload.comments))
    with service_errors({services.CLOSED_MESSAGE: "consultation_closed"}):
        if len(comments) != len(set(payload.comments)):
            raise ValidationError({"comments": ["所选意见不属于本征求意见"]})
        opinion = services.opinion_decide(actor=request.user, consultation=consultation, comments=comments,
                                          outcome=payload.outcome, reason=payload.reason, summary=payload.summary)
    return Status(201, {"id": opinion.pk, "outcome": opinion.outcome, "outcome_label": opinion.get_outcome_display(),
                        "summary": opinion.summary, "reason": opinion.reason,
                        "comments": list(opinion.comments.values_list("pk", flat=True))})
