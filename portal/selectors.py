"""Reads for the residents' pages: places and categories to choose from, and what a tracking page may show.

Everything here is public (the region tree and the public categories), or limited to what anyone
holding a tracking code may see: no names of people, no contact data, no staff names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from cases.models import Assignment, Case
from cases.selectors import TrackingView, case_by_tracking_code
from cases.services import TRACKING_ALPHABET, TRACKING_LENGTH
from cases.workflow import Status
from categories.models import Category
from categories.selectors import public_categories
from regions.models import Level, Region
from regions.selectors import subtree_q

# How each status reads to a resident: what is happening, and what comes next.
STATUS_EXPLANATIONS: dict[str, str] = {
    Status.RECEIVED: "您的诉求已登记，社区工作人员正在分类处理。",
    Status.REGISTERED: "已按职能分类立案，正在安排承办单位。",
    Status.DISPATCHED: "已交承办单位办理，等待承办单位接收。",
    Status.IN_PROGRESS: "承办单位正在办理。",
    Status.REPLIED: "承办单位已答复，社区正在核实办理结果。",
    Status.VERIFIED: "社区已核实办理结果，即将办结。",
    Status.CLOSED: "已办结，请您对办理结果进行评价。",
    Status.RATED: "已办结并评价，感谢您的参与。",
    Status.REJECTED: "不予受理，原因请见下方说明。",
    Status.MERGED: "已与相同事项合并办理。",
    Status.ESCALATED: "需要多方共同研究，已提交会议研究解决。",
}


@dataclass(frozen=True)
class CommunityGroup:
    """The communities of one street (街道), for an <optgroup>."""

    street: str
    communities: list[Region]


def report_communities() -> list[CommunityGroup]:
    """Every active community, grouped by its street in code order (one query)."""
    groups: dict[int | None, CommunityGroup] = {}
    communities = (
        Region.objects.active().filter(level=Level.COMMUNITY).select_related("parent").order_by("code")
    )
    for community in communities:
        key = community.parent_id
        if key not in groups:
            groups[key] = CommunityGroup(street=community.parent.name if community.parent else "其他", communities=[])
        groups[key].communities.append(community)
    return list(groups.values())


def community_by_code(code: str) -> Region | None:
    """The active community with `code`, or None."""
    code = (code or "").strip()
    if not code.isdigit():
        return None
    return Region.objects.active().filter(level=Level.COMMUNITY, code=code).first()


def community_places(community: Region | None) -> QuerySet[Region]:
    """The grids and buildings of `community` in code order (none without a community)."""
    if community is None:
        return Region.objects.none()
    return (
        Region.objects.active()
        .filter(subtree_q(community), level__in=(Level.GRID, Level.BUILDING))
        .select_related("parent")
        .order_by("code")
    )


def place_label(place: Region) -> str:
    """How a grid or building reads in the choice list: a building names its grid."""
    if place.level == Level.BUILDING and place.parent is not None:
        return f"{place.parent.name} · {place.name}"
    return place.name


@dataclass
class CategoryGroup:
    """A first-level public category and its public sub-categories."""

    category: Category
    children: list[Category] = field(default_factory=list)


def public_category_groups() -> list[CategoryGroup]:
    """The public categories two levels deep, first-level ones with their children (one query)."""
    groups: dict[int, CategoryGroup] = {}
    children: list[Category] = []
    for category in public_categories().filter(level__lte=2).order_by("level", "order", "code"):
        if category.parent_id is None:
            groups[category.pk] = CategoryGroup(category)
        else:
            children.append(category)
    for child in children:
        if child.parent_id in groups:
            groups[child.parent_id].children.append(child)
    return list(groups.values())


def own_case(code: str) -> Case | None:
    """The case a tracking code was issued for, without following merges (its own title and kind)."""
    return case_by_tracking_code(code, follow_merges=False)


def public_handlers(case: Case) -> list[str]:
    """Names of the bodies handling `case` that a resident may see: departments, agencies, stations.

    A helper party member is a person, so the page says only that a party member helps.
    """
    names: list[str] = []
    assignments = (
        case.assignments.filter(status__in=Assignment.LIVE)
        .select_related("organisation", "facility")
        .order_by("-role", "dispatched_at", "id")
    )
    for assignment in assignments:
        if assignment.organisation is not None:
            name = assignment.organisation.name
        elif assignment.facility is not None:
            name = assignment.facility.name
        else:
            name = "党员志愿者"
        if name not in names:
            names.append(name)
    return names


_TRACKING_CODE = re.compile(rf"(?<![0-9A-Z])[{TRACKING_ALPHABET}]{{{TRACKING_LENGTH}}}(?![0-9A-Z])")


@dataclass(frozen=True)
class PublicNotice:
    at: dt.datetime
    message: str


def public_notices(view: TrackingView) -> list[PublicNotice]:
    """What the reporters were told, with every tracking code but the reader's own masked.

    A merge notice names the code of the case it was merged into; that code is another resident's
    key to their own report, so the page shows it as asterisks.
    """
    own = view.followed_code

    def mask(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) == own else "*" * TRACKING_LENGTH

    return [PublicNotice(notice.created_at, _TRACKING_CODE.sub(mask, notice.message)) for notice in view.notices]
