"""便民服务 on the residents' pages: the catalogue of items (办事指南) to search by words or pinyin initials,
each item's guide, its 一次性告知单 to print on A4, and a request followed by its code and rated (好差评);
the social service organisations (社会服务组织) serving each community, their phones masked, each rated by
residents signed in with their own account, once a month.

From an item's guide a resident books a window slot at a hall (预约办事): the hall, the kind of window,
a working day and a 30-minute slot with a place left; the confirmation page by its code shows the
appointment and cancels it while it stands. The rules of appointments live in `halls.services`.

No account is needed but to rate a provider. The rules live in `govservices.services`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from core import ratelimit
from core.pii import mask_name
from core.ratelimit import rating_hit, tracking_hit
from govservices.forms import ProviderRatingForm, RatingForm
from govservices.models import Provider
from govservices.selectors import (
    categories_with_items,
    item_search,
    provider_rated_this_month,
    public_item,
    public_provider,
    public_providers,
    public_request,
)
from govservices.services import RATE_SIGN_IN, provider_rate, rating_add
from halls import selectors as hall_selectors
from halls import services as hall_services
from halls.workflow import APPOINTMENT_ACTIONS, StaleVersion, TransitionNotAllowed, WindowKind

from .forms import AppointmentCancelForm, AppointmentForm
from .preferences import portal_context
from .selectors import community_by_code, report_communities
from .services import portal_actor

ITEMS_PER_PAGE = 20
GONE = "portal/service_gone.html"


def _render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return render(request, template, {**portal_context(request), **context}, status=status)


@require_safe
def service_items(request: HttpRequest) -> HttpResponse:
    """办事指南: the categories and their items, or the items matching `q` (words or pinyin initials)."""
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        page = Paginator(item_search(q), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
        return _render(request, "portal/service_items.html", {"q": q, "page": page})
    return _render(request, "portal/service_items.html", {"q": "", "groups": categories_with_items()})


@require_safe
def service_item(request: HttpRequest, code: str) -> HttpResponse:
    """One item's guide as published now."""
    item = public_item(code[:32])
    if item is None:
        return _render(request, GONE, {}, status=404)
    return _render(request, "portal/service_item.html", {"item": item, "guide": item.current})


@require_safe
def service_notice(request: HttpRequest, code: str) -> HttpResponse:
    """一次性告知单: everything to bring, on one A4 sheet to print or keep on the phone."""
    item = public_item(code[:32])
    if item is None:
        return _render(request, GONE, {}, status=404)
    return render(request, "portal/service_notice.html", {"item": item, "guide": item.current})


@require_http_methods(["GET", "POST"])
def service_request(request: HttpRequest, code: str) -> HttpResponse:
    """A request by its tracking code: where it stands, the rating once it is finished, the follow-up's reply."""
    verdict = tracking_hit(request)
    if not verdict.allowed:
        response = _render(request, GONE, {"limited": True}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    found = public_request(code)
    if found is None:
        return _render(request, GONE, {}, status=404)
    rating = getattr(found, "rating", None)  # a missing reverse one-to-one is an AttributeError
    form = None
    status = 200
    if rating is None and found.status in ("completed", "delivered"):
        form = RatingForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                rating_add(request=found, level=form.cleaned_data["level"], comment=form.cleaned_data["comment"],
                           actor=request.user if request.user.is_authenticated else None)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return redirect(reverse("portal:service_request", args=[found.tracking_code]))
        if request.method == "POST":
            status = 400
    elif request.method == "POST":
        status = 400
    follow_up = getattr(rating, "follow_up", None)
    return _render(request, "portal/service_request.html", {
        "req": found, "rating": rating, "follow_up": follow_up, "form": form}, status=status)


# Booking a window slot is open to anyone: counted per address like other anonymous writes.
APPOINTMENT_LIMIT = ratelimit.Limit(count=20, window_seconds=600)
APPOINTMENT_LIMITED = "预约过于频繁，请稍后再试或到大厅服务台咨询"
# The kind of window an item is taken at by default: 即办件 at 业务直办, the rest at 综合受理.
DEFAULT_KIND = {"immediate": WindowKind.DIRECT, "promised": WindowKind.GENERAL}


def _appointment_choices(item, source) -> dict:
    """The halls, kinds, days and slots on offer for what `source` (the query or the posted form) chose."""
    halls = list(hall_selectors.appointment_halls())
    hall = next((h for h in halls if str(h.pk) == str(source.get("hall", ""))), None)
    if hall is None and len(halls) == 1:
        hall = halls[0]
    kinds = hall_services.appointment_kinds(hall) if hall else []
    kind = source.get("kind", "")
    if kind not in kinds:
        preferred = DEFAULT_KIND.get(item.current.kind)
        kind = preferred if preferred in kinds else (kinds[0] if kinds else "")
    days = hall_services.appointment_days()
    day = next((d for d in days if d.isoformat() == source.get("day", "")), days[0] if days else None)
    slots = hall_services.appointment_slots(hall, kind, day) if hall and kind and day else []
    return {"halls": halls, "hall": hall, "kinds": kinds, "kind": kind, "days": days, "day": day, "slots": slots}


@require_http_methods(["GET", "POST"])
def service_appointment(request: HttpRequest, code: str) -> HttpResponse:
    """预约办事 for one item: choose a hall, a kind of window and a working day, then a slot, and book it.
    Signing in is not needed; a signed-in resident finds it under their account too."""
    item = public_item(code[:32])
    if item is None:
        return _render(request, GONE, {}, status=404)
    posted = request.method == "POST"
    if posted:
        # A second click on 确认预约: the slot it took may now be full, so the form would refuse it.
        earlier = hall_selectors.appointment_by_key(request.POST.get("idempotency_key", ""), request.user)
        if earlier is not None:
            return redirect(reverse("portal:appointment", args=[earlier.code]))
    chosen = _appointment_choices(item, request.POST if posted else request.GET)
    form = AppointmentForm(
        request.POST if posted else None,
        initial={"hall": chosen["hall"].pk if chosen["hall"] else "", "kind": chosen["kind"],
                 "day": chosen["day"].isoformat() if chosen["day"] else ""},
        halls=[(str(h.pk), f"{h.name}（{h.region.name}）") for h in chosen["halls"]],
        kinds=[(k, WindowKind(k).label) for k in chosen["kinds"]],
        days=[(d.isoformat(), f"{d:%m月%d日} 星期{'一二三四五六日'[d.weekday()]}") for d in chosen["days"]],
        slots=[(s.starts_at.strftime("%H:%M"),
                f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}（余 {s.left} 个）") for s in chosen["slots"] if s.left],
    )
    status = 200
    if posted:
        status = 400
        verdict = ratelimit.hit(request, "portal-appointment", APPOINTMENT_LIMIT)
        if not verdict.allowed:
            form.add_error(None, APPOINTMENT_LIMITED)
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                appointment, _ = hall_services.appointment_book(
                    hall=chosen["hall"], kind=data["kind"], day=dt.date.fromisoformat(data["day"]),
                    starts_at=dt.time.fromisoformat(data["start"]), item_code=item.code, item_name=item.name,
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"], actor=request.user,
                    idempotency_key=data["idempotency_key"],
                )
            except hall_services.SlotFull as error:
                form.add_error("start", str(error))
                status = 409
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return redirect(reverse("portal:appointment", args=[appointment.code]))
    return _render(request, "portal/service_appointment.html", {
        "item": item, "form": form, **chosen}, status=status)


@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation of a window appointment by its code: when and where to come, what to bring; the
    holder of the code may cancel it while it stands."""
    verdict = tracking_hit(request)
    if not verdict.allowed:
        response = _render(request, GONE, {"limited": True}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    found = hall_selectors.public_appointment(code)
    if found is None:
        return _render(request, GONE, {}, status=404)
    alert, status = "", 200
    if request.method == "POST":
        form = AppointmentCancelForm(request.POST)
        alert, status = "页面已过期，请刷新后重试", 400
        if form.is_valid():
            try:
                hall_services.appointment_transition(actor=request.user, appointment=found, action="cancel",
                                                     expected_version=form.cleaned_data["version"], by_code=True)
            except StaleVersion:
                alert, status = "该预约已有变动，请查看最新状态", 409
            except (TransitionNotAllowed, ValidationError, PermissionDenied) as error:
                alert = "；".join(getattr(error, "messages", [str(error)]))
            else:
                messages.success(request, "预约已取消。")
                return redirect(reverse("portal:appointment", args=[found.code]))
        found = hall_selectors.public_appointment(code)
    return _render(request, "portal/appointment.html", {
        # A public page: the name masked, the phone not even in part (anyone holding the code sees it).
        "appointment": found, "name": mask_name(found.contact_name),
        "cancellable": "cancel" in hall_selectors.appointment_actions(found), "cancel_label": APPOINTMENT_ACTIONS[
            "cancel"], "alert": alert}, status=status)


PROVIDERS_PER_PAGE = 20
RATING_LIMITED = "评价提交过于频繁，请稍后再试"


@require_safe
def providers(request: HttpRequest) -> HttpResponse:
    """社会服务组织: those serving the chosen community (`?community=<code>`), or all, with services, hours,
    the masked phone and the average rating; `?kind=` keeps one kind of service."""
    community = community_by_code(request.GET.get("community", "")[:18])
    rows = public_providers(community)
    kind = request.GET.get("kind", "")
    if kind in Provider.Kind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    page = Paginator(rows, PROVIDERS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "portal/providers.html", {
        "page": page, "community": community, "groups": report_communities(), "kind": kind,
        "kinds": Provider.Kind.choices})


@require_http_methods(["GET", "POST"])
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    """One provider and the rating form: a signed-in resident rates it once a month (PRG on success)."""
    found = public_provider(pk)
    if found is None:
        return _render(request, GONE, {}, status=404)
    resident = portal_actor(request.user)
    form = ProviderRatingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        verdict = rating_hit(request)
        if not verdict.allowed:
            form.add_error(None, RATING_LIMITED)
            response = _provider_page(request, found, form, resident, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        status = 400
        if resident is None:  # visitors and staff: only a resident's own account rates
            form.add_error(None, RATE_SIGN_IN)
            status = 403
        elif form.is_valid():
            try:
                provider_rate(actor=resident, provider=found, level=form.cleaned_data["level"],
                              comment=form.cleaned_data["comment"])
            except PermissionDenied:
                form.add_error(None, RATE_SIGN_IN)
                status = 403
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "感谢您的评价。")
                return redirect(reverse("portal:provider", args=[found.pk]))
    return _provider_page(request, found, form, resident, status=status)


def _provider_page(request, found, form, resident, *, status: int) -> HttpResponse:
    return _render(request, "portal/provider.html", {
        "provider": found, "form": form, "resident": resident, "communities": found.communities.order_by("code"),
        "rated": provider_rated_this_month(found, resident), "login_next": request.path}, status=status)
