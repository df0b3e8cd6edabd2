"""Writes of 红领巾 volunteering. Each runs in one transaction with its audit row.

Places are taken by a conditional UPDATE as the transaction's first write (`Post.filled`,
`Activity.taken`): the database evaluates "a place is still free" under the row's write lock, on
PostgreSQL and SQLite alike, so of two members claiming the last place exactly one gets it. Records two
people may move at once (a registration, an activity, a sign-up, a wish) are claimed by compare-and-swap
on their `version`.

Permission: staff who manage the record's region (`regions.permissions.can_manage_region`); a member acts
for themself; the organiser (or a manager of the community) confirms hours; the resident who posted a
wish confirms it (staff confirm for a resident who posted through them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.images import ImageRefused
from cases.services import read_photo
from core import audit
from core.db import retry_sqlite_locks
from core.models import AuditEvent
from core.pii import mask_text
from core.roles import Role
from core.text import plain_text
from organisations.models import PartyMember
from organisations.services import party_member_update
from regions.models import Level, Region
from regions.permissions import can_manage_region

from .models import Activity, Post, PostClaim, PostTask, Registration, SignUp, Wish
from .workflow import (
    SIGNUP_HOLDS_PLACE,
    ActivityStatus,
    RegistrationStatus,
    SignUpStatus,
    StaleVersion,
    StepNotAllowed,
    Who,
    edge,
)

NO_PERMISSION = "您无权管理该社区的志愿服务"
NOT_A_MEMBER = "只有党员本人可以办理"
TEXT_MAX_LENGTH = 2000


def member_of(user) -> PartyMember | None:
    """The party member `user` is, or None."""
    if not getattr(user, "is_authenticated", False) or not user.person_id or user.role != Role.PARTY_MEMBER:
        return None
    return PartyMember.objects.active().filter(person_id=user.person_id).select_related("person").first()


def _require_manager(actor, region: Region) -> None:
    if not can_manage_region(actor, region):
        raise PermissionDenied(NO_PERMISSION)


def _require_member(actor) -> PartyMember:
    member = member_of(actor)
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    return member


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})


def _claim(model, obj, expected_version: int):
    """Bump `obj`'s version from `expected_version` as the transaction's first write; StaleVersion if it moved."""
    if not model.objects.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1):
        raise StaleVersion()
    return model.objects.get(pk=obj.pk)


def _audit(actor, target, action: str, changes: dict[str, Any], reason: str = "") -> None:
    audit.record(actor=actor, action=action, target=target,
                 changes={key: [None, audit._plain(value)] for key, value in changes.items()}, reason=reason)


def _moved(actor, target, before: str, after: str, label: str) -> None:
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=target,
                 changes={"status": [before, after]}, reason=label)


# --------------------------------------------------------------------------------------------------
# 双报到
# --------------------------------------------------------------------------------------------------


@retry_sqlite_locks
@transaction.atomic
def registration_submit(*, actor, community: Region, member: PartyMember | None = None) -> Registration:
    """A member registers at `community` (双报到). Online, by the member: pending until the community
    confirms. At the desk, by a manager of the community for a member already on the roster: one step,
    confirmed at once."""
    if community is None or community.level != Level.COMMUNITY:
        raise ValidationError({"community": ["报到社区必须是社区一级"]})
    if member is None:
        member = _require_member(actor)
        channel = Registration.Channel.ONLINE
    else:
        _require_manager(actor, community)
        channel = Registration.Channel.DESK
    if member.registered_community_id == community.pk:
        raise ValidationError({"community": [f"已在{community.name}报到，无须重复报到"]})
    if Registration.objects.filter(member=member, status=RegistrationStatus.PENDING).exists():
        raise ValidationError({"community": ["已有一条待社区确认的报到，请等待确认"]})
    registration = Registration.objects.create(member=member, community=community, channel=channel,
                                               registered_at=timezone.now())
    _audit(actor, registration, AuditEvent.Action.CREATE,
           {"member": member, "community": community, "channel": channel})
    if channel == Registration.Channel.DESK:
        _confirm(actor, registration)
    return registration


def _confirm(actor, registration: Registration) -> None:
    now = timezone.now()
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.CONFIRMED, decided_at=now,
                                                           decided_by=actor)
    registration.refresh_from_db()
    member = registration.member
    values: dict[str, Any] = {"registered_community": registration.community,
                              "registered_on": timezone.localdate(now)}
    if member.grid_id and not registration.community.contains(member.grid):
        values["grid"] = None
    party_member_update(actor=actor, member=member, values=values)
    _moved(actor, registration, RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, "确认报到")


@retry_sqlite_locks
@transaction.atomic
def registration_decide(*, actor, registration: Registration, action: str, expected_version: int) -> Registration:
    """The community confirms (the member's record then names the community) or refuses a registration."""
    _require_manager(actor, registration.community)
    registration = _claim(Registration, registration, expected_version)
    step = edge("registration", action, registration.status)
    if step.target == RegistrationStatus.CONFIRMED:
        _confirm(actor, registration)
    else:
        Registration.objects.filter(pk=registration.pk).update(status=step.target, decided_at=timezone.now(),
                                                               decided_by=actor)
        _moved(actor, registration, registration.status, step.target, step.label)
    registration.refresh_from_db()
    return registration


# --------------------------------------------------------------------------------------------------
# 公益岗位
# --------------------------------------------------------------------------------------------------


@retry_sqlite_locks
@transaction.atomic
def post_create(*, actor, region: Region, category: str, title: str, duties: str, shift: str,
                head_count: int) -> Post:
    """A public-welfare post of a grid or building, with its duties, shift and head-count."""
    _require_manager(actor, region)
    errors: dict[str, str] = {}
    if region.level not in (Level.GRID, Level.BUILDING):
        errors["region"] = "岗位须设在网格或楼栋"
    if category not in Post.Category.values:
        errors["category"] = "请选择岗位类别"
    title = plain_text(errors, "title", title, label="岗位名称", required=True, max_length=100, single_line=True)
    duties = plain_text(errors, "duties", duties, label="岗位职责", required=True, max_length=TEXT_MAX_LENGTH)
    shift = plain_text(errors, "shift", shift, label="服务时段", required=True, max_length=100, single_line=True)
    if not isinstance(head_count, int) or not 1 <= head_count <= 200:
        errors["head_count"] = "需要人数须为 1 到 200"
    _check(errors)
    post = Post.objects.create(region=region, category=category, title=title, duties=duties, shift=shift,
                               head_count=head_count)
    _audit(actor, post, AuditEvent.Action.CREATE, {"region": region, "title": title, "head_count": head_count})
    return post


def _take_post_place(post: Post) -> None:
    if not Post.objects.filter(pk=post.pk, archived_at__isnull=True, filled__lt=F("head_count")).update(
            filled=F("filled") + 1):
        raise ValidationError({"post": [f"“{post.title}”已满员，请选择其他岗位"]})


def _free_post_place(post_id: int) -> None:
    Post.objects.filter(pk=post_id, filled__gt=0).update(filled=F("filled") - 1)


def _open_claim(post: Post, member: PartyMember, actor) -> PostClaim:
    if PostClaim.objects.filter(post=post, member=member, ended_at__isnull=True).exists():
        raise ValidationError({"post": ["您已认领该岗位"]})
    try:
        with transaction.atomic():
            claim = PostClaim.objects.create(post=post, member=member, claimed_at=timezone.now())
    except IntegrityError as exc:
        raise ValidationError({"post": ["您已认领该岗位"]}) from exc
    _audit(actor, claim, AuditEvent.Action.CREATE, {"post": post, "member": member})
    return claim


@retry_sqlite_locks
@transaction.atomic
def post_claim(*, actor, post: Post) -> PostClaim:
    """The member claims (认领) a place of `post`; refused when the post is full."""
    member = _require_member(actor)
    _take_post_place(post)  # first write: of two claims of the last place, one waits and then finds none
    return _open_claim(post, member, actor)


def _end_claim(actor, claim: PostClaim) -> None:
    if not PostClaim.objects.filter(pk=claim.pk, ended_at__isnull=True).update(ended_at=timezone.now()):
        raise ValidationError({"post": ["您已不在该岗位"]})
    _free_post_place(claim.post_id)
    audit.record(actor=actor, action=AuditEvent.Action.UPDATE, target=claim, changes={"ended_at": [None, "退出"]})


@retry_sqlite_locks
@transaction.atomic
def post_give_up(*, actor, claim: PostClaim) -> PostClaim:
    """The member gives up (退出) a post they hold; the place is free again."""
    if member_of(actor) is None or claim.member_id != member_of(actor).pk:
        raise PermissionDenied(NOT_A_MEMBER)
    _end_claim(actor, claim)
    claim.refresh_from_db()
    return claim


@retry_sqlite_locks
@transaction.atomic
def post_swap(*, actor, claim: PostClaim, to_post: Post) -> PostClaim:
    """The member swaps (调换) a post they hold for a free place of another, in one step: either both
    happen or neither."""
    member = _require_member(actor)
    if claim.member_id != member.pk:
        raise PermissionDenied(NOT_A_MEMBER)
    if to_post.pk == claim.post_id:
        raise ValidationError({"to_post": ["请选择另一个岗位"]})
    _take_post_place(to_post)
    _end_claim(actor, claim)
    return _open_claim(to_post, member, actor)


@retry_sqlite_locks
@transaction.atomic
def post_task_record(*, actor, claim: PostClaim, done_on: dt.date, note: str) -> PostTask:
    """A shift of a post done by its member (one deed), recorded by the member or the community."""
    member = member_of(actor)
    if (member is None or member.pk != claim.member_id) and not can_manage_region(actor, claim.post.region):
        raise PermissionDenied(NO_PERMISSION)
    errors: dict[str, str] = {}
    note = plain_text(errors, "note", note, label="完成情况", required=True, max_length=300)
    if done_on is None or done_on > timezone.localdate():
        errors["done_on"] = "完成日期不能晚于今天"
    elif done_on < timezone.localtime(claim.claimed_at).date():
        errors["done_on"] = "完成日期不能早于认领日期"
    if claim.ended_at is not None and done_on and done_on > timezone.localtime(claim.ended_at).date():
        errors["done_on"] = "完成日期不能晚于退出岗位的日期"
    _check(errors)
    task = PostTask.objects.create(claim=claim, done_on=done_on, note=note, recorded_at=timezone.now())
    _audit(actor, task, AuditEvent.Action.CREATE, {"claim": claim, "done_on": done_on})
    return task


@retry_sqlite_locks
@transaction.atomic
def post_tasks_record(*, actor, claim: PostClaim, entries: list[tuple[dt.date, str]]) -> list[PostTask]:
    """Several shifts of one post done, entered at once (a term's paper log): each checked like
    `post_task_record`, the tasks written in one insert, each with its audit row."""
    if not can_manage_region(actor, claim.post.region):
        raise PermissionDenied(NO_PERMISSION)
    today, claimed_on = timezone.localdate(), timezone.localtime(claim.claimed_at).date()
    tasks = []
    for number, (done_on, note) in enumerate(entries, start=1):
        errors: dict[str, str] = {}
        note = plain_text(errors, "note", note, label="完成情况", required=True, max_length=300)
        if not claimed_on <= done_on <= today:
            errors["done_on"] = f"第 {number} 条：完成日期须在认领之后、今天之前"
        _check(errors)
        tasks.append(PostTask(claim=claim, done_on=done_on, note=note, recorded_at=timezone.now()))
    tasks = PostTask.objects.bulk_create(tasks)
    for task in tasks:
        _audit(actor, task, AuditEvent.Action.CREATE, {"claim": claim, "done_on": task.done_on})
    return tasks


# --------------------------------------------------------------------------------------------------
# 志愿服务活动
# --------------------------------------------------------------------------------------------------


@retry_sqlite_locks
@transaction.atomic
def activity_create(*, actor, community: Region, title: str, place: str, starts_at: dt.datetime,
                    ends_at: dt.datetime, capacity: int, kind: str = Activity.Kind.RED_SCARF, needs: str = "",
                    needs_approval: bool = False) -> Activity:
    """A volunteer activity of `community`, organised by `actor`."""
    _require_manager(actor, community)
    errors: dict[str, str] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = "活动须由社区组织"
    if kind not in Activity.Kind.values:
        errors["kind"] = "请选择活动类型"
    title = plain_text(errors, "title", title, label="活动名称", required=True, max_length=150, single_line=True)
    place = plain_text(errors, "place", place, label="活动地点", required=True, max_length=150, single_line=True)
    needs = plain_text(errors, "needs", needs, label="岗位需求", max_length=300)
    if starts_at is None:
        errors["starts_at"] = "请填写开始时间"
    if ends_at is None:
        errors["ends_at"] = "请填写结束时间"
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "结束时间须晚于开始时间"
    elif starts_at is not None and ends_at - starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = "一次活动不能超过 24 小时"
    if not isinstance(capacity, int) or not 1 <= capacity <= 1000:
        errors["capacity"] = "招募人数须为 1 到 1000"
    _check(errors)
    activity = Activity.objects.create(community=community, kind=kind, title=title, place=place, starts_at=starts_at,
                                       ends_at=ends_at, capacity=capacity, needs=needs,
                                       needs_approval=needs_approval, organiser=actor)
    _audit(actor, activity, AuditEvent.Action.CREATE,
           {"community": community, "title": title, "starts_at": starts_at, "capacity": capacity})
    return activity


def may_organise(user, activity: Activity) -> bool:
    """The organiser, or a manager of the activity's community."""
    return (getattr(user, "is_authenticated", False) and user.pk == activity.organiser_id) or can_manage_region(
        user, activity.community)


@retry_sqlite_locks
@transaction.atomic
def activity_transition(*, actor, activity: Activity, action: str, expected_version: int) -> Activity:
    """The organiser finishes or cancels an activity. A sign-up still signed up when it finishes is a no-show."""
    if not may_organise(actor, activity):
        raise PermissionDenied(NO_PERMISSION)
    activity = _claim(Activity, activity, expected_version)
    step = edge("activity", action, activity.status)
    Activity.objects.filter(pk=activity.pk).update(status=step.target)
    _moved(actor, activity, activity.status, step.target, step.label)
    if step.target == ActivityStatus.FINISHED:
        for signup in SignUp.objects.filter(activity=activity, status=SignUpStatus.SIGNED_UP):
            _signup_move(actor, signup, "no_show")
    activity.refresh_from_db()
    return activity


@retry_sqlite_locks
@transaction.atomic
def signup_create(*, actor, activity: Activity) -> SignUp:
    """The member signs up: at once, or pending the organiser's approval; refused when the activity is full."""
    member = _require_member(actor)
    if activity.status != ActivityStatus.OPEN:
        raise ValidationError({"activity": [f"活动{activity.get_status_display()}，不能报名"]})
    if not Activity.objects.filter(pk=activity.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1):
        raise ValidationError({"activity": ["活动报名人数已满"]})
    if SignUp.objects.filter(activity=activity, member=member).exists():
        raise ValidationError({"activity": ["您已报名该活动"]})
    status = SignUpStatus.APPLIED if activity.needs_approval else SignUpStatus.SIGNED_UP
    signup = SignUp.objects.create(activity=activity, member=member, status=status, signed_up_at=timezone.now(),
                                   scheduled_minutes=activity.scheduled_minutes)
    _audit(actor, signup, AuditEvent.Action.CREATE, {"activity": activity, "member": member, "status": status})
    return signup


def _signup_move(actor, signup: SignUp, action: str, *, bump: bool = True, **values: Any) -> SignUp:
    step = edge("signup", action, signup.status)
    holds_before = signup.status in SIGNUP_HOLDS_PLACE
    if bump:
        values["version"] = F("version") + 1
    SignUp.objects.filter(pk=signup.pk).update(status=step.target, **values)
    if holds_before and step.target not in SIGNUP_HOLDS_PLACE:
        Activity.objects.filter(pk=signup.activity_id, taken__gt=0).update(taken=F("taken") - 1)
    _moved(actor, signup, signup.status, step.target, step.label)
    signup.refresh_from_db()
    return signup


@retry_sqlite_locks
@transaction.atomic
def signup_check(*, actor, activity: Activity, code: str, action: str) -> SignUp:
    """The member checks in or out on their phone with the code of the organiser's QR code.

    Check-out before check-in, a second check-in, and a code of another activity are refused."""
    member = _require_member(actor)
    if action not in ("check_in", "check_out"):
        raise StepNotAllowed("请扫描活动的签到码")
    if not code or code != activity.check_code:
        raise ValidationError({"code": ["签到码不正确，请扫描本活动组织者出示的二维码"]})
    if activity.status != ActivityStatus.OPEN:
        raise ValidationError({"code": [f"活动{activity.get_status_display()}，不能签到或签退"]})
    signup = SignUp.objects.select_for_update().filter(activity=activity, member=member).first()
    if signup is None:
        raise ValidationError({"code": ["您未报名该活动，请先报名"]})
    now = timezone.now()
    if action == "check_in":
        return _signup_move(actor, signup, "check_in", checked_in_at=now)
    edge("signup", "check_out", signup.status)  # refused before the minutes are reckoned
    minutes = int((now - signup.checked_in_at).total_seconds() // 60)
    return _signup_move(actor, signup, "check_out", checked_out_at=now, completed_minutes=minutes)


@retry_sqlite_locks
@transaction.atomic
def signup_transition(*, actor, signup: SignUp, action: str, expected_version: int,
                      minutes: int | None = None) -> SignUp:
    """Organiser moves of a sign-up (approve, refuse, no-show, confirm the minutes) and the member's cancel.

    Minutes are credited only here, by the organiser, and never more than the activity's length."""
    activity = signup.activity
    step = edge("signup", action, signup.status)
    if step.who == Who.MEMBER:
        member = member_of(actor)
        if member is None or member.pk != signup.member_id:
            raise PermissionDenied(NOT_A_MEMBER)
    elif not may_organise(actor, activity):
        raise PermissionDenied("只有活动组织者可以办理")
    signup = _claim(SignUp, signup, expected_version)
    edge("signup", action, signup.status)
    values: dict[str, Any] = {}
    if action == "confirm":
        if minutes is None:
            minutes = min(signup.completed_minutes or 0, signup.scheduled_minutes)
        if not isinstance(minutes, int) or minutes < 1:
            raise ValidationError({"minutes": ["请填写确认的服务时长（分钟，至少 1 分钟）"]})
        if minutes > activity.scheduled_minutes:
            raise ValidationError({"minutes": [
                f"确认时长 {minutes} 分钟超过了活动时长 {activity.scheduled_minutes} 分钟，请核实后重填"]})
        values = {"credited_minutes": minutes, "confirmed_at": timezone.now(), "confirmed_by": actor}
    return _signup_move(actor, signup, action, bump=False, **values)  # `_claim` has bumped the version


# --------------------------------------------------------------------------------------------------
# 微心愿（三单制）
# --------------------------------------------------------------------------------------------------


@retry_sqlite_locks
@transaction.atomic
def wish_post(*, actor, community: Region, title: str, text: str, resident_name: str = "") -> Wish:
    """A resident posts a micro-wish (居民点单), or staff post it for a resident; staff check it next."""
    is_staff = can_manage_region(actor, community)
    errors: dict[str, str] = {}
    if community is None or community.level != Level.COMMUNITY:
        raise ValidationError({"community": ["请选择社区"]})
    if not is_staff and (getattr(actor, "role", "") != Role.RESIDENT or actor.is_superuser):
        raise PermissionDenied("只有居民或社区工作人员可以登记心愿")
    title = plain_text(errors, "title", title, label="心愿", required=True, max_length=100, single_line=True)
    text = plain_text(errors, "text", text, label="心愿内容", required=True, max_length=TEXT_MAX_LENGTH)
    if is_staff:
        resident_name = plain_text(errors, "resident_name", resident_name, label="许愿居民", required=True,
                                   max_length=50, single_line=True)
    else:
        resident_name = (actor.person.name if actor.person_id else actor.get_username())[:50]
    _check(errors)
    wish = Wish.objects.create(community=community, title=title, text=text, resident_name=resident_name,
                               posted_by=actor)
    _audit(actor, wish, AuditEvent.Action.CREATE, {"community": community, "title": mask_text(title)})
    return wish


def may_confirm_wish(user, wish: Wish) -> bool:
    """The resident who posted the wish; staff of the community for a resident who posted through them."""
    if not getattr(user, "is_authenticated", False):
        return False
    if wish.posted_by.role == Role.RESIDENT and not wish.posted_by.is_superuser:
        return user.pk == wish.posted_by_id
    return can_manage_region(user, wish.community)


@retry_sqlite_locks
def wish_transition(*, actor, wish: Wish, action: str, expected_version: int, proof: Any = None) -> Wish:
    """Move a wish along `WISH_TABLE`: staff publish (the text masked) or reject, a member claims and
    fulfils it with a photo, the resident confirms. The photo is written once the row has committed."""
    wish, clean = _wish_move(actor=actor, wish=wish, action=action, expected_version=expected_version, proof=proof)
    if clean is not None:
        wish.proof.storage.save(wish.proof.name, ContentFile(clean.content))
    return wish


@transaction.atomic
def _wish_move(*, actor, wish: Wish, action: str, expected_version: int, proof: Any):
    step = edge("wish", action, wish.status)
    member = None
    if step.who == Who.STAFF and not can_manage_region(actor, wish.community):
        raise PermissionDenied(NO_PERMISSION)
    if step.who == Who.MEMBER:
        member = _require_member(actor)
        if action == "fulfil" and wish.claimed_by_id != member.pk:
            raise PermissionDenied("只有认领该心愿的党员可以完成")
    if step.who == Who.RESIDENT and not may_confirm_wish(actor, wish):
        raise PermissionDenied("只有许愿居民可以确认")
    clean = None
    if action == "fulfil":
        if not proof:
            raise ValidationError({"proof": ["请上传完成心愿的照片"]})
        try:
            clean = read_photo(proof)
        except ImageRefused as exc:
            raise ValidationError({"proof": [f"照片{exc}"]}) from exc
    wish = _claim(Wish, wish, expected_version)
    edge("wish", action, wish.status)
    now = timezone.now()
    values: dict[str, Any] = {"status": step.target}
    if action == "publish":
        values.update(published_title=mask_text(wish.title), published_text=mask_text(wish.text))
    elif action == "claim":
        values.update(claimed_by=member, claimed_at=now)
    elif action == "fulfil":
        values.update(fulfilled_at=now, proof=f"{proof_name()}.{clean.extension}")
    elif action == "confirm":
        values["confirmed_at"] = now
    if "proof" in values:
        values["proof"] = Wish._meta.get_field("proof").generate_filename(wish, values["proof"])
    Wish.objects.filter(pk=wish.pk).update(**values)
    _moved(actor, wish, wish.status, step.target, step.label)
    wish.refresh_from_db()
    return wish, clean


def proof_name() -> str:
    return uuid.uuid4().hex
