"""Staff pages of meetings and 四议两公开, and the member's sign-in page.

Views parse the request, look the record up through the scoped selectors (out of scope answers 404,
like a record that does not exist; the pages are for staff who manage a region, and answer 404 to
everyone else) and call one service. The services decide: their refusals are shown on the page with
what was typed kept: a stale version (409), a move the table forbids or a vote the rules refuse (400),
field errors next to the fields. A write the service refuses for permission answers the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.selectors import case_visible
from cases.workflow import StaleVersion as CaseStaleVersion
from cases.workflow import TransitionNotAllowed
from core.qr import qr_data_uri
from regions.models import Level
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to

from . import selectors, services
from .forms import (
    AttendanceForm,
    MatterRegisterForm,
    MatterStepForm,
    MeetingActionForm,
    MeetingFilterForm,
    MeetingNoticeForm,
    MeetingPhotoForm,
    TaskFilterForm,
    TaskProgressForm,
    VoteForm,
    typed_values,
)
from .models import Attendance, Matter, Meeting, ResolutionTask
from .workflow import (
    MATTER_ACTION_LABELS,
    MEETING_TABLE,
    MeetingStatus,
    StaleVersion,
    StepNotAllowed,
    matter_edge,
)

PAGE_SIZE = 50
PROPOSALS_SHOWN = 50
CONFLICT_MESSAGE = "该记录已被他人更新，请查看最新内容后重试（您填写的内容已保留）"
MEETING_LABELS = {edge.action: edge.label for edge in MEETING_TABLE}


def require_manager(user) -> None:
    """The pages are for staff who manage a region (community, street, county) and superusers."""
    if not can_manage_region(user, None):
        raise Http404


def visible_meeting(user, pk: int) -> Meeting:
    require_manager(user)
    meeting = selectors.meetings_visible_to(user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def visible_matter(user, pk: int) -> Matter:
    require_manager(user)
    matter = selectors.matters_visible_to(user).filter(pk=pk).first()
    if matter is None:
        raise Http404
    return matter


def _communities(user):
    return regions_visible_to(user).filter(level=Level.COMMUNITY).order_by("code")


# --------------------------------------------------------------------------------------------------
# 会议
# --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings in scope, newest first, filtered by body and status."""
    user = request.user
    require_manager(user)
    bodies = selectors.bodies_visible_to(user)
    form = MeetingFilterForm(request.GET or None, bodies=bodies)
    rows = selectors.meetings_visible_to(user).order_by("-scheduled_at", "-id")
    if form.is_bound and form.is_valid():
        if form.cleaned_data["body"]:
            rows = rows.filter(body=form.cleaned_data["body"])
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/meeting_list.html", {"form": form, "page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """会议通知: the body, title, time, place and agenda (each item with an optional matter)."""
    user = request.user
    require_manager(user)
    kwargs = {"bodies": selectors.bodies_visible_to(user),
              "matters": selectors.matters_visible_to(user).exclude(stage="result_disclosed")}
    if request.method == "POST":
        form = MeetingNoticeForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting, _ = services.meeting_schedule(
                    actor=user, body=data["body"], title=data["title"], scheduled_at=data["scheduled_at"],
                    place=data["place"],
                    agenda=[services.AgendaSpec(title=title, matter=matter) for title, matter in form.agenda()],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"已发出会议通知：{meeting.title}。")
                return redirect("meetings:detail", pk=meeting.pk)
    else:
        initial = {}
        if request.GET.get("matter"):
            initial = {"agenda_1_matter": request.GET["matter"]}
        form = MeetingNoticeForm(initial=initial, **kwargs)
    return render(request, "meetings/meeting_new.html", {"form": form})


def _render_meeting(request: HttpRequest, meeting: Meeting, *, bound=None, alert: str = "",
                    status: int = 200) -> HttpResponse:
    """The meeting page; `bound` is the form just submitted (shown again with what was typed)."""
    seats = selectors.attendance_of(meeting)
    action_forms = []
    for action in selectors.meeting_actions(meeting):
        form = bound if isinstance(bound, MeetingActionForm) and bound.action == action else None
        action_forms.append({"action": action, "label": MEETING_LABELS[action],
                             "form": form or MeetingActionForm(meeting=meeting, action=action),
                             "open": form is not None})
    items = []
    for item in meeting.agenda.select_related("matter", "case").order_by("order"):
        vote = None
        if meeting.status == MeetingStatus.OPEN and not item.voted:
            vote = bound if isinstance(bound, VoteForm) and bound.item.pk == item.pk else VoteForm(
                meeting=meeting, item=item)
        items.append({"item": item, "vote": vote})
    # The sign-in address and its QR code, shown (and printed for the door) from the notice until it closes.
    sign_in_url = ""
    if meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.OPEN):
        sign_in_url = request.build_absolute_uri(reverse("meetings:sign_in", args=[meeting.pk]))
    photos = selectors.attachments_of(meeting)
    takes_photos = (meeting.status in (MeetingStatus.OPEN, MeetingStatus.CLOSED)
                    and len(photos) < services.MAX_MEETING_PHOTOS)
    photo_form = None
    if takes_photos or isinstance(bound, MeetingPhotoForm):
        photo_form = bound if isinstance(bound, MeetingPhotoForm) else MeetingPhotoForm()
    proposals, proposals_total = [], 0
    if meeting.status in selectors.TAKES_CASES:
        rows = selectors.agenda_proposals(request.user, meeting).order_by("received_at", "id")
        proposals_total = rows.count()
        proposals = [selectors.proposal_of(meeting, case) for case in rows[:PROPOSALS_SHOWN]]
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "seats": seats, "counts": selectors.counts_of(meeting, seats), "items": items,
        "action_forms": action_forms, "alert": alert, "sign_in_url": sign_in_url,
        "sign_in_qr": qr_data_uri(sign_in_url) if sign_in_url else "",
        "is_open": meeting.status == MeetingStatus.OPEN, "statuses": Attendance.Status.choices,
        "takes_cases": meeting.status in selectors.TAKES_CASES, "proposals": proposals,
        "proposals_total": proposals_total, "proposals_more": max(proposals_total - len(proposals), 0),
        "proposals_since": selectors.proposal_period_start(meeting) if meeting.status in selectors.TAKES_CASES
        else None,
        "photos": photos, "photo_form": photo_form, "max_photos": services.MAX_MEETING_PHOTOS,
    }, status=status)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_meeting(request, visible_meeting(request.user, pk))


def _stale(request: HttpRequest, pk: int, form) -> HttpResponse:
    """The refreshed meeting page after a stale write, the submitted form again with what was typed."""
    meeting = visible_meeting(request.user, pk)
    if isinstance(form, MeetingActionForm):
        again = MeetingActionForm(meeting=meeting, action=form.action, initial=typed_values(form))
    else:
        again = VoteForm(meeting=meeting, item=form.item, initial=typed_values(form))
    return _render_meeting(request, meeting, bound=again, alert=CONFLICT_MESSAGE, status=409)


@login_required
@require_POST
def meeting_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """开会签到, 散会 or 取消会议 from its form on the meeting page (PRG on success)."""
    user = request.user
    meeting = visible_meeting(user, pk)
    if action not in MEETING_LABELS:
        raise Http404
    form = MeetingActionForm(request.POST, meeting=meeting, action=action)
    if form.is_valid():
        try:
            services.meeting_transition(actor=user, meeting=meeting, action=action,
                                        expected_version=form.cleaned_data["version"], **form.service_kwargs())
        except StaleVersion:
            return _stale(request, pk, form)
        except StepNotAllowed as exc:
            return _render_meeting(request, meeting, bound=form, alert=str(exc), status=400)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已{MEETING_LABELS[action]}。")
            return redirect("meetings:detail", pk=pk)
    return _render_meeting(request, meeting, bound=form)


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The recorder ticks one seat of the frozen roll: the button pressed says how."""
    user = request.user
    meeting = visible_meeting(user, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        seat = meeting.attendance.filter(pk=form.cleaned_data["seat"]).select_related("member").first()
        if seat is None:
            form.add_error(None, "该成员不在本次会议的应到名单中（名单已在开会时确定）")
        else:
            try:
                services.attendance_mark(actor=user, meeting=meeting, member=seat.member,
                                         status=form.cleaned_data["status"])
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                label = Attendance.Status(form.cleaned_data["status"]).label
                messages.success(request, f"已登记：{seat.name} {label}。")
                return redirect(f"{reverse('meetings:detail', args=[pk])}#seat-{seat.pk}")
    else:
        form.add_error(None, "请选择出席情况")
    return _render_meeting(request, meeting, bound=form, alert=form.errors["__all__"][0])


@login_required
@require_POST
def vote(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The show of hands on one agenda item (counted once: the meeting's version guards it)."""
    user = request.user
    meeting = visible_meeting(user, pk)
    item = meeting.agenda.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    form = VoteForm(request.POST, meeting=meeting, item=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.vote_record(actor=user, meeting=meeting, item=item, expected_version=data["version"],
                                 in_favour=data["in_favour"], against=data["against"], abstained=data["abstained"],
                                 resolution=data["resolution"])
        except StaleVersion:
            return _stale(request, pk, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已记录表决：{item.title}。")
            return redirect("meetings:detail", pk=pk)
    return _render_meeting(request, meeting, bound=form)


@login_required
@require_POST
def proposal_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposed case onto the agenda (`case_to_agenda`): taken up (上会) where the body takes cases and the
    case may be escalated, otherwise put before the meeting to be heard. Once only."""
    user = request.user
    meeting = visible_meeting(user, pk)
    raw = request.POST.get("case", "")
    case = case_visible(user, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    if case is None:
        return _render_meeting(request, meeting, alert="事项不存在或无权访问", status=400)
    escalate = selectors.escalates_onto(meeting, case)
    try:
        services.case_to_agenda(actor=user, meeting=meeting, case=case, escalate=escalate)
    except CaseStaleVersion:
        return _render_meeting(request, visible_meeting(user, pk), alert="该事项刚被他人更新，请确认后重试",
                               status=409)
    except (ValidationError, TransitionNotAllowed) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        return _render_meeting(request, meeting, alert=message, status=400)
    label = "提交会议" if escalate else "列入议程听取"
    messages.success(request, f"已{label}：{case.tracking_code}。")
    return redirect(f"{reverse('meetings:detail', args=[pk])}#proposals-heading")


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The recorder attaches photos to the meeting (PRG on success); a refusal stores nothing and says why.
    The files must be chosen again: a browser cannot keep them across the response."""
    user = request.user
    meeting = visible_meeting(user, pk)
    form = MeetingPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.meeting_attachment_add(actor=user, meeting=meeting, photos=form.cleaned_data["photos"],
                                                    caption=form.cleaned_data["caption"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已上传 {len(added)} 张会议照片。")
            return redirect(f"{reverse('meetings:detail', args=[pk])}#photos-heading")
    return _render_meeting(request, visible_meeting(user, pk), bound=form)


@login_required
@require_GET
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """会议记录 to print on A4: the record, the agenda with its votes, and a row per seat to sign."""
    meeting = visible_meeting(request.user, pk)
    seats = selectors.attendance_of(meeting)
    return render(request, "meetings/minutes.html", {
        "meeting": meeting, "seats": seats, "counts": selectors.counts_of(meeting, seats),
        "items": meeting.agenda.select_related("matter").order_by("order"),
        "signatures": selectors.seats_to_sign(meeting), "photos": selectors.attachments_of(meeting),
    })


# --------------------------------------------------------------------------------------------------
# 签到 (a member on a phone)
# --------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """A member signs themself in with the account on their roll seat; anyone else is told so."""
    user = request.user
    meeting = selectors.meeting_for_sign_in(pk)
    if meeting is None:
        raise Http404
    seat = selectors.sign_in_seat(user, meeting)
    seated = seat is not None or selectors.on_roll(user, meeting)
    error, status = "", 200
    if request.method == "POST":
        try:
            services.attendance_sign_in(user=user, meeting=meeting)
        except ValidationError as exc:
            error, status = exc.messages[0], 400
        else:
            messages.success(request, "签到成功。")
            return redirect("meetings:sign_in", pk=pk)
    return render(request, "meetings/sign_in.html", {
        "meeting": meeting if seated else None, "seat": seat, "error": error,
        "is_open": meeting.status == MeetingStatus.OPEN,
        "signed": seat is not None and seat.status == Attendance.Status.PRESENT,
    }, status=status)


# --------------------------------------------------------------------------------------------------
# 重大事项（四议两公开）
# --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def matter_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_manager(user)
    page = Paginator(selectors.matters_visible_to(user).order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "meetings/matter_list.html", {"page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def matter_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_manager(user)
    regions = _communities(user)
    if request.method == "POST":
        form = MatterRegisterForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                matter, _ = services.matter_register(actor=user, region=data["region"], title=data["title"],
                                                     description=data["description"])
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"已登记重大事项：{matter.title}。")
                return redirect("meetings:matter_detail", pk=matter.pk)
    else:
        form = MatterRegisterForm(regions=regions)
    return render(request, "meetings/matter_new.html", {"form": form})


def _step_form(user, matter: Matter, action: str, data=None, initial=None, files=None) -> MatterStepForm:
    edge = matter_edge(action, matter.stage)
    meetings = selectors.meetings_for_step(user, matter, action) if edge.bodies else []
    return MatterStepForm(data, files, matter=matter, action=action, needs_meeting=bool(edge.bodies),
                          meetings=meetings, initial=initial)


def _render_matter(request: HttpRequest, matter: Matter, *, bound: MatterStepForm | None = None, alert: str = "",
                   status: int = 200) -> HttpResponse:
    user = request.user
    forms = []
    for action in selectors.matter_actions(matter):
        form = bound if bound is not None and bound.action == action else _step_form(user, matter, action)
        forms.append({"action": action, "label": MATTER_ACTION_LABELS[action], "form": form})
    return render(request, "meetings/matter_detail.html", {
        "matter": matter, "steps": selectors.steps_of(matter), "forms": forms, "alert": alert,
        "typed_lost": bound is not None and bound.action not in selectors.matter_actions(matter),
    }, status=status)


@login_required
@require_GET
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_matter(request, visible_matter(request.user, pk))


def _matter_stale(request: HttpRequest, matter: Matter, action: str) -> HttpResponse:
    """The refreshed matter page after a stale write: the message, and what was typed when the step is still
    the next one."""
    typed = {name.removeprefix(f"{action}-"): value for name, value in request.POST.items()
             if name.startswith(f"{action}-") and name != f"{action}-version"}
    again = None
    if action in selectors.matter_actions(matter):
        again = _step_form(request.user, matter, action, initial=typed)
    return _render_matter(request, matter, bound=again, alert=CONFLICT_MESSAGE, status=409)


@login_required
@require_POST
def matter_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of 四议两公开 from its form on the matter page (PRG on success)."""
    user = request.user
    matter = visible_matter(user, pk)
    if action not in MATTER_ACTION_LABELS:
        raise Http404
    # The version comes first: someone looking at an old page learns that before anything else.
    if request.POST.get(f"{action}-version", "") != str(matter.version):
        return _matter_stale(request, matter, action)
    try:
        form = _step_form(user, matter, action, request.POST, files=request.FILES)
    except StepNotAllowed as exc:
        return _render_matter(request, matter, alert=str(exc), status=400)
    if form.is_valid():
        try:
            services.matter_transition(actor=user, matter=matter, action=action,
                                       expected_version=form.cleaned_data["version"], **form.service_kwargs())
        except StaleVersion:
            return _matter_stale(request, visible_matter(user, pk), action)
        except StepNotAllowed as exc:
            return _render_matter(request, matter, bound=form, alert=str(exc), status=400)
        except services.MatterRefused as exc:
            return _render_matter(request, matter, bound=form, alert=exc.message, status=400)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已完成“{MATTER_ACTION_LABELS[action]}”。")
            return redirect("meetings:matter_detail", pk=pk)
    return _render_matter(request, matter, bound=form)


# --------------------------------------------------------------------------------------------------
# 决议任务 (the tasks of resolutions, and their progress)
# --------------------------------------------------------------------------------------------------


def visible_task(user, pk: int) -> ResolutionTask:
    require_manager(user)
    task = selectors.visible_task(user, pk)
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """The resolution tasks in scope, unfinished first and soonest due, filtered by how far they are."""
    user = request.user
    require_manager(user)
    form = TaskFilterForm(request.GET or None)
    show = form.cleaned_data["show"] if form.is_bound and form.is_valid() else ""
    page = Paginator(selectors.task_rows(user, show=show), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/task_list.html", {"form": form, "page": page})


def _render_task(request: HttpRequest, task: ResolutionTask, *, form: TaskProgressForm | None = None,
                 alert: str = "", status: int = 200) -> HttpResponse:
    """The task page; `form` is the progress report just submitted (shown again with what was typed)."""
    if form is None and not task.done:
        form = TaskProgressForm(task=task)
    return render(request, "meetings/task_detail.html", {
        "task": task, "milestones": selectors.milestones_of(task), "form": form, "alert": alert,
    }, status=status)


@login_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_task(request, visible_task(request.user, pk))


@login_required
@require_POST
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """One dated progress report of a task (PRG on success); at 100 % the task is done."""
    user = request.user
    task = visible_task(user, pk)
    form = TaskProgressForm(request.POST, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.task_progress(actor=user, task=task, expected_version=data["version"],
                                   progress=data["progress"], note=data["note"])
        except StaleVersion:
            task = visible_task(user, pk)
            again = TaskProgressForm(task=task, initial=typed_values(form))
            return _render_task(request, task, form=again, alert=CONFLICT_MESSAGE, status=409)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已记录进展：{task.title} {data['progress']}%。")
            return redirect("meetings:task_detail", pk=pk)
    return _render_task(request, task, form=form)
