"""便民服务 on the residents' pages: the catalogue of items (办事指南) to search by words or pinyin initials,
each item's guide, its 一次性告知单 to print on A4, and a request followed by its code and rated (好差评).

No account is needed. The rules live in `govservices.services`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from core.ratelimit import tracking_hit
from govservices.forms import RatingForm
from govservices.selectors import categories_with_items, item_search, public_item, public_request
from govservices.services import rating_add

from .preferences import portal_context

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
