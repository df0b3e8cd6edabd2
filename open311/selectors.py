"""Reads behind the Open311 endpoints: services, service definitions, and service requests as the
specification shows them.

Services are the categories residents may choose (`categories.selectors.public_categories`): each
public category without public sub-categories is a service, grouped under its first-level category.

Service requests are the county's problems (问题): every case of kind `problem` placed in the
jurisdiction's county, whatever channel it came in through. Difficulties (困难) are requests for
personal help to vulnerable people and are never shown here. The public view carries no reporter and
no contact data; phone and ID numbers written into a text are masked; the free-text `description` is
shown for requests that came in through Open311 itself (their clients publish them under the
standard) and, with `settings.OPEN311_PUBLIC_DESCRIPTIONS = "all"`, for every problem.

Status: `closed` for 已结案, 已评价, 不予受理 and 已合并 — the county has finished with the request
(resolved, refused, or continued as another request); `open` for every other status, 已上会 included.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from cases.models import Assignment, Case, Kind
from cases.services import TRACKING_ALPHABET, TRACKING_LENGTH
from cases.workflow import ENDED_STATUSES, Status
from categories.models import Category, CategoryDepartment, UrgencyLevel
from categories.selectors import public_categories, split_keywords
from core.pii import mask_text
from regions.models import Level, Region
from regions.selectors import subtree_q

from .jurisdictions import Jurisdiction
from .models import COMMUNITY_ATTRIBUTE, ServiceAttribute

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000

STATUS_NOTES = {
    Status.RECEIVED: "已受理，等待社区立案分类",
    Status.REGISTERED: "已立案，等待派遣承办单位",
    Status.DISPATCHED: "已派遣承办单位，等待报到",
    Status.IN_PROGRESS: "承办单位正在处置",
    Status.REPLIED: "承办单位已答复，等待社区核查",
    Status.VERIFIED: "社区已核查，等待结案",
    Status.CLOSED: "已办结",
    Status.RATED: "已办结并评价",
    Status.REJECTED: "不予受理",
    Status.MERGED: "与相同事项合并办理",
    Status.ESCALATED: "已提交会议研究解决",
}

_TRACKING_CODE = re.compile(rf"(?<![0-9A-Z])[{TRACKING_ALPHABET}]{{{TRACKING_LENGTH}}}(?![0-9A-Z])")


def iso(value: dt.datetime | None) -> str | None:
    """W3C date-time in local time with its offset (Asia/Shanghai: +08:00), to the second."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------------------------------
# Categories: services, their lead departments and time limits
# --------------------------------------------------------------------------------------------------


class CategoryFacts:
    """Per category: its chain up the tree, its inherited lead department and urgency (three queries)."""

    def __init__(self) -> None:
        self.categories = {c.pk: c for c in Category.objects.select_related("default_urgency")}
        self.leads: dict[int, Any] = {}
        for link in CategoryDepartment.objects.filter(is_lead=True, organisation__archived_at__isnull=True) \
                .select_related("organisation"):
            self.leads[link.category_id] = link.organisation
        self.general = UrgencyLevel.objects.filter(code=UrgencyLevel.Code.GENERAL).first()

    def chain(self, category_id: int | None) -> list[Category]:
        """The category and its ancestors, nearest first."""
        chain: list[Category] = []
        node = self.categories.get(category_id) if category_id else None
        while node is not None and len(chain) < 5:
            chain.append(node)
            node = self.categories.get(node.parent_id) if node.parent_id else None
        return chain

    def root(self, category: Category) -> Category:
        return self.chain(category.pk)[-1]

    def lead(self, category_id: int | None):
        """The lead body of the category, inherited from the nearest ancestor naming one."""
        return next((self.leads[c.pk] for c in self.chain(category_id) if c.pk in self.leads), None)

    def urgency(self, category_id: int | None) -> UrgencyLevel | None:
        """The category's default urgency, inherited, else 一般 (as `categories.selectors.urgency_for`)."""
        return next((c.default_urgency for c in self.chain(category_id) if c.default_urgency_id), None) or self.general


def service_notice(urgency: UrgencyLevel | None) -> str | None:
    """What the county commits to for a request of this urgency."""
    if urgency is None:
        return None
    return (
        f"按“{urgency.name}”时限办理：社区立案后{urgency.response_limit}内响应，"
        f"{urgency.finish_limit}内办结。"
    )


def service_categories() -> list[Category]:
    """The services: public categories without public sub-categories, by code."""
    public = list(public_categories())
    parents = {c.parent_id for c in public if c.parent_id}
    return [c for c in public if c.pk not in parents]


def service_category(code: str) -> Category | None:
    """The public category with this service code (any level, so a group's code is accepted too)."""
    return public_categories().filter(code=(code or "").strip()).first()


def service_out(category: Category, facts: CategoryFacts) -> dict[str, Any]:
    root = facts.root(category)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or " / ".join(c.name for c in reversed(facts.chain(category.pk))),
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(split_keywords(category.keywords)),
        "group": root.name,
    }


def services(jurisdiction: Jurisdiction) -> list[dict[str, Any]]:
    """GET services: every service of the jurisdiction (categories are county-wide)."""
    facts = CategoryFacts()
    return [service_out(category, facts) for category in service_categories()]


def communities(jurisdiction: Jurisdiction) -> list[Region]:
    """The communities of the jurisdiction's county, by code, with their street."""
    return list(
        Region.objects.active().filter(subtree_q(jurisdiction.county), level=Level.COMMUNITY)
        .select_related("parent").order_by("code")
    )


def attributes_for(category: Category) -> list[ServiceAttribute]:
    """The live attributes configured on the category and its ancestors, by order."""
    chain = [category.pk]
    node = category.parent
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return list(ServiceAttribute.objects.active().filter(category_id__in=chain).order_by("order", "id"))


def community_attribute(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """The first attribute of every service: the community the request lies in."""
    return {
        "variable": True,
        "code": COMMUNITY_ATTRIBUTE,
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "选择一个社区",
        "order": 1,
        "description": "事项所在的社区。也可以不填此项，而以 address_id 传社区、网格或楼栋的区域编码。",
        "values": [
            {"key": c.code, "name": f"{c.parent.name} {c.name}" if c.parent_id else c.name}
            for c in communities(jurisdiction)
        ],
    }


def attribute_out(attribute: ServiceAttribute, order: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required and attribute.variable,
        "datatype_description": attribute.datatype_description or None,
        "order": order,
        "description": attribute.description,
    }
    if attribute.datatype in ServiceAttribute.LIST_TYPES:
        out["values"] = [{"key": key, "name": name} for key, name in attribute.values()]
    return out


def service_definition(jurisdiction: Jurisdiction, category: Category) -> dict[str, Any]:
    """GET service definition: the community, then the attributes configured for the category."""
    configured = attributes_for(category)
    return {
        "service_code": category.code,
        "attributes": [community_attribute(jurisdiction)]
        + [attribute_out(attribute, position) for position, attribute in enumerate(configured, start=2)],
    }


def changeset() -> str:
    """When the services or their definitions last changed (for the discovery document)."""
    moments = [
        Category.objects.aggregate(at=Max("updated_at"))["at"],
        ServiceAttribute.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    latest = max((m for m in moments if m is not None), default=None)
    return timezone.localtime(latest).strftime("%Y-%m-%d %H:%M") if latest else "1970-01-01 00:00"


# --------------------------------------------------------------------------------------------------
# Service requests
# --------------------------------------------------------------------------------------------------


def _lead_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(role="lead", status__in=Assignment.LIVE)
        .select_related("organisation", "facility").order_by("-dispatched_at", "-id"),
        to_attr="open311_leads",
    )


def requests_in(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    """Every problem of the jurisdiction's county, with what the public view needs joined, newest first."""
    return (
        Case.objects.active().filter(kind=Kind.PROBLEM).filter(subtree_q(jurisdiction.county, "region__"))
        .select_related("region", "category", "urgency", "merged_into", "open311")
        .annotate(last_event_at=Max("events__created_at"))
        .prefetch_related(_lead_assignments())
        .order_by("-received_at", "-id")
    )


def status_of(case: Case) -> str:
    return "closed" if case.status in ENDED_STATUSES else "open"


def _status_filter(statuses: set[str]) -> Q:
    if statuses == {"open"}:
        return ~Q(status__in=ENDED_STATUSES)
    if statuses == {"closed"}:
        return Q(status__in=ENDED_STATUSES)
    return Q()


@dataclass(frozen=True)
class RequestQuery:
    """The arguments of GET requests, already checked (see `open311.views`)."""

    ids: list[int] | None = None
    service_codes: list[str] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: frozenset[str] = frozenset()
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def find_requests(jurisdiction: Jurisdiction, query: RequestQuery, *, now: dt.datetime | None = None) -> list[Case]:
    """GET requests: by ids (which override every other argument), or by service, status and a window
    of at most 90 days (the most recent 90 days by default), newest first, one page of at most 1,000."""
    qs = requests_in(jurisdiction)
    if query.ids is not None:
        return list(qs.filter(pk__in=query.ids)[:MAX_PAGE_SIZE])
    now = now or timezone.now()
    start, end = query.start, query.end
    if start is None and end is None:
        start, end = now - DEFAULT_WINDOW, now
    elif start is None:
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    if query.service_codes:
        qs = qs.filter(category__code__in=query.service_codes)
    if query.statuses:
        qs = qs.filter(_status_filter(set(query.statuses)))
    offset = (query.page - 1) * query.page_size
    return list(qs[offset:offset + query.page_size])


def find_request(jurisdiction: Jurisdiction, request_id: int) -> Case | None:
    """GET request: one problem of the jurisdiction, or None."""
    return requests_in(jurisdiction).filter(pk=request_id).first()


def public_descriptions() -> str:
    """Whose descriptions are public: "open311" (default), "all" or "none"."""
    value = str(getattr(settings, "OPEN311_PUBLIC_DESCRIPTIONS", "open311")).strip().lower()
    return value if value in ("open311", "all", "none") else "open311"


def _open311_row(case: Case):
    try:
        return case.open311
    except Case.open311.RelatedObjectDoesNotExist:
        return None


def _agency(case: Case, facts: CategoryFacts) -> str | None:
    leads = getattr(case, "open311_leads", None)
    if leads is None:
        leads = list(_lead_assignments().queryset.filter(case=case))
    if leads:
        lead = leads[0]
        if lead.organisation_id:
            return lead.organisation.name
        if lead.facility_id:
            return lead.facility.name
        return "党员志愿者"
    org = facts.lead(case.category_id)
    return org.name if org is not None else None


def _expected(case: Case) -> dt.datetime | None:
    leads = getattr(case, "open311_leads", None) or []
    if leads and leads[0].finish_due:
        return leads[0].finish_due
    return case.finish_due


def _status_notes(case: Case) -> str:
    notes = STATUS_NOTES.get(case.status, "")
    if case.status == Status.MERGED and case.merged_into_id:
        notes = f"与服务请求 {case.merged_into_id} 合并办理"
    if case.public_note:
        note = _TRACKING_CODE.sub("*" * TRACKING_LENGTH, mask_text(case.public_note))
        notes = f"{notes}：{note}" if notes else note
    return notes


def _coordinate(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def request_out(case: Case, facts: CategoryFacts) -> dict[str, Any]:
    """One service request as the specification lists its fields (ids and codes as strings)."""
    row = _open311_row(case)
    policy = public_descriptions()
    show_description = policy == "all" or (policy == "open311" and row is not None)
    closed = status_of(case) == "closed"
    updated = case.closed_at if closed and case.closed_at else getattr(case, "last_event_at", None)
    urgency = case.urgency or facts.urgency(case.category_id)
    return {
        "service_request_id": str(case.pk),
        "status": status_of(case),
        "status_notes": _status_notes(case) or None,
        "service_name": case.category.name if case.category_id else None,
        "service_code": case.category.code if case.category_id else None,
        "description": mask_text(case.description) if show_description else None,
        "agency_responsible": _agency(case, facts),
        "service_notice": service_notice(urgency) if case.category_id else None,
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(updated or case.received_at),
        "expected_datetime": iso(_expected(case)),
        "address": mask_text(case.address) if case.address else case.region.name,
        "address_id": case.region.code,
        "zipcode": None,
        "lat": _coordinate(case.latitude),
        "long": _coordinate(case.longitude),
        "media_url": (row.media_url or None) if row is not None else None,
    }


def requests_out(cases: list[Case]) -> list[dict[str, Any]]:
    facts = CategoryFacts()
    return [request_out(case, facts) for case in cases]


def tokens(jurisdiction: Jurisdiction, token: str) -> list[dict[str, str]]:
    """GET service_request_id from a token: every request of the jurisdiction sent with this token."""
    cases = requests_in(jurisdiction).filter(open311__token=token).order_by("pk")
    return [{"service_request_id": str(case.pk), "token": token} for case in cases]

