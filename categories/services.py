"""Writes on the category tree and its responsible bodies; each change is audited in its transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import audit
from core.models import AuditEvent
from core.services import record_archive, record_create, record_save, record_update
from core.text import has_hidden_characters
from organisations.models import Organisation

from .defaults import DEFAULT_DEPARTMENTS, DEFAULT_TREE
from .models import HANDLER_KINDS, MAX_LEVEL, Category, CategoryDepartment, UrgencyLevel
from .xlsx import LEVEL_COLUMNS, ImportFileError, Source, read_category_rows

# Code width per level: 01, 0102, 0102003 (up to 99, 99 and 999 siblings before the width grows).
CODE_WIDTH = {1: 2, 2: 2, 3: 3}


def next_code(parent_code: str, level: int, taken: set[str]) -> str:
    """The first free code under `parent_code` for a category at `level`; `taken` holds codes in use."""
    width = CODE_WIDTH.get(level, 3)
    number = 1
    while True:
        code = f"{parent_code}{number:0{width}d}"
        if code not in taken:
            return code
        number += 1


def _taken_codes(parent_code: str) -> set[str]:
    return set(Category.objects.filter(code__startswith=parent_code).values_list("code", flat=True))


@transaction.atomic
def category_create(*, actor, name: str, parent: Category | None = None, code: str = "", **values: Any) -> Category:
    """Add a category under `parent` (a first-level function when None); a code is generated when not given."""
    level = parent.level + 1 if parent is not None else 1
    if level > MAX_LEVEL:
        raise ValidationError({"parent": f"分类最多 {MAX_LEVEL} 级"})
    code = (code or "").strip()
    if not code:
        prefix = parent.code if parent is not None else ""
        code = next_code(prefix, level, _taken_codes(prefix))
    return record_create(Category, actor=actor, name=(name or "").strip(), parent=parent, code=code, **values)


@transaction.atomic
def category_update(*, actor, category: Category, values: dict[str, Any]) -> Category:
    """Change a category's fields; moving it may not change the depth of a category that has children."""
    if "parent" in values:
        parent = values["parent"]
        new_level = parent.level + 1 if parent is not None else 1
        if new_level != category.level and category.children.exists():
            raise ValidationError({"parent": "含下级分类的分类不能移动到其他层级"})
    record_update(category, actor=actor, values=values)
    return category


@transaction.atomic
def category_archive(*, actor, category: Category, reason: str = "") -> Category:
    """Archive a category and its active descendants; cases filed under them keep their category."""
    for child in category.children.active():
        category_archive(actor=actor, category=child, reason=reason)
    return record_archive(category, actor=actor, reason=reason)


def urgency_level_save(*, actor, level: UrgencyLevel) -> dict[str, list[Any]]:
    """Create or change an urgency level (its response and finish limits); returns what changed.

    Every new case's deadlines come from these limits, so each change is audited whoever makes it.
    Cases already dispatched keep the deadlines they were given.
    """
    return record_save(level, actor=actor)


def _links_snapshot(category: Category) -> list[str]:
    return [
        f"{link.organisation.name}（{'主办' if link.is_lead else '协办'}）"
        for link in category.department_links.select_related("organisation").order_by("-is_lead", "organisation__name")
    ]


@transaction.atomic
def category_assign_department(
    *, actor, category: Category, organisation: Organisation, is_lead: bool = False
) -> CategoryDepartment:
    """Make `organisation` the lead (主办) or an assisting body (协办) of `category`.

    A category has one lead: naming a new lead turns the previous one into an assisting body.
    The change is audited on the category as the before and after list of its bodies.
    """
    before = _links_snapshot(category)
    if is_lead:
        category.department_links.filter(is_lead=True).exclude(organisation=organisation).update(is_lead=False)
    link = CategoryDepartment.objects.filter(category=category, organisation=organisation).first()
    if link is None:
        link = CategoryDepartment(category=category, organisation=organisation, is_lead=is_lead)
    link.is_lead = is_lead
    link.full_clean()
    link.save()
    after = _links_snapshot(category)
    if after != before:
        audit.record(
            actor=actor, action=AuditEvent.Action.UPDATE, target=category, changes={"departments": [before, after]}
        )
    return link


@transaction.atomic
def category_remove_department(*, actor, category: Category, organisation: Organisation) -> bool:
    """Stop `organisation` handling `category`; returns whether it was linked. Audited on the category."""
    before = _links_snapshot(category)
    removed, _ = CategoryDepartment.objects.filter(category=category, organisation=organisation).delete()
    if removed:
        audit.record(
            actor=actor, action=AuditEvent.Action.UPDATE, target=category,
            changes={"departments": [before, _links_snapshot(category)]},
        )
    return bool(removed)


# ---------------------------------------------------------------------------------------------
# Import of a three-level list from .xlsx


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the row number as Excel shows it, the column header, the reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where} {self.column}：{self.reason}" if self.column else f"{where}：{self.reason}"


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing.

    `in_file` counts the distinct categories of each level named in the file; `created` the new
    ones per level; everything else in the file already existed (matched by its path of names).
    """

    in_file: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    created: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def unchanged_total(self) -> int:
        return sum(self.in_file.values()) - self.created_total


NAME_MAX = Category._meta.get_field("name").max_length


def _plan_paths(rows: list[tuple[int, list[str]]], result: ImportResult) -> list[tuple[str, ...]]:
    """Every category path named by the rows, parents before children, in file order; errors go to `result`."""
    paths: dict[tuple[str, ...], int] = {}
    seen_rows: dict[tuple[str, ...], int] = {}
    previous: list[str] = []
    for number, cells in rows:
        values = list(cells)
        # Leading blank cells repeat the row above (lists often leave parents blank under their first row).
        leading = 0
        while leading < len(values) and not values[leading]:
            leading += 1
        bad = False
        for index in range(leading):
            if index < len(previous) and previous[index]:
                values[index] = previous[index]
            else:
                result.errors.append(RowError(number, LEVEL_COLUMNS[index], "分类名称为空，且上一行没有可沿用的名称"))
                bad = True
                break
        if bad:
            # Later rows cannot repeat from a row whose parents are unknown.
            previous = []
            continue
        depth = max(i + 1 for i, v in enumerate(values) if v)
        for index in range(depth):
            name = values[index]
            column = LEVEL_COLUMNS[index]
            if not name:
                result.errors.append(RowError(number, column, f"为空，但填写了{LEVEL_COLUMNS[depth - 1]}"))
                bad = True
            elif len(name) > NAME_MAX:
                result.errors.append(RowError(number, column, f"名称超过 {NAME_MAX} 个字"))
                bad = True
            elif has_hidden_characters(name):
                result.errors.append(RowError(number, column, "名称含有换行符或不可见字符"))
                bad = True
        previous = values
        if bad:
            continue
        path = tuple(values[:depth])
        if path in seen_rows:
            result.warnings.append(
                RowError(number, LEVEL_COLUMNS[depth - 1], f"与第 {seen_rows[path]} 行重复，已忽略")
            )
            continue
        seen_rows[path] = number
        for cut in range(1, depth + 1):
            paths.setdefault(path[:cut], number)
    return list(paths)


def _existing_by_path() -> dict[tuple[str, ...], Category]:
    """Every category by its path of names, from one query."""
    categories = {c.pk: c for c in Category.objects.only("id", "name", "parent_id", "code", "level", "archived_at")}
    paths: dict[tuple[str, ...], Category] = {}
    for category in categories.values():
        names = [category.name]
        node = category
        while node.parent_id is not None and node.parent_id in categories:
            node = categories[node.parent_id]
            names.append(node.name)
        paths[tuple(reversed(names))] = category
    return paths


def categories_import_xlsx(source: Source, *, actor, file_name: str = "") -> ImportResult:
    """Import a three-level category list (一级分类/二级分类/三级分类) from an .xlsx path, bytes or file.

    Every row is checked first and every problem reported (row, column, reason in Chinese); nothing
    is stored unless the whole file is clean. A category is identified by its path of names, so
    importing the same list twice creates nothing the second time, and a list that shares first-level
    names with the existing tree adds to those branches. New categories get generated codes and
    inherit urgency and departments from their parents. One audit row records the import.
    """
    result = ImportResult()
    if not file_name:
        file_name = Path(source).name if isinstance(source, (str, Path)) else getattr(source, "name", "") or ""
    try:
        rows = read_category_rows(source)
    except ImportFileError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    paths = _plan_paths(rows, result)
    if result.errors:
        return result
    for path in paths:
        result.in_file[len(path)] += 1

    try:
        with transaction.atomic():
            existing = _existing_by_path()
            for path in paths:
                found = existing.get(path)
                if found is not None and found.is_archived:
                    column = LEVEL_COLUMNS[len(path) - 1]
                    result.warnings.append(RowError(0, column, f"“{'/'.join(path)}”已归档，未恢复"))
            taken = set(Category.objects.values_list("code", flat=True))
            order: dict[tuple[str, ...], int] = {}
            for level in range(1, MAX_LEVEL + 1):
                new: list[tuple[tuple[str, ...], Category]] = []
                for path in paths:
                    if len(path) != level or path in existing:
                        continue
                    parent = existing[path[:-1]] if level > 1 else None
                    code = next_code(parent.code if parent else "", level, taken)
                    taken.add(code)
                    siblings = order.get(path[:-1], 0) + 1
                    order[path[:-1]] = siblings
                    category = Category(code=code, name=path[-1], parent=parent, level=level, order=siblings)
                    new.append((path, category))
                Category.objects.bulk_create([category for _, category in new])
                # Re-read by code so the next level can point at them on every database backend.
                by_code = {c.code: c for c in Category.objects.filter(code__in=[c.code for _, c in new])}
                for path, category in new:
                    existing[path] = by_code[category.code]
                result.created[level] = len(new)
            audit.record(
                actor=actor, action=AuditEvent.Action.IMPORT, target_type=Category._meta.label_lower,
                target_label=f"问题分类导入：{file_name}"[:200],
                changes={"file": file_name, "in_file": result.in_file, "created": result.created},
            )
    except IntegrityError:
        # Someone added a category of the same name or code between our check and our write.
        return ImportResult(errors=[RowError(0, "", "导入时分类被他人同时修改，未保存任何内容，请重新导入。")])
    return result


# ---------------------------------------------------------------------------------------------
# The project's default tree


@dataclass
class DefaultsResult:
    """What loading the default tree did: categories created, department links made, names not found."""

    created: int = 0
    existing: int = 0
    linked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def _handlers_by_name(names: set[str]) -> dict[str, list[Organisation]]:
    found: dict[str, list[Organisation]] = {}
    for organisation in Organisation.objects.active().filter(name__in=names, kind__in=HANDLER_KINDS):
        found.setdefault(organisation.name, []).append(organisation)
    return found


@transaction.atomic
def categories_load_defaults(
    *, actor, departments: Mapping[str, str | Sequence[str]] | None = None
) -> DefaultsResult:
    """Load the project's default county tree, then link the departments that exist.

    Idempotent: a category that exists (same path of names) is left as an administrator edited it.
    `departments` maps a first-level name, or "first/second", to the names of its bodies (lead first,
    then assisting); it replaces the demo county's mapping. A body is linked only when it exists (an
    active department, agency, property company, owners' committee or social organisation of exactly
    that name) and is not linked yet; the lead is set only where the category has none.
    """
    result = DefaultsResult()
    levels = {level.code: level for level in UrgencyLevel.objects.all()}
    existing = _existing_by_path()
    by_path: dict[tuple[str, ...], Category] = {}

    def ensure(path: tuple[str, ...], urgency: str | None, keywords: str, order: int) -> Category:
        category = existing.get(path)
        if category is not None:
            result.existing += 1
            return category
        result.created += 1
        return category_create(
            actor=actor, name=path[-1], parent=by_path.get(path[:-1]), keywords=keywords, order=order,
            default_urgency=levels.get(urgency) if urgency else None,
        )

    def walk(nodes: list, prefix: tuple[str, ...]) -> None:
        for order, (name, urgency, keywords, children) in enumerate(nodes, start=1):
            path = (*prefix, name)
            by_path[path] = ensure(path, urgency, keywords, order)
            walk(children, path)

    walk(DEFAULT_TREE, ())

    mapping = {
        key: [names] if isinstance(names, str) else list(names)
        for key, names in (DEFAULT_DEPARTMENTS if departments is None else departments).items()
    }
    found = _handlers_by_name({name for names in mapping.values() for name in names})
    for key, names in mapping.items():
        path = tuple(part.strip() for part in key.split("/"))
        category = by_path.get(path) or existing.get(path)
        if category is None:
            result.missing.append(key)
            continue
        linked = set(category.department_links.values_list("organisation_id", flat=True))
        has_lead = category.department_links.filter(is_lead=True).exists()
        for position, name in enumerate(names):
            candidates = found.get(name, [])
            if not candidates:
                result.missing.append(name)
                continue
            if len(candidates) > 1:
                result.ambiguous.append(name)
                continue
            organisation = candidates[0]
            if organisation.pk in linked:
                continue
            is_lead = position == 0 and not has_lead
            category_assign_department(actor=actor, category=category, organisation=organisation, is_lead=is_lead)
            has_lead = has_lead or is_lead
            result.linked.append(f"{'/'.join(path)} → {name}（{'主办' if is_lead else '协办'}）")
    result.missing = sorted(set(result.missing))
    result.ambiguous = sorted(set(result.ambiguous))
    return result
