"""便民服务 on the residents' pages: the catalogue of items (办事指南) to search by words or pinyin initials,
each item's guide, its 一次性告知单 to print on A4, and a request followed by its code and rated (好差评);
the social service organisations (社会服务组织) serving each community, their phones masked, each rated by
residents signed in with their own account, once a month.

No account is needed but to rate a provider. The rules live in `govservices.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

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
