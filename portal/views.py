"""The residents' pages (居民服务): report a problem or ask for help, follow it by its code, rate the result.

No account is needed. Views parse the request, call a selector or a service and render; the rules
live in the case services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.models import DESCRIPTION_MAX_LENGTH, Kind
from cases.permissions import normalise_tracking_code
from cases.selectors import TrackingView, tracking_view
from cases.selectors import my_cases as my_cases_of
from cases.services import sniff_image
from cases.workflow import StaleVersion, Status, TransitionNotAllowed
from consultations.selectors import opinions_of, public_comments, public_consultation, public_consultations
from consultations.services import comment_add
from consultations.workflow import Status as ConsultationStatus
from core.pii import mask_name, mask_text
from core.qr import qr_data_uri
from core.ratelimit import Verdict, comment_hit, report_hit, tracking_hit
from meetings.selectors import (
    counts_of,
    deliberations_of,
    disclosure_issuers,
    disclosure_photos,
    people_on_rolls,
    public_disclosures,
    public_meetings,
    resolution_of,
)
from meetings.views_media import photo_response

from .forms import CommentForm, RateForm, ReportForm, TrackForm
from .preferences import portal_context, remember_text_size, safe_next
from .selectors import (
    STATUS_EXPLANATIONS,
    community_by_code,
    community_places,
    own_case,
    place_label,
    public_category_groups,
    public_handlers,
    public_notices,
    report_communities,
)
from .services import portal_actor, report_rate, report_submit

LAST_REPORT_SESSION_KEY = "portal_last_report"
NOT_FOUND_MESSAGE = "未找到该查询码，请核对后重新输入。"
MY_CASES_PER_PAGE = 20

KIND_DESCRIPTIONS = {
    Kind.PROBLEM: ("反映问题", "身边的公共问题，如路灯、道路、环境卫生、噪声、物业服务"),
    Kind.DIFFICULTY: ("申请帮助", "个人或家庭遇到的生活困难，如老人照料、孩子看护、就业、残疾人帮扶"),
}
RATED_MESSAGES = {
    Status.RATED: "感谢您的评价！本事项已办结。",
    Status.IN_PROGRESS: "您的意见已收到，事项已退回承办单位重新办理，请留意办理进度。",
    Status.ESCALATED: "您的意见已收到，事项已提交会议研究解决，请留意办理进度。",
}


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {**portal_context(request), **context}, status=status)


def _track_url(code: str) -> str:
    return f"{reverse('portal:track')}?code={code}"


def _limited(request: HttpRequest, verdict: Verdict, form: TrackForm | None = None) -> HttpResponse:
    minutes = max(1, -(-verdict.retry_after // 60))  # rounded up: never tell them to come back too early
    message = f"查询次数过多，请 {minutes} 分钟后再试。如有急事，请直接到社区办理。"
    response = _render(request, "portal/track.html", {"form": form or TrackForm(), "limited_message": message},
                       status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What residents can do here, and the kinds of problems the county takes in."""
    return _render(request, "portal/home.html", {"category_groups": public_category_groups()})


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """反映问题 / 申请帮助: the report form; a good report goes on to the confirmation page."""
    options = {"communities": report_communities(), "categories": public_category_groups()}
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, **options)
        verdict = report_hit(request)
        if not verdict.allowed:
            # What was typed comes back in the form; nothing is filed.
            minutes = max(1, -(-verdict.retry_after // 60))
            form.is_valid()
            form.add_error(None, f"提交次数过多，请 {minutes} 分钟后再试。您填写的内容已保留；"
                                 "如有急事，请拨打社区电话或到社区办理。")
            response = _render(request, "portal/report.html", {
                "form": form, "photos_dropped": bool(request.FILES), "kind_descriptions": KIND_DESCRIPTIONS,
                "description_max": DESCRIPTION_MAX_LENGTH,
            }, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        if form.is_valid():
            try:
                case, _created = report_submit(user=request.user, data=form.cleaned_data,
                                               region_code=form.region_code())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                request.session[LAST_REPORT_SESSION_KEY] = case.tracking_code
                return redirect("portal:report_done")
    else:
        initial: dict[str, Any] = {}
        if request.GET.get("kind") in Kind.values:
            initial["kind"] = request.GET["kind"]
        if community_by_code(request.GET.get("community", "")) is not None:
            initial["community"] = request.GET["community"]
        resident = portal_actor(request.user)
        if resident is not None:
            initial["contact_name"] = resident.get_full_name()
        form = ReportForm(initial=initial, **options)
    return _render(request, "portal/report.html", {
        "form": form,
        "photos_dropped": bool(form.errors and request.FILES),
        "kind_descriptions": KIND_DESCRIPTIONS,
        "description_max": DESCRIPTION_MAX_LENGTH,
    })


@require_safe
def report_done(request: HttpRequest) -> HttpResponse:
    """The confirmation: the tracking code, large, with the advice to write it down."""
    code = request.session.get(LAST_REPORT_SESSION_KEY)
    if not code:
        return redirect("portal:report")
    return _render(request, "portal/report_done.html", {"code": code, "track_url": _track_url(code)})


@require_safe
def places(request: HttpRequest) -> JsonResponse:
    """The grids and buildings of a community, for the report form's script (public data)."""
    community = community_by_code(request.GET.get("community", ""))
    items = [{"code": place.code, "label": place_label(place)} for place in community_places(community)]
    return JsonResponse({"places": items})


def _tracking_context(view: TrackingView, code: str, rate_form: RateForm | None = None) -> dict[str, Any]:
    case = view.case
    if view.can_rate and rate_form is None:
        rate_form = RateForm(initial={"version": case.version})
    return {
        "view": view,
        "code": code,
        "own": own_case(code) or case,
        "explanation": STATUS_EXPLANATIONS.get(case.status, ""),
        "handlers": public_handlers(case),
        "notices": public_notices(view),
        "merged": view.followed_code != case.tracking_code,
        "rate_form": rate_form if view.can_rate else None,
    }


@require_safe
def track(request: HttpRequest) -> HttpResponse:
    """查询办理进度: the code form, and the case's public progress once a code is given."""
    if "code" not in request.GET:
        return _render(request, "portal/track.html", {"form": TrackForm()})
    form = TrackForm(request.GET)
    if not form.is_valid():
        return _render(request, "portal/track.html", {"form": form})
    code = normalise_tracking_code(form.cleaned_data["code"])
    if not code:
        form.add_error("code", "请输入查询码")
        return _render(request, "portal/track.html", {"form": form})
    verdict = tracking_hit(request)
    if not verdict.allowed:
        return _limited(request, verdict, form)
    view = tracking_view(code)
    if view is None:
        return _render(request, "portal/track.html", {"form": form, "not_found": NOT_FOUND_MESSAGE})
    form = TrackForm(initial={"code": code})
    return _render(request, "portal/track.html", {"form": form, **_tracking_context(view, code)})


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """评价: the reporter rates a closed case; the service decides what a 不满意 leads to."""
    code = normalise_tracking_code(code)
    form = TrackForm(initial={"code": code})
    verdict = tracking_hit(request)
    if not verdict.allowed:
        return _limited(request, verdict, form)
    view = tracking_view(code) if code else None
    if view is None:
        return _render(request, "portal/track.html", {"form": form, "not_found": NOT_FOUND_MESSAGE})
    if not view.can_rate:
        messages.info(request, "该事项当前不需要评价。")
        return redirect(_track_url(code))
    rate_form = RateForm(request.POST)
    if rate_form.is_valid():
        try:
            case = report_rate(
                user=request.user, case=view.case, code=code, version=rate_form.cleaned_data["version"],
                result=rate_form.cleaned_data["result"], comment=rate_form.cleaned_data["comment"],
            )
        except StaleVersion:
            messages.warning(request, "该事项刚刚有了新的进展，请查看最新情况后再评价。")
            return redirect(_track_url(code))
        except TransitionNotAllowed:
            messages.info(request, "该事项当前不需要评价。")
            return redirect(_track_url(code))
        except PermissionDenied:
            return _render(request, "portal/track.html", {"form": form, "not_found": NOT_FOUND_MESSAGE})
        except ValidationError as error:
            rate_form.add_service_error(error)
        else:
            messages.success(request, RATED_MESSAGES.get(case.status, "感谢您的评价！"))
            return redirect(_track_url(code))
    return _render(request, "portal/track.html", {"form": form, **_tracking_context(view, code, rate_form)})


@login_required
@require_safe
def my_cases(request: HttpRequest) -> HttpResponse:
    """我的事项: what the signed-in resident reported, newest first, each linked to its progress."""
    page = Paginator(my_cases_of(request.user), MY_CASES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "portal/my_cases.html", {
        "page": page,
        "rows": [(case, _track_url(case.tracking_code)) for case in page.object_list],
        "is_resident": portal_actor(request.user) is not None,
    })


@require_safe
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch the large-font mode on or off and go back to the page the resident came from."""
    response = redirect(safe_next(request, request.GET.get("next")))
    return remember_text_size(response, large=request.GET.get("size") == "large")


DISCLOSURES_PER_PAGE = 20


# The 公示 notice's heading by the 公开 it prints.
POSTER_KINDS = {"disclose_resolution": "决议公示", "disclose_result": "实施结果公示"}


def _public(text: str, names: list[str]) -> str:
    return mask_text(text, public=True, names=names)


def _disclosure(step) -> dict[str, Any]:
    """What a resident reads of one 公开 in the list: the matter, where and when."""
    return {
        "pk": step.pk, "label": step.label, "title": _public(step.matter.title, []),
        "community": step.matter.region.name, "public_from": step.public_from, "public_until": step.public_until,
    }


def _disclosure_read(step) -> dict[str, Any]:
    """One 公开 read in full: besides the list's facts, the published text, with no phone or ID number and
    the names of the people on its meetings' rolls masked, and the 决议 that decided it (`decided_by`; shown
    as `resolution` on the page of a 决议公开)."""
    decided_by = resolution_of(step)
    names = people_on_rolls(step.matter.steps.values("meeting_id"))
    return {
        **_disclosure(step), "text": _public(step.note, names), "decided_by": decided_by,
        "resolution": decided_by if step.action == "disclose_resolution" else None,
        "photos": [reverse("portal:disclosure_photo", args=[step.pk, photo.pk]) for photo in disclosure_photos(step)],
    }


@require_safe
def disclosures(request: HttpRequest) -> HttpResponse:
    """四议两公开公示栏: the resolutions and results on show, newest first."""
    page = Paginator(public_disclosures(), DISCLOSURES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "portal/disclosures.html", {
        "page": page, "items": [_disclosure(step) for step in page.object_list],
    })


def _shown_disclosure(pk: int):
    return public_disclosures().filter(pk=pk).first()


@require_safe
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    """One 公开 with its text and, for a resolution, the counts of the meeting that passed it."""
    step = _shown_disclosure(pk)
    if step is None:
        return _render(request, "portal/disclosure_gone.html", {}, status=404)
    return _render(request, "portal/disclosure.html", {"item": _disclosure_read(step)})


@require_safe
def disclosure_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo of a 公开, public exactly while the 公开 is on show (afterwards, or archived, 404)."""
    step = _shown_disclosure(pk)
    row = step.photos.filter(pk=photo_pk).first() if step is not None else None
    if row is None:
        raise Http404("照片不存在")
    return photo_response(row, filename=f"disclosure-{step.pk}-photo-{row.pk}", private=False)


# The notice shows at most this many photos, so it stays one A4 sheet for the 公开栏.
POSTER_PHOTOS = 2


def _poster_step(step) -> dict[str, Any]:
    """One step of the decision as the notice lists it: what, when, at which body's meeting, and its counts."""
    held = step.meeting
    return {"label": step.label, "on": timezone.localtime(held.scheduled_at if held else step.created_at).date(),
            "body": held.body.name if held else "社区党组织", "step": step}


@require_safe
def disclosure_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The 公示 notice of one 公开 to print on A4 for the community's 公开栏: heading, content, how and when
    it was decided with the resolving vote, the period, the issuers and date, and a QR code of this 公示
    online. Only while it is on show, like its page."""
    step = _shown_disclosure(pk)
    if step is None:
        return _render(request, "portal/disclosure_gone.html", {}, status=404)
    item = _disclosure_read(step)
    online = request.build_absolute_uri(reverse("portal:disclosure", args=[step.pk]))
    return render(request, "portal/disclosure_poster.html", {
        "item": item, "heading": f"{item['community']}“四议两公开”{POSTER_KINDS[step.action]}",
        "steps": [_poster_step(done) for done in deliberations_of(step)], "issuers": disclosure_issuers(step),
        "days": (step.public_until - step.public_from).days + 1, "online": online, "qr": qr_data_uri(online),
        "photos": item["photos"][:POSTER_PHOTOS],
    })


MEETINGS_PER_PAGE = 20


@require_safe
def meetings(request: HttpRequest) -> HttpResponse:
    """会议公开: the held meetings of the bodies whose minutes are public, newest first."""
    page = Paginator(public_meetings(), MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "portal/meetings.html", {
        "page": page, "rows": [{"meeting": meeting, "title": _public(meeting.title, [])} for meeting in page],
    })


@require_safe
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """One held meeting's public summary: when, which body, the counts of its roll, each agenda item with its
    vote and resolution; never who attended. Any other meeting is not found."""
    shown = public_meetings().filter(pk=pk).first()
    if shown is None:
        return _render(request, "portal/meeting_gone.html", {}, status=404)
    names = people_on_rolls([shown.pk])
    items = [{
        "order": item.order, "title": _public(item.title, names), "voted": item.voted,
        "in_favour": item.in_favour, "against": item.against, "abstained": item.abstained,
        "resolution": _public(item.resolution, names),
    } for item in shown.agenda.order_by("order")]
    return _render(request, "portal/meeting.html", {
        "meeting": shown, "title": _public(shown.title, []), "summary": _public(shown.public_summary, names),
        "counts": counts_of(shown), "items": items,
    })


CONSULTATIONS_PER_PAGE = 20


@require_safe
def consultations(request: HttpRequest) -> HttpResponse:
    """征求意见: the plans open for comments, then those whose outcome is published."""
    page = Paginator(public_consultations(), CONSULTATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "portal/consultations.html", {"page": page})


def _public_comment(comment) -> dict[str, Any]:
    """What a resident reads of a comment: the first character of the name, the text with every digit of a
    phone or ID number in it hidden."""
    return {"name": mask_name(comment.display_name), "text": mask_text(comment.text, public=True),
            "at": comment.created_at}


def _consultation_page(request: HttpRequest, consultation, form: CommentForm | None = None, *,
                       status: int = 200, limited: str = "", typed: str = "") -> HttpResponse:
    is_open = consultation.status == ConsultationStatus.OPEN and timezone.localdate() <= consultation.closes_on
    published = consultation.status == ConsultationStatus.PUBLISHED
    opinions = []
    if published:
        opinions = [{"outcome": opinion.outcome, "label": opinion.get_outcome_display(),
                     "summary": mask_text(opinion.summary, public=True),
                     "reason": mask_text(opinion.reason, public=True),
                     "comments": [_public_comment(comment) for comment in opinion.shown]}
                    for opinion in opinions_of(consultation)]
    return _render(request, "portal/consultation.html", {
        "consultation": consultation, "plan": mask_text(consultation.plan, public=True),
        "outcome": mask_text(consultation.outcome, public=True),
        "is_open": is_open, "published": published, "opinions": opinions,
        "comments": [_public_comment(comment) for comment in public_comments(consultation)],
        "form": (form or CommentForm()) if is_open else None, "limited_message": limited,
        "typed": typed,
    }, status=status)


@require_http_methods(["GET", "POST"])
def consultation(request: HttpRequest, pk: int) -> HttpResponse:
    """One consultation: the plan, the comments, the form while it is open, and the published outcome."""
    found = public_consultation(pk)
    if found is None:
        return _render(request, "portal/consultation_gone.html", {}, status=404)
    if request.method == "GET":
        return _consultation_page(request, found)
    form = CommentForm(request.POST)
    verdict = comment_hit(request)
    if not verdict.allowed:
        minutes = max(1, -(-verdict.retry_after // 60))
        response = _consultation_page(request, found, form, status=429,
                                      limited=f"提交次数过多，请 {minutes} 分钟后再试。您填写的内容已保留。")
        response["Retry-After"] = str(verdict.retry_after)
        return response
    if form.is_valid():
        data = form.cleaned_data
        try:
            _comment, created = comment_add(
                consultation=found, text=data["text"], display_name=data["display_name"], phone=data["phone"],
                user=request.user, idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            refusal = error.message_dict.get("consultation") if hasattr(error, "error_dict") else None
            if refusal:  # closed meanwhile: nothing was stored; what was typed is shown to copy
                found.refresh_from_db()
                return _consultation_page(request, found, status=400, limited=refusal[0],
                                          typed=data["text"])
            form.add_service_error(error)
        else:
            messages.success(request, "感谢您的意见！意见征求结束后，处理结果将在本页公布。" if created
                             else "您的意见已经收到，无需重复提交。")
            return redirect("portal:consultation", pk=pk)
    return _consultation_page(request, found, form)


@require_safe
def consultation_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The plan's photo, public with its consultation; sent as the type its own first bytes show."""
    found = public_consultation(pk)
    if found is None or not found.photo:
        raise Http404("方案图不存在")
    try:
        handle = found.photo.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("方案图不存在") from exc
    kind = sniff_image(handle.read(16))
    if kind is None or kind[0] != found.photo_type:
        handle.close()
        raise Http404("方案图不存在")
    handle.seek(0)
    response = FileResponse(handle, content_type=kind[0])
    response["Content-Disposition"] = f'inline; filename="plan-{found.pk}.{kind[1]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
