"""Staff pages of service requests (办件), mounted at /services/.

Views parse the request, find the request through the scoped selector (out of scope answers 404, like
one that does not exist) and call one service. The service's refusals are shown on the page with what
was typed kept: a stale version (409), a move the table forbids (400), field errors next to the fields.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.roles import STAFF_ROLES
from core.workflow import StaleRecord
from halls.models import ServiceWindow
from organisations.models import Organisation
from regions.models import Facility, Level
from regions.permissions import can_manage_region
from regions.selectors import regions_visible_to, sees_everything, subtree_q

from . import selectors, services
from .forms import ActionForm, ProviderForm, ReplyForm, RequestForm
from .models import ServiceRequest
from .workflow import ACTION_LABELS, ACTIONS, StaleVersion, Status, StepNotAllowed

PAGE_SIZE = 50
CONFLICT_MESSAGE = "该办件已被他人更新，请查看最新内容后重试（您填写的内容已保留）"


def _staff(user) -> None:
    if not (sees_everything(user) or user.role in STAFF_ROLES):
        raise Http404


def _visible(user, pk: int) -> ServiceRequest:
    _staff(user)
    found = selectors.requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    """办件 in scope, newest first; `?overdue=1` keeps those past their promised limit."""
    user = request.user
    _staff(user)
    rows = selectors.requests_visible_to(user)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        rows = selectors.overdue(rows).order_by("due_at", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "govservices/list.html", {
        "page": page, "only_overdue": only_overdue, "tiles": selectors.request_tiles(user),
        "can_take": can_manage_region(user, None)})


@login_required
@require_GET
def handed_over(request: HttpRequest) -> HttpResponse:
    """首问's own list: what I took and handed over, and where each now stands."""
    _staff(request.user)
    page = Paginator(selectors.handed_over_by(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "govservices/handed_over.html", {"page": page})


def _request_form_choices(user) -> dict:
    regions = regions_visible_to(user).filter(level=Level.COMMUNITY).order_by("code")
    halls = Facility.objects.filter(archived_at__isnull=True).select_related("region").order_by("region__code", "name")
    if not sees_everything(user):
        root = regions_visible_to(user).order_by("code").first()
        halls = halls.filter(subtree_q(root, "region__")) if root is not None else halls.none()
    windows = (ServiceWindow.objects.active().filter(hall__in=halls.values("pk"))
               .select_related("hall").order_by("hall__region__code", "hall__name", "name"))
    return {"items": selectors.public_items().order_by("code"), "regions": regions, "halls": halls,
            "windows": windows}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Take a request at a window: the clerk becomes its 首问 and the clock starts."""
    user = request.user
    if not can_manage_region(user, None):
        raise Http404
    choices = _request_form_choices(user)
    if request.method == "POST":
        form = RequestForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                taken, _ = services.request_create(
                    actor=user, item=data["item"], region=data["region"], channel=ServiceRequest.Channel.WINDOW,
                    applicant_name=data["applicant_name"], hall=data["hall"], window=data["window"],
                    assisted=data["assisted"],
                    consent=data["consent"], idempotency_key=data["idempotency_key"] or None)
            except PermissionDenied:
                form.add_error("region", services.NO_PERMISSION)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"已受理，查询码 {taken.tracking_code}。")
                return redirect("services:detail", pk=taken.pk)
    else:
        form = RequestForm(initial={"idempotency_key": uuid.uuid4().hex}, **choices)
    return render(request, "govservices/new.html", {"form": form}, status=400 if form.errors else 200)


def _action_form(user, action: str, data=None, initial=None) -> ActionForm:
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, archived_at__isnull=True)
    return ActionForm(data, initial=initial, action=action, handlers=services.handler_candidates(),
                      departments=departments.order_by("name"))


def _render(request, found: ServiceRequest, *, bound: ActionForm | None = None, alert: str = "",
            status: int = 200) -> HttpResponse:
    user = request.user
    may_act = services.may_act(user, found)
    forms = []
    for action in selectors.request_actions(found) if may_act else []:
        form = bound if bound is not None and bound.prefix == action else _action_form(
            user, action, initial={"version": found.version})
        forms.append((action, ACTION_LABELS[action], form))
    return render(request, "govservices/detail.html", {
        "req": found, "forms": forms,
        "steps": [(step, ACTION_LABELS.get(step.action, "登记"), Status(step.to_status).label)
                  for step in found.steps.select_related("actor")], "alert": alert,
    }, status=status)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _visible(request.user, pk))


@login_required
@require_POST
def request_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One move of the table from its form on the page (PRG on success)."""
    user = request.user
    found = _visible(user, pk)
    if action not in ACTIONS:
        raise Http404
    if not services.may_act(user, found):
        raise PermissionDenied(services.NO_PERMISSION)
    form = _action_form(user, action, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_transition(
                actor=user, request=found, action=action, expected_version=data["version"],
                reason=data.get("reason", ""), missing=form.missing_list(), handler=data.get("handler"),
                department=data.get("department"), result=data.get("result", ""))
        except StaleVersion:
            fresh = _visible(user, pk)
            again = _action_form(user, action, initial={**form.typed_values(), "version": fresh.version})
            return _render(request, fresh, bound=again, alert=CONFLICT_MESSAGE, status=409)
        except StepNotAllowed as exc:
            return _render(request, found, bound=form, alert=str(exc), status=400)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已{ACTION_LABELS[action]}。")
            return redirect("services:detail", pk=pk)
    return _render(request, found, bound=form, status=400)


@login_required
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    """差评 and their follow-ups (整改): open first, by deadline."""
    _staff(request.user)
    rows = [(f, ReplyForm(initial={"version": f.version}, prefix=f"f{f.pk}"))
            for f in selectors.follow_ups_visible_to(request.user)[:200]]
    return render(request, "govservices/follow_ups.html", {"rows": rows})


@login_required
@require_POST
def follow_up_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _staff(user)
    follow_up = selectors.follow_ups_visible_to(user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    form = ReplyForm(request.POST, prefix=f"f{pk}")
    if form.is_valid():
        try:
            services.follow_up_reply(actor=user, follow_up=follow_up, reply=form.cleaned_data["reply"],
                                     expected_version=form.cleaned_data["version"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except StaleVersion as exc:
            form.add_error(None, str(exc))
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "整改答复已发送给居民。")
            return redirect("services:follow_ups")
    rows = [(f, form if f.pk == pk else ReplyForm(initial={"version": f.version}, prefix=f"f{f.pk}"))
            for f in selectors.follow_ups_visible_to(user)[:200]]
    return render(request, "govservices/follow_ups.html", {"rows": rows}, status=400)


@login_required
@require_GET
def rates(request: HttpRequest) -> HttpResponse:
    """好差评 rates per hall, window, item and handler, with the request tiles."""
    _staff(request.user)
    return render(request, "govservices/rates.html", {"rates": selectors.rating_rates(request.user),
                                                      "tiles": selectors.request_tiles(request.user)})


# --------------------------------------------------------------------------------------------------
# Social service organisations (社会服务组织)
# --------------------------------------------------------------------------------------------------

PROVIDER_PLACE_LEVELS = (Level.COUNTY, Level.STREET, Level.COMMUNITY)


def _provider_choices(user, region=None) -> dict:
    """Places a provider may be registered at (those the user manages), and the communities it may serve:
    those of `region` when it is known (editing), else every community in the user's scope."""
    visible = regions_visible_to(user).order_by("code")
    communities = visible.filter(level=Level.COMMUNITY)
    if region is not None:
        communities = communities.filter(subtree_q(region))
    places = [r for r in visible.filter(level__in=PROVIDER_PLACE_LEVELS) if can_manage_region(user, r)]
    return {"places": places, "communities": communities}


def _visible_provider(user, pk: int):
    _staff(user)
    found = selectors.providers_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    """社会服务组织 registered in scope or serving a community in it, with their average rating."""
    user = request.user
    _staff(user)
    page = Paginator(selectors.providers_visible_to(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "govservices/providers.html", {"page": page, "can_register": can_manage_region(user, None)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    """Register a provider at a place the user manages, for the communities it serves."""
    user = request.user
    if not can_manage_region(user, None):
        raise Http404
    choices = _provider_choices(user)
    form = ProviderForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provider = services.provider_register(
                actor=user, name=data["name"], kind=data["kind"], services=data["services"], hours=data["hours"],
                phone=data["phone"], address=data["address"], region=data["region"],
                communities=data["communities"])
        except PermissionDenied:
            form.add_error("region", services.NO_PROVIDER_PERMISSION)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已登记：{provider.name}。")
            return redirect("services:provider", pk=provider.pk)
    return render(request, "govservices/provider_new.html", {"form": form},
                  status=400 if form.errors else 200)


def _provider_initial(provider) -> dict:
    return {"version": provider.version, "name": provider.name, "kind": provider.kind, "services": provider.services,
            "hours": provider.hours, "address": provider.address,
            "communities": [str(pk) for pk in provider.communities.values_list("pk", flat=True)]}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A provider's page; staff who manage the place it is registered at change it here (PRG on success)."""
    user = request.user
    provider = _visible_provider(user, pk)
    may_edit = can_manage_region(user, provider.region)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(services.NO_PROVIDER_PERMISSION)
    choices = _provider_choices(user, provider.region)
    form = None
    alert = ""
    status = 200
    if may_edit:
        form = ProviderForm(request.POST or None, initial=_provider_initial(provider), editing=True, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.provider_update(
                actor=user, provider=provider, expected_version=data["version"], name=data["name"],
                kind=data["kind"], services=data["services"], hours=data["hours"], phone=data["phone"],
                address=data["address"], communities=data["communities"])
        except StaleRecord as exc:
            alert, status = str(exc), 409
            fresh = _visible_provider(user, pk)
            typed = {**form.typed_values(), "version": fresh.version}
            form = ProviderForm(initial=typed, editing=True, **choices)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已保存。")
            return redirect("services:provider", pk=pk)
    if form is not None and form.errors:
        status = 400
    return render(request, "govservices/provider.html", {
        "provider": provider, "form": form, "may_edit": may_edit, "alert": alert,
        "communities": provider.communities.order_by("code")}, status=status)


@login_required
@require_POST
def provider_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a provider: it leaves the lists and stays in history."""
    user = request.user
    provider = _visible_provider(user, pk)
    try:
        services.provider_archive(actor=user, provider=provider, reason=(request.POST.get("reason") or "")[:200])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("services:provider", pk=pk)
    messages.success(request, f"已归档：{provider.name}。")
    return redirect("services:providers")
