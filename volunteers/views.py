"""Pages of 红领巾 volunteering and 双报到, mounted at /volunteers/.

Views parse the request, find records only through the scoped selectors (out of scope answers 404) and
call one service. A refusal is shown with what was typed kept: a move the table forbids or bad input
(400), a stale version (409); a write the service refuses for permission answers the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.pii import mask_id_number
from core.qr import qr_data_uri
from core.roles import REGION_STAFF_ROLES, Role
from core.xlsx import download
from organisations.selectors import party_members_visible_to
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to

from . import selectors, services
from .excel import unit_quarter_xlsx
from .forms import (
    ActivityForm,
    ConfirmMinutesForm,
    PostForm,
    PostTaskForm,
    ProofForm,
    QuarterForm,
    RegistrationForm,
    SwapForm,
    VersionForm,
    WishForm,
)
from .workflow import (
    ACTIVITY_TABLE,
    REGISTRATION_TABLE,
    SIGNUP_TABLE,
    WISH_TABLE,
    StaleVersion,
    StepNotAllowed,
    Who,
    allowed_actions,
)

CONFLICT_MESSAGE = "该记录已被他人更新，请刷新后重试"


def _is_staff(user) -> bool:
    return user.is_superuser or user.role in REGION_STAFF_ROLES


def _is_resident(user) -> bool:
    return user.role == Role.RESIDENT and not user.is_superuser


def _refused(request: HttpRequest, message: str, status: int, back: str) -> HttpResponse:
    return render(request, "volunteers/refused.html", {"message": message, "back": back}, status=status)


def _run(request: HttpRequest, back: str, call, done: str) -> HttpResponse:
    """Call a service; on success say so and go back, on refusal show why (the 403 page for permission)."""
    try:
        call()
    except ValidationError as exc:
        return _refused(request, "；".join(exc.messages), 400, back)
    except StepNotAllowed as exc:
        return _refused(request, str(exc), 400, back)
    except StaleVersion:
        return _refused(request, CONFLICT_MESSAGE, 409, back)
    messages.success(request, done)
    return redirect(back)


def _version(request: HttpRequest, form_class=VersionForm):
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationError("；".join(e for errors in form.errors.values() for e in errors))
    return form.cleaned_data


# --------------------------------------------------------------------------------------------------
# Home: the member's page, or the community's overview
# --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = services.member_of(user)
    year = timezone.localdate().year
    if member is not None:
        return render(request, "volunteers/member.html", _member_context(request, member, year))
    if _is_resident(user):
        return redirect("volunteers:wishes")
    if not _is_staff(user):
        raise Http404
    members = party_members_visible_to(user)
    return render(request, "volunteers/overview.html", {
        "pending": selectors.pending_registrations(user)[:100],
        "empty_posts": selectors.empty_posts(selectors.posts_visible_to(user))[:100],
        "activities": selectors.activities_visible_to(user)[:20],
        "wishes_to_check": selectors.wishes_visible_to(user).filter(status="posted")[:50],
        "units": selectors.units_visible_to(user)[:100],
        "rankings": selectors.rankings(members, year), "year": year, "rule": selectors.POINTS_RULE,
    })


def _member_context(request, member, year, form=None) -> dict:
    user = request.user
    claims = member.post_claims.filter(ended_at__isnull=True).select_related("post")
    held = {claim.post_id for claim in claims}
    return {
        "member": member, "record": selectors.member_year(member, year), "year": year,
        "rule": selectors.POINTS_RULE,
        "form": form or RegistrationForm(communities=selectors.communities_for_registration()),
        "registrations": selectors.registrations_visible_to(user)[:10],
        "claims": claims,
        "free_posts": [p for p in selectors.empty_posts(selectors.posts_visible_to(user))[:50] if p.pk not in held],
        "activities": selectors.activities_visible_to(user).filter(status="open")[:20],
        "signups": selectors.signups_visible_to(user).order_by("-activity__starts_at")[:20],
        "wishes": selectors.wishes_visible_to(user).filter(status__in=["published", "claimed"])[:20],
        "task_form": PostTaskForm(),
    }


@login_required
@require_POST
def register(request: HttpRequest) -> HttpResponse:
    """双报到 online by the member, or at the desk by staff for a member on the roster (`member`)."""
    user = request.user
    member_id = request.POST.get("member", "")
    form = RegistrationForm(request.POST, communities=selectors.communities_for_registration())
    member = services.member_of(user)
    desk = None
    if member is None:
        if not _is_staff(user) or not member_id.isdigit() or len(member_id) > 18:
            raise Http404
        desk = party_members_visible_to(user).filter(pk=int(member_id)).first()
        if desk is None:
            raise Http404
    if form.is_valid():
        try:
            services.registration_submit(actor=user, community=form.cleaned_data["community"], member=desk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "报到已确认。" if desk else "报到已提交，请等待社区确认。")
            return redirect("volunteers:home")
    if member is None:
        return _refused(request, "；".join(e for errors in form.errors.values() for e in errors), 400,
                        reverse("volunteers:home"))
    year = timezone.localdate().year
    return render(request, "volunteers/member.html", _member_context(request, member, year, form), status=400)


@login_required
@require_POST
def registration_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    registration = selectors.registrations_visible_to(request.user).filter(pk=pk).first()
    if registration is None or action not in {edge.action for edge in REGISTRATION_TABLE}:
        raise Http404
    back = reverse("volunteers:home")

    def call():
        data = _version(request)
        services.registration_decide(actor=request.user, registration=registration, action=action,
                                     expected_version=data["version"])
    return _run(request, back, call, "已确认报到。" if action == "confirm" else "已办理。")


# --------------------------------------------------------------------------------------------------
# 公益岗位
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def posts(request: HttpRequest) -> HttpResponse:
    """Posts in scope, empty ones first; managers add posts here."""
    user = request.user
    if services.member_of(user) is None and not _is_staff(user):
        raise Http404
    manager = can_manage_region(user, None)
    form, status = None, 200
    if manager:
        form = PostForm(request.POST or None, regions=regions_visible_to(user))
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.post_create(actor=user, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, "岗位已发布。")
                    return redirect("volunteers:posts")
    elif request.method == "POST":
        raise Http404
    rows = selectors.posts_visible_to(user).order_by("filled", "region__code", "id")[:300]
    return render(request, "volunteers/posts.html", {"posts": rows, "form": form}, status=status)


POST_DONE = {"claim": "已认领岗位。", "give_up": "已退出岗位。", "swap": "已调换岗位。", "task": "已登记岗位任务。"}
POST_MOVES = tuple(POST_DONE)


@login_required
@require_POST
def post_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    post = selectors.posts_visible_to(user).filter(pk=pk).first()
    if post is None or move not in POST_MOVES:
        raise Http404
    back = reverse("volunteers:home") if services.member_of(user) else reverse("volunteers:posts")
    member = services.member_of(user)
    claim = post.claims.filter(ended_at__isnull=True, member=member).first() if member else None

    def call():
        if move == "claim":
            services.post_claim(actor=user, post=post)
            return
        if claim is None:
            raise ValidationError("您未认领该岗位")
        if move == "give_up":
            services.post_give_up(actor=user, claim=claim)
        elif move == "swap":
            form = SwapForm(request.POST)
            target = selectors.posts_visible_to(user).filter(pk=form.cleaned_data["to_post"]).first() if (
                form.is_valid()) else None
            if target is None:
                raise ValidationError("请选择要调换到的岗位")
            services.post_swap(actor=user, claim=claim, to_post=target)
        else:
            form = PostTaskForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            services.post_task_record(actor=user, claim=claim, **form.cleaned_data)
    return _run(request, back, call, POST_DONE[move])


# --------------------------------------------------------------------------------------------------
# 志愿服务活动
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activities(request: HttpRequest) -> HttpResponse:
    user = request.user
    if services.member_of(user) is None and not _is_staff(user):
        raise Http404
    form, status = None, 200
    if can_manage_region(user, None):
        communities = regions_visible_to(user).filter(level="community")
        form = ActivityForm(request.POST or None, communities=communities)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    activity = services.activity_create(actor=user, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, "活动已发布。")
                    return redirect("volunteers:activity", pk=activity.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "volunteers/activities.html", {
        "activities": selectors.activities_visible_to(user)[:200], "form": form}, status=status)


@login_required
@require_GET
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    act = selectors.activities_visible_to(user).filter(pk=pk).first()
    if act is None:
        raise Http404
    organiser = services.may_organise(user, act)
    check_url = ""
    if organiser:
        check_url = request.build_absolute_uri(reverse("volunteers:check", args=[act.pk])) + f"?code={act.check_code}"
    member = services.member_of(user)
    own = act.signups.filter(member=member).first() if member else None
    signups = []
    if organiser:
        signups = [(s, [e for e in allowed_actions("signup", s.status, Who.ORGANISER)])
                   for s in act.signups.select_related("member__person").order_by("signed_up_at", "id")]
    return render(request, "volunteers/activity.html", {
        "activity": act, "organiser": organiser, "check_url": check_url,
        "check_qr": qr_data_uri(check_url) if check_url else "", "own": own, "signups": signups,
        "activity_actions": allowed_actions("activity", act.status) if organiser else [],
    })


@login_required
@require_POST
def activity_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    act = selectors.activities_visible_to(request.user).filter(pk=pk).first()
    if act is None or action not in {edge.action for edge in ACTIVITY_TABLE}:
        raise Http404
    if not services.may_organise(request.user, act):
        raise PermissionDenied

    def call():
        data = _version(request)
        services.activity_transition(actor=request.user, activity=act, action=action,
                                     expected_version=data["version"])
    return _run(request, reverse("volunteers:activity", args=[pk]), call, "已办理。")


@login_required
@require_POST
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    act = selectors.activities_visible_to(request.user).filter(pk=pk).first()
    if act is None:
        raise Http404
    return _run(request, reverse("volunteers:activity", args=[pk]),
                lambda: services.signup_create(actor=request.user, activity=act), "报名成功。")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """The page the organiser's QR code opens on a member's phone: check in, later check out."""
    user = request.user
    act = selectors.activities_visible_to(user).filter(pk=pk).first()
    if act is None:
        raise Http404
    code = (request.POST.get("code") or request.GET.get("code") or "")[:64]
    member = services.member_of(user)
    own = act.signups.filter(member=member).first() if member else None
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            services.signup_check(actor=user, activity=act, code=code, action=action)
        except ValidationError as exc:
            error, status = "；".join(exc.messages), 400
        except StepNotAllowed as exc:
            error, status = str(exc), 400
        else:
            messages.success(request, "签到成功。" if action == "check_in" else "签退成功，时长待组织者确认。")
            return redirect(reverse("volunteers:check", args=[pk]) + f"?code={code}")
    return render(request, "volunteers/check.html", {
        "activity": act, "own": own, "code": code, "error": error, "member": member,
    }, status=status)


@login_required
@require_POST
def signup_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    record = selectors.signups_visible_to(request.user).filter(pk=pk).first()
    if record is None or action not in {edge.action for edge in SIGNUP_TABLE}:
        raise Http404

    def call():
        data = _version(request, ConfirmMinutesForm)
        services.signup_transition(actor=request.user, signup=record, action=action,
                                   expected_version=data["version"], minutes=data.get("minutes"))
    return _run(request, reverse("volunteers:activity", args=[record.activity_id]), call, "已办理。")


# --------------------------------------------------------------------------------------------------
# 微心愿
# --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def wishes(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = services.member_of(user)
    staff = _is_staff(user)
    if member is None and not staff and not _is_resident(user):
        raise Http404
    may_post = _is_resident(user) or can_manage_region(user, None)
    communities = (regions_visible_to(user).filter(level="community") if staff
                   else selectors.communities_for_registration())
    form, status = None, 200
    if may_post:
        form = WishForm(request.POST or None, communities=communities)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.wish_post(actor=user, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, "心愿已登记，社区审核后发布。")
                    return redirect("volunteers:wishes")
    elif request.method == "POST":
        raise Http404
    rows = [(wish, _wish_actions(user, member, wish)) for wish in selectors.wishes_visible_to(user)[:200]]
    return render(request, "volunteers/wishes.html", {"wishes": rows, "form": form, "staff": staff},
                  status=status)


def _wish_actions(user, member, wish) -> list:
    edges = []
    for edge in allowed_actions("wish", wish.status):
        if edge.who == Who.STAFF and can_manage_region(user, wish.community):
            edges.append(edge)
        elif edge.who == Who.MEMBER and member is not None and (
                edge.action == "claim" or wish.claimed_by_id == member.pk):
            edges.append(edge)
        elif edge.who == Who.RESIDENT and services.may_confirm_wish(user, wish):
            edges.append(edge)
    return edges


@login_required
@require_POST
def wish_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    wish = selectors.wishes_visible_to(request.user).filter(pk=pk).first()
    if wish is None or action not in {edge.action for edge in WISH_TABLE}:
        raise Http404

    def call():
        data = _version(request, ProofForm)
        services.wish_transition(actor=request.user, wish=wish, action=action, expected_version=data["version"],
                                 proof=data.get("proof"))
    return _run(request, reverse("volunteers:wishes"), call, "已办理。")


# --------------------------------------------------------------------------------------------------
# The unit's quarterly record, and the certificate
# --------------------------------------------------------------------------------------------------


def _unit_quarter(request: HttpRequest, pk: int):
    unit = selectors.units_visible_to(request.user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    form = QuarterForm(request.GET)
    year, quarter = selectors.current_quarter()
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        quarter = form.cleaned_data["quarter"] or quarter
    return selectors.unit_quarter(unit, year, quarter)


@login_required
@require_GET
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _unit_quarter(request, pk)
    return render(request, "volunteers/unit.html", {
        "report": report, "quarters": (1, 2, 3, 4), "rule": selectors.POINTS_RULE,
        "ranking": selectors.unit_ranking(report.unit, report.year),
    })


@login_required
@require_GET
def unit_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _unit_quarter(request, pk)
    content, filename = unit_quarter_xlsx(report, user=request.user)
    return download(content, filename)


@login_required
@require_GET
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """志愿服务记录证明 of a member, to print: identity masked, hours, content, issuer, number, date."""
    member = selectors.service_record_member(request.user, pk)
    if member is None:
        raise Http404
    record = selectors.member_all_time(member)
    today = timezone.localdate()
    issuer = member.registered_community.name if member.registered_community_id else member.branch.name
    return render(request, "volunteers/certificate.html", {
        "record": record, "name": member.person.name, "id_number": mask_id_number(member.person.id_number),
        "issuer": issuer, "number": f"ZYFW-{today:%Y%m%d}-{member.pk:06d}", "today": today,
    })
