"""Staff pages of consultations (征求意见), mounted at /consultations/.

Views parse the request, find the consultation through the scoped selector (out of scope answers 404,
like one that does not exist; the pages are for staff who manage a region) and call one service. The
service's refusals are shown on the page with what was typed kept: a stale version (409), a move the
table forbids (400), field errors next to the fields.
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

from meetings.forms import typed_values
from regions.models import Level
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to

from . import selectors, services
from .forms import ActionForm, ConsultationForm, ModerationForm, OpinionForm
from .models import Consultation
from .workflow import ACTION_LABELS, StaleVersion, StepNotAllowed

PAGE_SIZE = 50
CONFLICT_MESSAGE = "该征求意见已被他人更新，请查看最新内容后重试（您填写的内容已保留）"
SERVICES = {
    "open": services.consultation_open,
    "close": services.consultation_close,
    "review": services.consultation_review,
    "publish": services.consultation_publish,
}


def visible_consultation(user, pk: int) -> Consultation:
    if not can_manage_region(user, None):
        raise Http404
    consultation = selectors.consultations_visible_to(user).filter(pk=pk).first()
    if consultation is None:
        raise Http404
    return consultation


@login_required
@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    """Consultations in scope, newest first, with their comments counted."""
    user = request.user
    if not can_manage_region(user, None):
        raise Http404
    rows = selectors.with_counts(selectors.consultations_visible_to(user)).order_by("-opens_on", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultations/list.html", {"page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    """Draft a consultation: the plan, the region, the facility, the period."""
    user = request.user
    if not can_manage_region(user, None):
        raise Http404
    kwargs = {"regions": regions_visible_to(user).filter(level=Level.COMMUNITY).order_by("code"),
              "facilities": selectors.facilities_for(user)}
    if request.method == "POST":
        form = ConsultationForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consultation, _ = services.consultation_create(
                    actor=user, region=data["region"], facility=data["facility"], title=data["title"],
                    plan=data["plan"], opens_on=data["opens_on"], closes_on=data["closes_on"],
                    short_reason=data["short_reason"], photo=data["photo"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"已登记征求意见：{consultation.title}。")
                return redirect("consultations:detail", pk=consultation.pk)
    else:
        form = ConsultationForm(**kwargs)
    return render(request, "consultations/new.html", {"form": form})


def _action_form(user, consultation: Consultation, action: str, data=None, initial=None) -> ActionForm:
    extra = {}
    if action == "review":
        extra = {"bodies": selectors.review_bodies(user, consultation),
                 "meetings": selectors.review_meetings(user, consultation)}
    return ActionForm(data, consultation=consultation, action=action, initial=initial, **extra)


def _render(request: HttpRequest, consultation: Consultation, *, bound=None, alert: str = "",
            status: int = 200) -> HttpResponse:
    """The consultation page; `bound` is the form just submitted, shown again with what was typed."""
    user = request.user
    actions = []
    for action in selectors.consultation_actions(consultation):
        form = bound if isinstance(bound, ActionForm) and bound.action == action else None
        actions.append({"action": action, "label": ACTION_LABELS[action],
                        "form": form or _action_form(user, consultation, action)})
    comments = list(selectors.comments_of(consultation))
    undecided = [comment for comment in comments if not comment.hidden and comment.opinion_id is None]
    rows = []
    for comment in comments:
        moderation = bound if isinstance(bound, ModerationForm) and bound.comment.pk == comment.pk else None
        rows.append({"comment": comment, "moderation": moderation or ModerationForm(comment=comment)})
    opinion_form = None
    if consultation.status in ("closed", "reviewed") and undecided:
        opinion_form = bound if isinstance(bound, OpinionForm) else OpinionForm(comments=undecided)
    return render(request, "consultations/detail.html", {
        "consultation": consultation, "actions": actions, "rows": rows, "undecided": len(undecided),
        "opinions": selectors.opinions_of(consultation), "opinion_form": opinion_form, "alert": alert,
    }, status=status)


@login_required
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, visible_consultation(request.user, pk))


@login_required
@require_POST
def consultation_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """开始, 结束, 提交评审会议 or 公布结果 from its form on the page (PRG on success)."""
    user = request.user
    consultation = visible_consultation(user, pk)
    if action not in SERVICES:
        raise Http404
    form = _action_form(user, consultation, action, request.POST)
    if form.is_valid():
        try:
            SERVICES[action](actor=user, consultation=consultation, expected_version=form.cleaned_data["version"],
                             **form.service_kwargs())
        except StaleVersion:
            fresh = visible_consultation(user, pk)
            again = _action_form(user, fresh, action, initial=typed_values(form))
            return _render(request, fresh, bound=again, alert=CONFLICT_MESSAGE, status=409)
        except StepNotAllowed as exc:
            return _render(request, consultation, bound=form, alert=str(exc), status=400)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已{ACTION_LABELS[action]}。")
            return redirect("consultations:detail", pk=pk)
    return _render(request, consultation, bound=form)


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int, comment_pk: int, move: str) -> HttpResponse:
    """Hide a comment from the public, or show it again; the reason is required."""
    user = request.user
    consultation = visible_consultation(user, pk)
    comment = consultation.comments.filter(pk=comment_pk).first()
    if comment is None or move not in ("hide", "unhide"):
        raise Http404
    form = ModerationForm(request.POST, comment=comment)
    if form.is_valid():
        service = services.comment_hide if move == "hide" else services.comment_unhide
        try:
            service(actor=user, comment=comment, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已隐藏该意见。" if move == "hide" else "已恢复显示该意见。")
            return redirect(f"{reverse('consultations:detail', args=[pk])}#comment-{comment.pk}")
    return _render(request, consultation, bound=form)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """采纳 or 不予采纳 one opinion (one comment or several), with the reason residents will read."""
    user = request.user
    consultation = visible_consultation(user, pk)
    undecided = consultation.comments.filter(hidden=False, opinion__isnull=True).order_by("created_at", "id")
    form = OpinionForm(request.POST, comments=undecided)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.opinion_decide(actor=user, consultation=consultation, comments=form.chosen(),
                                    outcome=data["outcome"], reason=data["reason"], summary=data["summary"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已记录处理结果。")
            return redirect(f"{reverse('consultations:detail', args=[pk])}#opinions")
    return _render(request, consultation, bound=form)
