"""Reads on the category tree: the tree itself, what residents may pick, and who handles a category."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from organisations.models import Organisation

from .models import Category, CategoryDepartment, UrgencyLevel

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
    hidden = Category.objects.filter(archived_at__isnull=False) | Category.objects.filter(accepts_public=False)
    hidden_ids = list(hidden.values_list("pk", flat=True))
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
    """The category and its ancestors, nearest first, fetched in one query."""
    chain = [category]
    ids = [category.parent_id]
    if category.parent_id is not None:
        parents = {c.pk: c for c in Category.objects.filter(pk__in=_ancestor_ids(category))}
        node_id = ids[0]
        while node_id is not None and node_id in parents:
            node = parents[node_id]
            chain.append(node)
            node_id = node.parent_id
    return chain


def _ancestor_ids(category: Category) -> list[int]:
    # At most two levels above; fetch the parent's own parent id without loading objects one by one.
    ids = [category.parent_id]
    grand = Category.objects.filter(pk=category.parent_id).values_list("parent_id", flat=True).first()
    if grand is not None:
        ids.append(grand)
    return ids


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
    """The bodies that handle `category`: its own links, or else those of its nearest ancestor that has any.

    Archived organisations are skipped, so a dissolved department never receives a case.
    """
    chain = _chain(category)
    links = (
        CategoryDepartment.objects.filter(category__in=chain, organisation__archived_at__isnull=True)
        .select_related("organisation")
        .order_by("-is_lead", "organisation__name")
    )
    by_category: dict[int, list[CategoryDepartment]] = {}
    for link in links:
        by_category.setdefault(link.category_id, []).append(link)
    for node in chain:
        own = by_category.get(node.pk)
        if own:
            lead = next((link.organisation for link in own if link.is_lead), None)
            assisting = tuple(link.organisation for link in own if not link.is_lead)
            return Responsibles(lead=lead, assisting=assisting, source=node)
    return Responsibles(lead=None, assisting=(), source=None)


def lead_department_for(category: Category) -> Organisation | None:
    """The lead body (主办单位) of `category`, inherited from the nearest ancestor that names one."""
    chain = _chain(category)
    links = {
        link.category_id: link.organisation
        for link in CategoryDepartment.objects.filter(
            category__in=chain, is_lead=True, organisation__archived_at__isnull=True
        ).select_related("organisation")
    }
    for node in chain:
        if node.pk in links:
            return links[node.pk]
    return None


def urgency_for(category: Category) -> UrgencyLevel | None:
    """The category's default urgency, inherited from its nearest ancestor, else the 一般 level."""
    for node in _chain(category):
        if node.default_urgency_id is not None:
            return UrgencyLevel.objects.get(pk=node.default_urgency_id)
    return UrgencyLevel.objects.filter(code=UrgencyLevel.Code.GENERAL).first()


def categories_with_departments() -> QuerySet[Category]:
    """Active categories with their department links prefetched (for lists and exports)."""
    return Category.objects.active().prefetch_related(
        Prefetch("department_links", queryset=CategoryDepartment.objects.select_related("organisation"))
    )
