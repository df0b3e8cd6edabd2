"""Staff pages of task admission (社区工作事项准入): the requests (refused and withdrawn ones stay listed), the
tasks pushed down without admission, one request with its review and its ledger, and the report of tasks
against money per department and per community.

Views parse the request, find the request through the scoped selector (out of scope answers 404) and call
one service; its refusals show on the page with what was typed kept (a stale version answers 409).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.forms import add_service_errors
from core.roles import STAFF_ROLES
from regions.models import Level, Region
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to, sees_everything

from . import selectors, services
from .forms import AppointForm, ConsentForm, DecideForm, LedgerForm, RefuseTaskForm
from .models import CommunityTask, DispatchedTeam, LedgerEntry, ListKind, TaskRequest
from .workflow import ACTION_LABELS, ACTIONS, StaleVersion, StepNotAllowed

CONFLICT_MESSAGE = "该申请已被他人处理，请查看最新状态后重试（您填写的内容已保留）"


def _staff(user) -> None:
    if not (sees_everything(user) or user.role in STAFF_ROLES):
        raise Http404


def _visible(user, pk: int) -> TaskRequest:
    _staff(user)
    found = selectors.task_requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """Every request in scope by status, and the tasks pushed down without admission."""
    user = request.user
    _staff(user)
    rows = list(selectors.task_requests_visible_to(user).order_by("-filed_at", "-id")[:500])
    unbalanced = selectors.unbalanced_requests(selectors.task_requests_visible_to(user))
    return render(request, "tasks/list.html", {
        "rows": [(row, row.pk in unbalanced) for row in rows],
        "unadmitted": selectors.unadmitted_tasks_visible_to(user)[:200],
    })


def _ledger_form(user, found: TaskRequest, data=None) -> LedgerForm:
    communities = regions_visible_to(user).filter(level=Level.COMMUNITY).order_by("code")
    communities = [c for c in communities if found.region.contains(c)]
    return LedgerForm(data, communities=communities, kinds=LedgerEntry.Kind.choices)


def _pushed(user, found: TaskRequest, refusing: tuple[int, RefuseTaskForm] | None) -> list[tuple]:
    """Where the task was pushed down, each with the community's refusal form when it may still refuse it."""
    rows = []
    for row in selectors.community_tasks_visible_to(user).filter(request=found):
        form = None
        if (not found.admitted and row.state == CommunityTask.State.ASSIGNED
                and can_manage_region(user, row.community)):
            form = refusing[1] if refusing and refusing[0] == row.pk else RefuseTaskForm()
        rows.append((row, form))
    return rows


def _render(request, found: TaskRequest, *, decide=None, ledger=None, refusing=None, alert="",
            status=200) -> HttpResponse:
    user = request.user
    actions = [(action, ACTION_LABELS[action], decide[1] if decide and decide[0] == action else DecideForm(
        initial={"version": found.version})) for action in selectors.request_actions(found)
        if services.may_take(user, found, action)]
    return render(request, "tasks/detail.html", {
        "task": found, "actions": actions, "alert": alert,
        "missing": services.missing_for_admission(found).values(),
        "ledger": selectors.ledger_of(user, found) if found.admitted else None,
        "ledger_form": ledger or (_ledger_form(user, found) if found.admitted else None),
        "pushed": _pushed(user, found, refusing),
    }, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: what it brings, its review, where it was pushed down, and its ledger once admitted."""
    return _render(request, _visible(request.user, pk))


@login_required
@require_POST
def request_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """准入, 不予准入, 退回补充, 撤回 or 重新提交 from its form on the page (PRG on success)."""
    user = request.user
    found = _visible(user, pk)
    if action not in ACTIONS:
        raise Http404
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.task_request_decide(actor=user, request=found, action=action,
                                         expected_version=form.cleaned_data["version"],
                                         reason=form.cleaned_data["reason"])
        except StaleVersion:
            fresh = _visible(user, pk)
            typed = form.cleaned_data["reason"]
            again = DecideForm(initial={"version": fresh.version, "reason": typed})
            alert = CONFLICT_MESSAGE
            if action not in selectors.request_actions(fresh) and typed:
                # The form is gone with the edge: the typed reason is kept in the message instead.
                alert = f"{CONFLICT_MESSAGE}。您填写的审核意见：{typed}"
            return _render(request, fresh, decide=(action, again), alert=alert, status=409)
        except StepNotAllowed as exc:
            return _render(request, found, decide=(action, form), alert=str(exc), status=400)
        except PermissionDenied as exc:
            return _render(request, found, decide=(action, form), alert=str(exc), status=403)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已{ACTION_LABELS[action]}。")
            return redirect("tasks:detail", pk=pk)
    return _render(request, found, decide=(action, form), alert="请按提示修改后重新提交", status=400)


@login_required
@require_POST
def ledger_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One line of the ledger: a commitment, a transfer (拨付) or spending."""
    user = request.user
    found = _visible(user, pk)
    if not found.admitted:
        raise Http404
    form = _ledger_form(user, found, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        community = regions_visible_to(user).get(code=data["community"])
        try:
            services.ledger_record(actor=user, request=found, community=community, kind=data["kind"],
                                   amount=data["amount"], on=data["on"], note=data["note"])
        except PermissionDenied as exc:
            return _render(request, found, ledger=form, alert=str(exc), status=403)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已登记。")
            return redirect("tasks:detail", pk=pk)
    return _render(request, found, ledger=form, alert="请按提示修改后重新提交", status=400)


@login_required
@require_POST
def community_refuse(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The community refuses, with its reason, a task pushed down to it without admission (未经准入)."""
    user = request.user
    found = _visible(user, pk)
    pushed = selectors.community_tasks_visible_to(user).filter(request=found, community__code=code).first()
    if pushed is None:
        raise Http404
    form = RefuseTaskForm(request.POST)
    if form.is_valid():
        try:
            services.community_task_refuse(actor=user, task=pushed, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            return _render(request, found, refusing=(pushed.pk, form), alert=str(exc), status=403)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{pushed.community.name}已拒绝承接该事项。")
            return redirect("tasks:detail", pk=pk)
    alert = form.errors["reason"][0] if "reason" in form.errors else "请按提示修改后重新提交"
    return _render(request, found, refusing=(pushed.pk, form), alert=alert, status=400)


@login_required
@require_GET
def money_report(request: HttpRequest) -> HttpResponse:
    """Tasks against money, per department and per community in scope."""
    user = request.user
    _staff(user)
    departments, communities = selectors.money_report(user)
    return render(request, "tasks/report.html", {"departments": departments, "communities": communities})


def _public_region(code: str) -> Region:
    region = Region.objects.filter(code=code, archived_at__isnull=True).first()
    if region is None:
        raise Http404
    return region


@require_GET
def public_lists(request: HttpRequest, code: str) -> HttpResponse:
    """The lists in force for a region (its own and those above it), for anyone: the power list and the three task
    lists, each item with its type, legal basis, responsible and supporting units."""
    region = _public_region(code)
    items = list(selectors.list_items_of(region))
    lists = [(label, [item for item in items if item.kind == kind]) for kind, label in ListKind.choices]
    return render(request, "tasks/lists.html", {"region": region, "lists": lists})


@require_GET
def public_list_history(request: HttpRequest, code: str) -> HttpResponse:
    """Every version of the items that reach the region, newest first: each change with its date and reason."""
    region = _public_region(code)
    return render(request, "tasks/list_history.html",
                  {"region": region, "versions": selectors.list_item_history(region)[:500]})


# --------------------------------------------------------------------------------------------------
# A dispatched team: its head's seat and the community's consent decisions (征得同意权)
# --------------------------------------------------------------------------------------------------


def _team(user, pk: int, *, managing: bool = False) -> DispatchedTeam:
    """The team in `user`'s scope (404 otherwise); with `managing`, only for those who manage its community (403)."""
    _staff(user)
    team = selectors.teams_visible_to(user).filter(pk=pk).first()
    if team is None:
        raise Http404
    if managing and not can_manage_region(user, team.community):
        raise PermissionDenied("您无权处理该社区下沉力量的负责人任命")
    return team


def _render_team(request, team: DispatchedTeam, *, consent=None, appoint=None, alert="", status=200) -> HttpResponse:
    user = request.user
    manages = can_manage_region(user, team.community)
    return render(request, "tasks/team.html", {
        "team": team, "alert": alert, "consents": selectors.consents_of(team),
        "members": team.members.select_related("person").order_by("joined_on", "id"),
        "consent_form": (consent or ConsentForm(candidates=selectors.consent_candidates(user, team)))
        if manages else None,
        "appoint_form": (appoint or AppointForm(seats=selectors.head_seats_for(team))) if manages else None,
    }, status=status)


@login_required
@require_GET
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team placed under the community: home unit, the head's seat, members, and the consent decisions."""
    return _render_team(request, _team(request.user, pk))


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the community's decision (consent or refusal) on a candidate for the team's head."""
    user = request.user
    team = _team(user, pk, managing=True)
    candidates = selectors.consent_candidates(user, team)
    form = ConsentForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(actor=user, team=team, candidate=candidates.get(pk=data["candidate"]),
                                    consented=data["decision"] == "consent", decided_on=data["decided_on"],
                                    signatories=data["signatories"], reasons=data["reasons"])
        except PermissionDenied as exc:
            return _render_team(request, team, consent=form, alert=str(exc), status=403)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已登记社区意见。")
            return redirect("tasks:team", pk=pk)
    return _render_team(request, team, consent=form, status=400)


@login_required
@require_POST
def head_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    """Appoint the team's head to a seat in the community; refused, with nothing changed, without consent."""
    user = request.user
    team = _team(user, pk, managing=True)
    seats = selectors.head_seats_for(team)
    form = AppointForm(request.POST, seats=seats)
    if form.is_valid():
        try:
            services.team_head_appoint(actor=user, team=team, seat=seats.get(pk=form.cleaned_data["seat"]))
        except PermissionDenied as exc:
            return _render_team(request, team, appoint=form, alert=str(exc), status=403)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已任命负责人。")
            return redirect("tasks:team", pk=pk)
    return _render_team(request, team, appoint=form, status=400)
