"""Reads on the category tree: the tree itself, what residents may pick, and who handles a category."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from organisations.models import Organisation

from .models import MAX_LEVEL, Category, CategoryDepartment, UrgencyLevel

_KEYWORD_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_keywords(text: str) -> list[str]:
    """The keywords of a category's keyword text, separated by commas (either width), 、, ; or spaces."""
    return [word for word in _KEYWORD_SEPARATORS.split(text or "") if word]


@dataclass
class CategoryNode:
    """One category of `category_tree()` with its children, already ordered."""

    category: Category
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(*, include_archived: bool = False, public_only: bool = False) -> list[CategoryNode]:
    """The whole category tree in one query, roots first, siblings by `order` then code.

    A child whose parent is left out (archived or not public) is left out with it.
    """
    qs = Category.objects.select_related("default_urgency").order_by("level", "order", "code")
    if not include_archived:
        qs = qs.active()
    if public_only:
        qs = qs.filter(accepts_public=True)
    nodes: dict[int, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for category in qs:
        node = CategoryNode(category)
        if category.parent_id is None:
            nodes[category.pk] = node
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.pk] = node
            nodes[category.parent_id].children.append(node)
    return roots


def public_categories() -> QuerySet[Category]:
    """Active categories residents may choose (web form, Open311 services) whose ancestors are public too."""
    hidden_ids = Category.objects.filter(Q(archived_at__isnull=False) | Q(accepts_public=False)).values("pk")
    return (
        Category.objects.active()
        .filter(accepts_public=True)
        .exclude(parent_id__in=hidden_ids)
        .exclude(parent__parent_id__in=hidden_ids)
        .select_related("parent", "default_urgency")
        .order_by("code")
    )


def category_by_code(code: str) -> Category | None:
    """The active category with this code, or None."""
    return Category.objects.active().select_related("default_urgency").filter(code=(code or "").strip()).first()


def _chain(category: Category) -> list[Category]:
    """The category and its ancestors, nearest first; the tree is at most three deep, so one query."""
    chain = [category]
    if category.parent_id is not None:
        parent = Category.objects.select_related("parent__default_urgency", "default_urgency").get(
            pk=category.parent_id
        )
        chain.append(parent)
        if parent.parent is not None:
            chain.append(parent.parent)
    return chain


@dataclass(frozen=True)
class Responsibles:
    """Who handles a category: the lead (主办) and the assisting bodies (协办), and where they came from."""

    lead: Organisation | None
    assisting: tuple[Organisation, ...]
    source: Category | None

    @property
    def all(self) -> list[Organisation]:
        return ([self.lead] if self.lead else []) + list(self.assisting)


def departments_for(category: Category) -> Responsibles:
    """The bodies that handle `category`, in two queries.

    The category's own links win; a category with none takes those of its nearest ancestor that has
    any. A category that names only assisting bodies still takes its lead from the nearest ancestor
    that names one. Archived organisations are skipped, so a dissolved body never receives a case.
    """
    chain = _chain(category)
    by_category: dict[int, list[CategoryDepartment]] = {}
    links = (
        CategoryDepartment.objects.filter(category__in=chain, organisation__archived_at__isnull=True)
        .select_related("organisation")
        .order_by("-is_lead", "organisation__name")
    )
    for link in links:
        by_category.setdefault(link.category_id, []).append(link)
    source = next((node for node in chain if node.pk in by_category), None)
    own = by_category.get(source.pk, []) if source else []
    assisting = tuple(link.organisation for link in own if not link.is_lead)
    lead = next(
        (link.organisation for node in chain for link in by_category.get(node.pk, []) if link.is_lead), None
    )
    return Responsibles(lead=lead, assisting=assisting, source=source)


def lead_department_for(category: Category) -> Organisation | None:
    """The lead body (主办单位) of `category`, inherited from the nearest ancestor that names one."""
    return departments_for(category).lead


def urgency_for(category: Category) -> UrgencyLevel | None:
    """The category's default urgency, inherited from its nearest ancestor, else the 一般 level."""
    for node in _chain(category):
        if node.default_urgency_id is not None:
            return node.default_urgency
    return UrgencyLevel.objects.filter(code=UrgencyLevel.Code.GENERAL).first()


def category_by_path(*names: str) -> Category | None:
    """The active category reached by this path of names from a first-level one, or None."""
    if not names or len(names) > MAX_LEVEL:
        return None
    lookup = {"name": names[-1]}
    prefix = ""
    for name in reversed(names[:-1]):
        prefix += "parent__"
        lookup[f"{prefix}name"] = name
    lookup[f"{prefix}parent__isnull"] = True
    return Category.objects.active().filter(**lookup).first()
