"""REST API of 红领巾 volunteering, with the scoping, error shape and cursor paging of the rest of /api/v1/.

- `GET /volunteer-activities`, `POST /volunteer-activities` (managers of the community),
  `POST /volunteer-activities/{id}/signups` (the member signs up),
  `POST /volunteer-activities/{id}/check` (`{"action": "check_in"|"check_out", "code"}`: the code of the
  organiser's QR code), `POST /volunteer-activities/{id}/signups/{signup_id}/transitions`
  (`{"action", "version", "minutes"}`: the organiser approves, confirms the minutes …);
- `GET /wishes`, `POST /wishes`;
- `GET /party-members/{id}/service-record`: the member's confirmed hours, activities, posts and deeds.

A move the tables forbid answers 400 `transition_not_allowed` (check-out before check-in, a second
check-in), bad input 400 `invalid` (minutes over the activity's length), a stale version 409
`stale_version`. An object outside the caller's scope is 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Path, Router, Schema, Status

from core.api.errors import ApiError, not_found, service_errors
from core.api.pagination import BY_ID, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut, RegionBrief, region_ref
from core.pii import mask_text
from regions.selectors import region_visible_by_code

from . import selectors, services
from .models import Activity, SignUp, Wish
from .workflow import actions_of

activities_router = Router(tags=["volunteers"])
wishes_router = Router(tags=["volunteers"])
members_router = Router(tags=["volunteers"])

ACTIVITY_NOT_FOUND = "活动不存在或无权访问"
MAX_ID = 2**63 - 1


def _id():
    return Path(..., ge=1, le=MAX_ID)


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    community: RegionBrief
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    scheduled_minutes: int = Field(description="活动时长（分钟），确认时长不能超过它")
    capacity: int
    taken: int
    needs: str
    needs_approval: bool
    status: str
    version: int


class ActivityListOut(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityIn(Schema):
    community: str = Field(max_length=18, description="社区编码")
    title: str = Field(max_length=150)
    place: str = Field(max_length=150)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(ge=1, le=1000)
    kind: str = Field("red_scarf", max_length=12)
    needs: str = Field("", max_length=300)
    needs_approval: bool = False


class SignUpOut(Schema):
    id: int
    activity: int
    member: int
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    scheduled_minutes: int
    completed_minutes: int | None
    credited_minutes: int | None = Field(description="组织者确认的时长；确认前为 null")
    version: int


class CheckIn(Schema):
    action: str = Field(max_length=12, description="check_in 或 check_out")
    code: str = Field(max_length=64, description="组织者二维码中的签到码")


class SignUpMove(Schema):
    action: str = Field(max_length=12)
    version: int = Field(ge=1, le=2**31 - 1)
    minutes: int | None = Field(None, ge=1, le=24 * 60)


def _activity_out(activity: Activity) -> dict:
    return {"id": activity.pk, "kind": activity.kind, "title": activity.title,
            "community": region_ref(activity.community), "place": activity.place, "starts_at": activity.starts_at,
            "ends_at": activity.ends_at, "scheduled_minutes": activity.scheduled_minutes,
            "capacity": activity.capacity, "taken": activity.taken, "needs": activity.needs,
            "needs_approval": activity.needs_approval, "status": activity.status, "version": activity.version}


def _signup_out(signup: SignUp) -> dict:
    return {"id": signup.pk, "activity": signup.activity_id, "member": signup.member_id, "status": signup.status,
            "checked_in_at": signup.checked_in_at, "checked_out_at": signup.checked_out_at,
            "scheduled_minutes": signup.scheduled_minutes, "completed_minutes": signup.completed_minutes,
            "credited_minutes": signup.credited_minutes, "version": signup.version}


def _activity(request, activity_id: int) -> Activity:
    activity = selectors.activities_visible_to(request.user).filter(pk=activity_id).first()
    if activity is None:
        raise not_found(ACTIVITY_NOT_FOUND)
    return activity


@activities_router.get("", response={200: ActivityListOut, 400: ErrorOut})
def list_volunteer_activities(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Volunteer activities in the caller's scope."""
    page = paginate(selectors.activities_visible_to(request.user), BY_ID, cursor=cursor, limit=limit)
    return {"items": [_activity_out(a) for a in page.rows], "next_cursor": page.next_cursor}


@activities_router.post("", response={201: ActivityOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def create_volunteer_activity(request, payload: ActivityIn):
    """Publish an activity in a community the caller manages; the caller is its organiser."""
    community = region_visible_by_code(user=request.user, code=payload.community)
    if community is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"community": ["社区不存在或无权访问"]})
    with service_errors():
        activity = services.activity_create(actor=request.user, community=community,
                                            **payload.dict(exclude={"community"}))
    return Status(201, _activity_out(activity))


@activities_router.post("/{activity_id}/signups", response={201: SignUpOut, 400: ErrorOut, 403: ErrorOut,
                                                            404: ErrorOut})
def sign_up(request, activity_id: int = _id()):
    """The calling member signs up for the activity."""
    activity = _activity(request, activity_id)
    with service_errors():
        signup = services.signup_create(actor=request.user, activity=activity)
    return Status(201, _signup_out(signup))


@activities_router.post("/{activity_id}/check", response={200: SignUpOut, 400: ErrorOut, 403: ErrorOut,
                                                          404: ErrorOut})
def check_in_or_out(request, payload: CheckIn, activity_id: int = _id()):
    """The calling member checks in or out with the code of the organiser's QR code."""
    activity = _activity(request, activity_id)
    with service_errors():
        signup = services.signup_check(actor=request.user, activity=activity, code=payload.code,
                                       action=payload.action)
    return _signup_out(signup)


@activities_router.post("/{activity_id}/signups/{signup_id}/transitions",
                        response={200: SignUpOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def signup_transition(request, payload: SignUpMove, activity_id: int = _id(), signup_id: int = _id()):
    """A move of a sign-up: approve, refuse, no_show, confirm (with `minutes`) by the organiser; cancel by
    the member."""
    activity = _activity(request, activity_id)
    signup = selectors.signups_visible_to(request.user).filter(pk=signup_id, activity=activity).first()
    if signup is None:
        raise not_found("报名不存在或无权访问")
    if payload.action not in actions_of("signup"):
        raise ApiError(400, "invalid", "请求参数不正确", {"action": ["未知的操作"]})
    with service_errors():
        signup = services.signup_transition(actor=request.user, signup=signup, action=payload.action,
                                            expected_version=payload.version, minutes=payload.minutes)
    return _signup_out(signup)


class WishOut(Schema):
    id: int
    community: RegionBrief
    title: str
    text: str = Field(description="发布的内容：电话号码和身份证号已隐去部分数字")
    status: str
    claimed_by: int | None
    version: int


class WishListOut(Schema):
    items: list[WishOut]
    next_cursor: str | None


class WishIn(Schema):
    community: str = Field(max_length=18)
    title: str = Field(max_length=100)
    text: str = Field(max_length=2000)
    resident_name: str = Field("", max_length=50)


def _wish_out(wish: Wish) -> dict:
    return {"id": wish.pk, "community": region_ref(wish.community), "title": wish.shown_title,
            "text": wish.published_text or mask_text(wish.text), "status": wish.status,
            "claimed_by": wish.claimed_by_id, "version": wish.version}


@wishes_router.get("", response={200: WishListOut, 400: ErrorOut})
def list_wishes(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Micro-wishes the caller may read (published ones for members, their own for residents)."""
    page = paginate(selectors.wishes_visible_to(request.user), BY_ID, cursor=cursor, limit=limit)
    return {"items": [_wish_out(w) for w in page.rows], "next_cursor": page.next_cursor}


@wishes_router.post("", response={201: WishOut, 400: ErrorOut, 403: ErrorOut})
def post_wish(request, payload: WishIn):
    """A resident posts a wish, or staff post one for a resident; it is published once staff check it."""
    community = selectors.communities_for_registration().filter(code=payload.community).first()
    if community is None:
        raise ApiError(400, "invalid", "请求参数不正确", {"community": ["社区不存在"]})
    with service_errors():
        wish = services.wish_post(actor=request.user, community=community, title=payload.title, text=payload.text,
                                  resident_name=payload.resident_name)
    return Status(201, _wish_out(wish))


class ServiceActivityOut(Schema):
    activity: int
    title: str
    starts_at: dt.datetime
    status: str
    scheduled_minutes: int
    completed_minutes: int | None
    credited_minutes: int | None


class ServiceRecordOut(Schema):
    member: int
    credited_minutes: int = Field(description="组织者确认的服务时长（分钟）")
    scheduled_minutes: int
    completed_minutes: int
    no_shows: int
    deeds: int = Field(description="办实事件数：完成微心愿、帮扶困难、完成岗位任务")
    wishes: int
    helped: int
    tasks: int
    points: int
    posts: list[str]
    activities: list[ServiceActivityOut]


@members_router.get("/{member_id}/service-record", response={200: ServiceRecordOut, 404: ErrorOut})
def service_record(request, member_id: int = _id()):
    """A party member's volunteer service record: themself, or a member in the caller's scope."""
    member = selectors.service_record_member(request.user, member_id)
    if member is None:
        raise not_found("党员不存在或无权访问")
    record = selectors.member_all_time(member)
    return {
        "member": member.pk, "credited_minutes": record.credited_minutes,
        "scheduled_minutes": record.scheduled_minutes, "completed_minutes": record.completed_minutes,
        "no_shows": record.no_shows, "deeds": record.deeds, "wishes": record.wishes, "helped": record.helped,
        "tasks": record.tasks, "points": record.points,
        "posts": list(dict.fromkeys(claim.post.title for claim in record.posts)),
        "activities": [{"activity": s.activity_id, "title": s.activity.title, "starts_at": s.activity.starts_at,
                        "status": s.status, "scheduled_minutes": s.scheduled_minutes,
                        "completed_minutes": s.completed_minutes, "credited_minutes": s.credited_minutes}
                       for s in record.activities],
    }
