"""Staff pages of the case workflow: counter intake, a case with its action forms, and the lists.

Views parse the request, look the case up through the scoped selectors (a case out of scope answers
404, never 403) and call one service or selector. Every rule of the workflow lives in
`cases.services`; the page shows its refusals: a stale version, a move the table forbids, or field
errors next to the fields.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import drafts
from accounts.models import REGION_STAFF_ROLES, Role
from core import pii
from core.forms import RevealForm
from regions.selectors import has_console_scope, sees_everything

from . import permissions, selectors, services, workflow
from .forms import ACTION_FORMS, INTAKE_ROLES, ActionForm, CaseFilterForm, IntakeForm
from .models import Case, Kind
from .workflow import StaleVersion, TransitionNotAllowed

PAGE_SIZE = 50
CONFLICT_MESSAGE = "该事项已被他人更新，请查看最新内容后重试"


# --------------------------------------------------------------------------------------------------
# Who may open which page
# --------------------------------------------------------------------------------------------------


def require_console(user) -> None:
    """Residents and anyone without a place in the tree get 404 on every staff page."""
    if user.role == Role.RESIDENT and not user.is_superuser:
        raise Http404
    if not has_console_scope(user):
        raise Http404


def require_region_staff(user) -> None:
    """The case lists and their exports: county, street, community staff and grid workers."""
    require_console(user)
    if not (sees_everything(user) or user.role in REGION_STAFF_ROLES):
        raise PermissionDenied("问题清单仅供辖区工作人员使用")


def visible_case(user, pk: int) -> Case:
    """The case if `user` may open its staff page; 404 when it is absent or out of scope."""
    require_console(user)
    case = selectors.case_visible(user, pk)
    if case is None:
        raise Http404
    return case


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# --------------------------------------------------------------------------------------------------
# 受理登记
# --------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Counter intake: the clerk who takes the case in becomes its 首问责任人 (the service decides)."""
    user = request.user
    require_console(user)
    if not (sees_everything(user) or user.role in INTAKE_ROLES):
        raise PermissionDenied("仅辖区工作人员可以受理登记")
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                case, created = services.case_submit(actor=user, **form.service_values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if created:
                    messages.success(request, f"已受理登记，查询码 {case.tracking_code}，请告知反映人凭此码查询进展。")
                else:
                    messages.info(request, f"该事项已登记过（查询码 {case.tracking_code}），没有重复登记。")
                return redirect("cases:detail", pk=case.pk)
    else:
        form = IntakeForm(user=user)
    return render(request, "cases/intake.html", {"form": form})


# --------------------------------------------------------------------------------------------------
# A case, and its action forms
# --------------------------------------------------------------------------------------------------


def _action_label(action: str, status: str) -> str:
    edges = workflow.edges_from(action, status)
    return edges[0].label if len(edges) == 1 else workflow.ACTION_LABELS.get(action, action)


def _contact_item(case: Case, *, revealed: str | None = None, errors=(), reason: str = "") -> dict:
    """The reporter's phone as includes/pii_field.html draws it: masked, or revealed after a logged request."""
    return {
        "name": services.CONTACT_FIELD, "label": "联系电话", "masked": pii.mask_phone(case.contact_phone),
        "on_file": bool(case.contact_phone), "revealed": revealed, "errors": list(errors), "reason": reason,
    }


def _render_case(
    request: HttpRequest, case: Case, *, page: selectors.CasePage | None = None, bound: ActionForm | None = None,
    alert: str = "", status: int = 200, contact: dict | None = None,
) -> HttpResponse:
    """The case page; `bound` is the action form that was just submitted (shown again, open)."""
    user = request.user
    page = page or selectors.case_page(user, case)
    action_forms = []
    for action in page.options.actions:
        if bound is not None and bound.action == action:
            form = bound
        else:
            form = ACTION_FORMS[action](case=case, user=user, options=page.options)
        action_forms.append({
            "action": action, "label": _action_label(action, case.status), "form": form,
            "open": bound is not None and bound.action == action,
        })
    lost = bound is not None and bound.action not in page.options.actions
    return render(request, "cases/detail.html", {
        "case": case, "page": page, "action_forms": action_forms, "alert": alert, "typed_lost": lost,
        "bound_action": bound.action if bound is not None else "",
        # Likely duplicates (routing) are offered only while the case may still be merged.
        "offer_duplicates": "merge" in page.options.actions,
        "contact": contact or _contact_item(case), "may_reveal": permissions.may_reveal_contact(user, case),
        "reveal_url": reverse("cases:contact_reveal", args=[case.pk]),
    }, status=status)


def _restored_form(request: HttpRequest, case: Case, page: selectors.CasePage) -> ActionForm | None:
    """The action form filled from a draft kept when the session had expired, if one was kept for this page.

    It keeps the version the user was looking at, so a case changed meanwhile answers with the conflict.
    """
    fields = drafts.take(request)
    for action in page.options.actions:
        values = drafts.first_values(fields, action)
        if "version" in values:
            drafts.announce_restored(request)
            return ACTION_FORMS[action](case=case, user=request.user, options=page.options, initial=values)
    return None


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request.user, pk)
    page = selectors.case_page(request.user, case)
    return _render_case(request, case, page=page, bound=_restored_form(request, case, page))


@never_cache
@login_required
@require_POST
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """回访: the reporter's phone shown whole, for a reason, logged against the case (HTMX swaps the field in)."""
    user = request.user
    case = visible_case(user, pk)
    if not permissions.may_reveal_contact(user, case):
        raise services.case_contact_reveal_refused(actor=user, case=case)
    form = RevealForm(request.POST)
    revealed, errors = None, []
    if form.is_valid():
        try:
            revealed = services.case_contact_reveal(actor=user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            errors = [message for messages in error.message_dict.values() for message in messages]
    else:
        errors = form.errors.get("reason", [])
    contact = _contact_item(case, revealed=revealed, errors=errors, reason=request.POST.get("reason", ""))
    if request.headers.get("HX-Request"):
        return render(request, "includes/pii_field.html", {
            "item": contact, "may_reveal": True, "reveal_url": reverse("cases:contact_reveal", args=[case.pk]),
        })
    return _render_case(request, case, contact=contact)


def _posted_version(request: HttpRequest, action: str) -> int | None:
    try:
        return int(request.POST.get(f"{action}-version", ""))
    except ValueError:
        return None


def _conflict(request: HttpRequest, pk: int, form: ActionForm) -> HttpResponse:
    """The refreshed page after a stale write: the message, and the form again with what was typed."""
    user = request.user
    case = visible_case(user, pk)
    page = selectors.case_page(user, case)
    form_class = type(form)
    again = form_class(case=case, user=user, options=page.options, initial=form.typed_values())
    return _render_case(request, case, page=page, bound=again, alert=CONFLICT_MESSAGE, status=409)


@drafts.returns_to(lambda request, pk, action: reverse("cases:detail", args=[pk]))
@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One move of the case along the table, from the action's form on the case page (PRG on success)."""
    user = request.user
    case = visible_case(user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    page = selectors.case_page(user, case)
    form = form_class(request.POST, request.FILES, case=case, user=user, options=page.options)
    # The version comes first: someone looking at an old page learns that before anything else.
    if _posted_version(request, action) != case.version:
        return _conflict(request, pk, form)
    if not workflow.is_allowed(action, case.status):
        return _render_case(request, case, page=page, alert=str(TransitionNotAllowed(action, case.status)),
                            status=400)
    if action not in page.options.actions:
        message = f"您不能对该事项执行“{_action_label(action, case.status)}”"
        return _render_case(request, case, page=page, alert=message, status=403)
    if form.is_valid():
        try:
            services.TRANSITIONS[action](case=case, actor=user, expected_version=case.version,
                                         **form.service_kwargs())
        except StaleVersion:
            return _conflict(request, pk, form)
        except TransitionNotAllowed as exc:
            return _render_case(request, visible_case(user, pk), bound=form, alert=str(exc), status=400)
        except PermissionDenied as exc:
            return _render_case(request, case, page=page, bound=form, alert=str(exc) or "无权执行此操作", status=403)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已完成“{_action_label(action, case.status)}”。")
            return redirect("cases:detail", pk=pk)
    return _render_case(request, case, page=page, bound=form)


# --------------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------------


LIST_TITLES = {Kind.PROBLEM: "问题清单", Kind.DIFFICULTY: "困难清单"}


@login_required
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    """问题清单 (and 困难清单 with kind=difficulty): open cases in scope, overdue first."""
    user = request.user
    require_region_staff(user)
    form = CaseFilterForm(request.GET, user=user)
    page = selectors.case_list_page(user, form.filters(), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    kind = form.cleaned_data.get("kind", "") if form.is_valid() else ""
    return render(request, "cases/problem_list.html", {
        "form": form, "page": page, "title": LIST_TITLES.get(kind, "事项清单"),
        "can_intake": sees_everything(user) or user.role in INTAKE_ROLES,
    })


@login_required
@require_GET
def handling_list(request: HttpRequest) -> HttpResponse:
    """办理清单: a department's inbox (only what was dispatched to it); for staff, the assignments in their
    area; for a party member, the difficulties they help with."""
    user = request.user
    require_console(user)
    include_finished = request.GET.get("all") == "1"
    rows = selectors.handling_list(user, include_finished=include_finished)
    return render(request, "cases/handling_list.html", {
        "page": _page(request, rows), "include_finished": include_finished,
    })


@login_required
@require_GET
def whistle_board(request: HttpRequest) -> HttpResponse:
    """吹哨看板: whistles on the cases in scope, each summoned department's report-in and score."""
    user = request.user
    require_console(user)
    return render(request, "cases/whistle_board.html", {"page": _page(request, selectors.whistle_board(user))})
