"""The Open311 GeoReport v2 endpoints under /open311/ (discovery) and /open311/v2/ (the API).

Each view parses the arguments, calls one selector or service, and renders JSON or XML by the URL's
extension. Errors come as the specification's list of `{code, description}` with its HTTP statuses
(see `open311.errors`); a failure nobody foresaw is logged and answered as the specification's
"400 General service error", which asks the client to tell us.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from core.ratelimit import intake_hit

from . import selectors
from .errors import Open311Error, not_found, not_provided
from .formats import MEDIA_TYPES, render, render_errors
from .jurisdictions import Jurisdiction, resolve
from .services import Submission, api_key_check, request_submit

logger = logging.getLogger(__name__)

ATTRIBUTE_PREFIX = "attribute["
MAX_IDS = 1000
DEFAULT_CONTACT = "请联系县委组织部或县政务服务中心，工作日 8:30-17:30。"
DEFAULT_KEY_SERVICE = "接入单位向县政务服务中心申请 api_key，由管理员以 open311_key create 命令签发。"


def endpoint(*methods: str) -> Callable:
    """Wrap an Open311 view: allowed methods (405 otherwise), no CSRF (clients are not browsers), and
    every error in the client's format."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                return render_errors(
                    fmt, [(405, f"method {request.method} is not allowed here")], status=405,
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return render_errors(fmt, exc.errors, status=exc.status, headers=exc.headers)
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_errors(
                    fmt, [(400, "General service error: the request could not be processed; please notify us")],
                    status=400,
                )

        return wrapper

    return decorate


def _argument(request: HttpRequest, name: str) -> str:
    """An argument from the form body (POST) or the query string, stripped; '' when absent or empty."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return (value or "").strip()


def _jurisdiction(request: HttpRequest) -> Jurisdiction:
    return resolve(_argument(request, "jurisdiction_id"))


def _moment(raw: str, name: str) -> dt.datetime:
    """A W3C date-time argument; one without an offset is read as local time, a bare date as its midnight."""
    try:
        value = parse_datetime(raw)
        day = None if value is not None else parse_date(raw)
    except ValueError:
        value = day = None
    if value is None and day is None:
        raise Open311Error(400, f"{name} must be a date-time such as 2026-01-01T00:00:00+08:00")
    if value is None:
        value = dt.datetime.combine(day, dt.time.min)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _positive(raw: str, name: str, default: int, maximum: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {maximum:,}")
    return int(raw)


def _csv(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


@endpoint("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Service discovery: where the GeoReport v2 endpoint is, its formats, and how to get a key."""
    changeset = selectors.changeset()
    endpoint_url = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": "json"}))
    return render(fmt, "discovery", {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", DEFAULT_CONTACT),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", DEFAULT_KEY_SERVICE),
        "endpoints": [{
            "specification": selectors.SPECIFICATION,
            "url": endpoint_url.rsplit("/", 1)[0],
            "changeset": changeset,
            "type": "test" if settings.DEMO else "production",
            "formats": [MEDIA_TYPES["xml"], MEDIA_TYPES["json"]],
        }],
    })


@endpoint("GET")
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET Service List."""
    return render(fmt, "services", selectors.services(_jurisdiction(request)))


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    """GET Service Definition: the community and the attributes configured for the service."""
    jurisdiction = _jurisdiction(request)
    category = selectors.service_category(code)
    if category is None:
        raise not_found("service_code", code)
    return render(fmt, "service_definition", selectors.service_definition(jurisdiction, category))


@endpoint("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET Service Requests, or POST Service Request."""
    if request.method == "POST":
        return _create(request, fmt)
    jurisdiction = _jurisdiction(request)
    return render(fmt, "service_requests", selectors.requests_out(
        selectors.find_requests(jurisdiction, _query(request))
    ))


def _query(request: HttpRequest) -> selectors.RequestQuery:
    ids_raw = _argument(request, "service_request_id")
    page = _positive(_argument(request, "page"), "page", 1, 1_000_000)
    largest = selectors.MAX_PAGE_SIZE
    page_size = _positive(_argument(request, "page_size"), "page_size", largest, largest)
    if ids_raw:
        ids = [int(item) for item in _csv(ids_raw)[:MAX_IDS] if item.isdigit() and len(item) <= 18]
        return selectors.RequestQuery(ids=ids)
    start_raw, end_raw = _argument(request, "start_date"), _argument(request, "end_date")
    start = _moment(start_raw, "start_date") if start_raw else None
    end = _moment(end_raw, "end_date") if end_raw else None
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date must not be before start_date")
        if end - start > selectors.DEFAULT_WINDOW:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    statuses = frozenset(item.lower() for item in _csv(_argument(request, "status")))
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed, or both separated by a comma")
    return selectors.RequestQuery(
        service_codes=_csv(_argument(request, "service_code")) or None, start=start, end=end, statuses=statuses,
        page=page, page_size=page_size,
    )


def _attributes(request: HttpRequest) -> dict[str, list[str]]:
    """attribute[code]=value and attribute[code][]=value pairs of the form, by code."""
    found: dict[str, list[str]] = {}
    for name, values in request.POST.lists():
        if not name.startswith(ATTRIBUTE_PREFIX) or "]" not in name:
            continue
        code = name[len(ATTRIBUTE_PREFIX):name.index("]")]
        rest = name[name.index("]") + 1:]
        if code and rest in ("", "[]"):
            found.setdefault(code, []).extend(value.strip() for value in values)
    return found


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    verdict = intake_hit(request, "open311-post")
    if not verdict.allowed:
        raise Open311Error(
            429, f"too many requests from this address; try again in {verdict.retry_after} seconds",
            headers={"Retry-After": str(verdict.retry_after)},
        )
    jurisdiction = _jurisdiction(request)
    raw_key = _argument(request, "api_key")
    if not raw_key:
        raise Open311Error(403, "api_key was not provided")
    api_key = api_key_check(raw_key)
    if api_key is None:
        raise Open311Error(403, "api_key is invalid or has been revoked")
    service_code = _argument(request, "service_code")
    if not service_code:
        raise not_provided("service_code")
    service = selectors.service_category(service_code)
    if service is None:
        raise not_found("service_code", service_code)
    submission = Submission(
        service_code=service_code, attributes=_attributes(request),
        token=(request.headers.get("Idempotency-Key") or "").strip(),
        **{name: _argument(request, name) for name in (
            "lat", "long", "address_string", "address_id", "email", "device_id", "account_id", "first_name",
            "last_name", "phone", "description", "media_url",
        )},
    )
    created = request_submit(api_key=api_key, jurisdiction=jurisdiction, service=service, sub=submission)
    return render(fmt, "service_requests", [{
        "service_request_id": str(created.case.pk),
        "service_notice": created.service_notice,
        "account_id": created.request.account_id or None,
    }])


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    """GET Service Request: one request, as a list of one like the specification shows it."""
    jurisdiction = _jurisdiction(request)
    case = selectors.find_request(jurisdiction, int(request_id)) if request_id.isdigit() and len(request_id) <= 18 \
        else None
    if case is None:
        raise not_found("service_request_id", request_id)
    return render(fmt, "service_requests", selectors.requests_out([case]))


@endpoint("GET")
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """GET service_request_id from a token (the `Idempotency-Key` a client sent with its POST)."""
    jurisdiction = _jurisdiction(request)
    found = selectors.tokens(jurisdiction, token)
    if not found:
        raise not_found("token", token)
    return render(fmt, "service_requests", found)


@endpoint("GET")
def not_provided_in_path(request: HttpRequest, *, fmt: str, name: str) -> HttpResponse:
    """`services/.json`, `requests/.json`, `tokens/.json`: the identifier of the URL is missing."""
    _jurisdiction(request)
    raise not_provided(name)


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path under /open311/: 404 in the format its extension asks for (XML by default)."""
    fmt = "json" if path.endswith(".json") else "xml"
    return render_errors(fmt, [(404, "no such resource; see /open311/discovery.xml")], status=404)
