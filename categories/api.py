"""REST endpoints for the function categories (按职能分类), mounted at /api/v1/categories.

Staff with a region scope see every active category; everyone else (residents) sees the categories
residents may choose (`categories.selectors.public_categories`). The tree is walked with `parent`: the
first level is `level=1`, the children of a category are `parent=CODE`, and a category's page lists its
children. Each category names its handling bodies: the lead (主办) and the assisting ones (协办), inherited
from the nearest ancestor that names them, exactly as `categories.selectors.departments_for` decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet
from ninja import Field, Query, Router, Schema

from categories.models import Category, CategoryDepartment, UrgencyLevel
from categories.selectors import public_categories, split_keywords
from core.api.errors import not_found
from core.api.pagination import Keyset, cursor_param, limit_param, paginate
from core.api.schemas import ErrorOut
from organisations.models import Organisation
from regions.selectors import has_console_scope

router = Router(tags=["categories"])

BY_CODE = Keyset("code")


class CategoryDepartmentBrief(Schema):
    id: int
    name: str
    kind: str


class CategoryUrgency(Schema):
    code: str
    name: str


class FunctionCategory(Schema):
    code: str
    name: str
    full_name: str = Field(description="从一级分类起的完整名称，如“市政设施 / 路灯照明”")
    level: int
    parent: str | None = Field(description="上级分类编码；一级分类为 null")
    public: bool = Field(description="居民和 Open311 是否可以选择（本分类及其上级都向居民公开）")
    description: str
    keywords: list[str]
    urgency: CategoryUrgency | None = Field(description="默认紧急程度（未设置时沿用上级，最终为“一般”）")
    lead_department: CategoryDepartmentBrief | None = Field(description="主办单位（未指定时沿用上级分类）")
    assisting_departments: list[CategoryDepartmentBrief] = Field(description="协办单位")
    departments_from: str | None = Field(description="责任单位取自哪个分类（本分类或其上级）的编码")
    has_children: bool


class FunctionCategoryList(Schema):
    items: list[FunctionCategory]
    next_cursor: str | None


class CategoryChildBrief(Schema):
    code: str
    name: str


class FunctionCategoryDetail(FunctionCategory):
    children: list[CategoryChildBrief]


def categories_visible_to(user) -> QuerySet[Category]:
    """Active categories `user` may read: all for staff with a region scope, the public ones for others."""
    qs = Category.objects.active() if has_console_scope(user) else public_categories()
    active_children = Category.objects.active().filter(parent=OuterRef("pk"))
    return qs.select_related(
        "parent__parent", "default_urgency", "parent__default_urgency", "parent__parent__default_urgency",
    ).annotate(has_active_children=Exists(active_children))


def _chain(category: Category) -> list[Category]:
    """The category and its ancestors, nearest first (loaded with the category: no query)."""
    chain = [category]
    node = category.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


class Responsibles:
    """Lead and assisting bodies of many categories at once, in one query.

    The rule is that of `categories.selectors.departments_for`: a category's own links win, one with none
    takes those of its nearest ancestor that has any, and the lead comes from the nearest category on the
    chain naming one; archived organisations are skipped.
    """

    def __init__(self, categories: Iterable[Category]):
        self.categories = list(categories)
        ids = {node.pk for category in self.categories for node in _chain(category)}
        self.links: dict[int, list[CategoryDepartment]] = defaultdict(list)
        links = (
            CategoryDepartment.objects.filter(category_id__in=ids, organisation__archived_at__isnull=True)
            .select_related("organisation").order_by("-is_lead", "organisation__name")
        )
        for link in links:
            self.links[link.category_id].append(link)

    def of(self, category: Category) -> tuple[Organisation | None, list[Organisation], Category | None]:
        """(lead, assisting, the category whose links apply) for one of the categories given."""
        chain = _chain(category)
        source = next((node for node in chain if self.links.get(node.pk)), None)
        own = self.links.get(source.pk, []) if source else []
        assisting = [link.organisation for link in own if not link.is_lead]
        lead = next((link.organisation for node in chain for link in self.links.get(node.pk, []) if link.is_lead), None)
        return lead, assisting, source


def _general_urgency() -> UrgencyLevel | None:
    return UrgencyLevel.objects.filter(code=UrgencyLevel.Code.GENERAL).first()


def _department(org: Organisation | None) -> dict | None:
    return {"id": org.pk, "name": org.name, "kind": org.kind} if org is not None else None


def _out(category: Category, responsibles: Responsibles, public_ids: set[int], general: UrgencyLevel | None) -> dict:
    chain = _chain(category)
    urgency = next((node.default_urgency for node in chain if node.default_urgency_id), None) or general
    lead, assisting, source = responsibles.of(category)
    return {
        "code": category.code, "name": category.name, "level": category.level,
        "full_name": " / ".join(node.name for node in reversed(chain)),
        "parent": category.parent.code if category.parent_id else None,
        "public": category.pk in public_ids, "description": category.description,
        "keywords": split_keywords(category.keywords),
        "urgency": {"code": urgency.code, "name": urgency.name} if urgency else None,
        "lead_department": _department(lead), "assisting_departments": [_department(org) for org in assisting],
        "departments_from": source.code if source else None,
        "has_children": bool(getattr(category, "has_active_children", False)),
    }


def _render_all(categories: list[Category]) -> list[dict]:
    responsibles = Responsibles(categories)
    public_ids = set(public_categories().filter(pk__in=[c.pk for c in categories]).values_list("pk", flat=True))
    general = _general_urgency()
    return [_out(category, responsibles, public_ids, general) for category in categories]


@router.get("", response={200: FunctionCategoryList, 400: ErrorOut})
def list_categories(
    request,
    parent: str | None = Query(None, max_length=40, description="只列出该分类的下级分类"),
    level: int | None = Query(None, ge=1, le=3, description="只列出该层级（1 为一级分类）"),
    public: bool | None = Query(None, description="true 只列出向居民公开的分类，false 只列出不公开的"),
    q: str | None = Query(None, max_length=50, description="名称包含的文字"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Categories the caller may read, by code; filter by `parent`, `level`, `public` or name (`q`)."""
    qs = categories_visible_to(request.user)
    if parent:
        qs = qs.filter(parent__code=parent)
    if level is not None:
        qs = qs.filter(level=level)
    if public is not None:
        public_ids = public_categories().values("pk")
        qs = qs.filter(pk__in=public_ids) if public else qs.exclude(pk__in=public_ids)
    if q:
        qs = qs.filter(name__icontains=q)
    page = paginate(qs, BY_CODE, cursor=cursor, limit=limit)
    return {"items": _render_all(page.rows), "next_cursor": page.next_cursor}


@router.get("/{code}", response={200: FunctionCategoryDetail, 404: ErrorOut})
def get_category(request, code: str):
    """One category with its handling bodies and its direct children."""
    category = categories_visible_to(request.user).filter(code=code).first()
    if category is None:
        raise not_found("问题分类不存在或无权访问")
    children = categories_visible_to(request.user).filter(parent=category).order_by("order", "code")
    return {**_render_all([category])[0], "children": [{"code": c.code, "name": c.name} for c in children]}

