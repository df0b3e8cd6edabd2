"""Spreadsheets in and out: the party-member roster and the organisations, as .xlsx.

An import runs in two passes. The first reads and checks every row against lookups fetched up front
(a fixed number of queries at any file size) and collects every problem; the second runs only when
the whole file is clean and applies all rows in one transaction through the services, so each change
has its audit row. A row whose values already match the database is counted as unchanged and writes
nothing, which makes a re-import of the same file a no-op.

Exports write a note row (who exported, when) above a Chinese header row; the importer finds the
header row itself, so an exported file can be read back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from core import audit, pii
from core.models import AuditEvent
from core.text import ascii_digits
from core.validators import id_number_error, is_mainland_mobile
from core.xlsx import (
    HEADER_FILL,
    HEADER_FONT,
    NO,
    YES,
    ImportFileError,
    append_row,
    cell_text,
    new_workbook,
    open_workbook,
    workbook_bytes,
    write_head,
)
from regions.models import Level, Region
from regions.selectors import regions_visible_to

from . import minors, selectors, services
from .models import Organisation, PartyMember, Person

# Above this many data rows we ask for the file to be split: it bounds memory and request time.
MAX_DATA_ROWS = 20_000
# The header row may sit below a title or note row; we look this far down for it.
HEADER_SEARCH_ROWS = 5
# Django's SQLite and PostgreSQL backends accept this many parameters in one IN (...) list.
LOOKUP_CHUNK = 10_000

DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    """One column of a spreadsheet: its key in code, its Chinese header, and how to fill it in."""

    key: str
    header: str
    required: bool = False
    hint: str = ""
    example: str = ""
    width: int = 14


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "必填，不超过 50 字", "张三", 10),
    Column("gender", "性别", False, "男 或 女", "男", 6),
    Column("id_number", "身份证号", True, "必填，18 位，按身份证号识别同一人", "610424199003071232", 22),
    Column("phone", "联系电话", False, "11 位手机号或带区号的固定电话", "13800001234", 15),
    Column("address", "家庭住址", False, "", "城关街道东街社区 3 号楼 2 单元", 28),
    Column("branch", "所在党组织", True, "必填，组织全称，须为您可管理的党组织", "东街社区党委", 20),
    Column("joined_on", "入党日期", False, "日期，如 2010-07-01", "2010-07-01", 12),
    Column("community", "报到社区编码", False, "12 位社区编码，须在您的管理范围内", "610424001001", 15),
    Column("registered_on", "报到日期", False, "填写报到社区编码时必填", "2024-03-15", 12),
    Column("grid", "网格编码", False, "15 位网格编码，须在报到社区内", "610424001001001", 17),
    Column("central_household", "党员中心户", False, "是 或 否", NO, 10),
    Column("skills", "特长", False, "不超过 200 字", "法律咨询", 20),
)

ORGANISATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "名称", True, "必填，不超过 150 字；同一区域内按名称识别同一组织", "东街社区党委", 24),
    Column("kind", "类型", True, "必填，填写以下之一：" + "、".join(Organisation.Kind.labels),
           Organisation.Kind.COMMUNITY_PARTY.label, 20),
    Column("region", "所在区域编码", True, "必填，须在您的管理范围内", "610424001001", 17),
    Column("parent", "上级组织", False, "已有组织的名称，或本文件中更早一行的组织", "", 20),
    Column("credit_code", "统一社会信用代码", False, "18 位", "", 21),
    Column("address", "办公地址", False, "不超过 200 字", "城关街道东街 18 号", 28),
)

ROSTER_NOTE = "空白单元格不会清除已有信息；同一身份证号再次导入时按表中内容更新。"
ORGANISATION_NOTE = "空白单元格不会清除已有信息；同一区域内同名组织再次导入时按表中内容更新。"


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the row number as Excel shows it, the column header, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import went through (no errors)."""
        return not self.errors

    @property
    def total(self) -> int:
        """Rows processed in a successful import."""
        return self.created + self.updated + self.unchanged


# ---------------------------------------------------------------------------------------------
# Reading


def _header_key(value: Any) -> str:
    """A header cell reduced to its name: '性别(男/女)' and '* 姓名' both match their column."""
    text = re.sub(r"\s+", "", str(value or ""))
    text = text.replace("*", "").replace("＊", "")
    return re.split(r"[（(]", text, maxsplit=1)[0]


def _is_blank(value: Any) -> bool:
    """True for an empty cell or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_rows(data: bytes, columns: Sequence[Column]) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of the first sheet that carries the header row, as (Excel row number, {key: value}).

    Columns are matched by header, so their order does not matter and extra columns are ignored.
    Fully blank rows are skipped; raises ImportFileError when the file cannot be used at all.
    """
    with open_workbook(data) as workbook:
        by_header = {column.header: column for column in columns}
        required = [column.header for column in columns if column.required]
        for sheet in workbook.worksheets:
            positions: dict[str, int] | None = None
            result: list[tuple[int, dict[str, Any]]] = []
            # min_row=1 makes openpyxl yield missing rows as empty, so `number` is Excel's row number.
            for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                if positions is None:
                    if number > HEADER_SEARCH_ROWS:
                        break
                    found = {_header_key(v): i for i, v in enumerate(cells) if _header_key(v) in by_header}
                    if all(header in found for header in required):
                        positions = {by_header[header].key: index for header, index in found.items()}
                    continue
                values = {key: (cells[index] if index < len(cells) else None) for key, index in positions.items()}
                if all(_is_blank(value) for value in values.values()):
                    continue
                result.append((number, values))
                if len(result) > MAX_DATA_ROWS:
                    raise ImportFileError(f"文件超过 {MAX_DATA_ROWS} 行数据，请分成多个文件导入。")
            if positions is None:
                continue
            if not result:
                raise ImportFileError("文件中没有数据行：请在表头下方逐行填写后再上传。")
            return result
        raise ImportFileError("未找到表头行：表格前几行中应有一行包含列名 " + "、".join(required) + "。")


# ---------------------------------------------------------------------------------------------
# Cell values


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> dt.date:
    """A date from a date cell or from text such as 2024-03-15, 2024/3/15, 2024年3月15日 or 20240315."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value).split(" ")[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    raise ValueError(text)


def parse_yes_no(value: Any) -> bool:
    """是 → True, 否 → False; anything else raises ValueError."""
    text = cell_text(value)
    if text == YES:
        return True
    if text == NO:
        return False
    raise ValueError(text)


_PHONE_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def phone_error(value: str) -> str | None:
    """Why `value` is not a usable phone number, or None."""
    if is_mainland_mobile(value) or _PHONE_LANDLINE.match(value):
        return None
    return "联系电话应为 11 位手机号或带区号的固定电话（如 029-35512345）"


_CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_error(value: str) -> str | None:
    """Why `value` is not a valid 统一社会信用代码 (GB 32100-2015, with its check character), or None."""
    if len(value) != 18:
        return "统一社会信用代码应为 18 位"
    if any(char not in _CREDIT_CODE_CHARS for char in value):
        return "统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）"
    # The weights cover the first 17 characters; the 18th is the check character.
    pairs = zip(value[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(_CREDIT_CODE_CHARS.index(char) * weight for char, weight in pairs)
    if _CREDIT_CODE_CHARS[(31 - total % 31) % 31] != value[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    """Slices of `items` small enough for one IN (...) list."""
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start:start + LOOKUP_CHUNK]


# ---------------------------------------------------------------------------------------------
# Party-member roster import


@dataclass
class _MemberPlan:
    row: int
    person: Person | None
    person_values: dict[str, Any]
    member: PartyMember | None
    member_values: dict[str, Any]


class _Rows:
    """Collects the errors of one row under the row's number."""

    def __init__(self, errors: list[RowError], columns: Sequence[Column]) -> None:
        self.errors = errors
        self.headers = {column.key: column.header for column in columns}

    def add(self, row: int, key: str, reason: str) -> None:
        """Record `reason` against the column with code name `key` in Excel row `row`."""
        self.errors.append(RowError(row, self.headers[key], reason))


def _regions_by_code(user, codes: set[str]) -> dict[str, Region]:
    """The regions with these codes that `user` may see; codes outside the scope are simply absent."""
    found: dict[str, Region] = {}
    visible = regions_visible_to(user)
    for chunk in _chunks(sorted(codes)):
        found.update({region.code: region for region in visible.filter(code__in=chunk)})
    return found


def _branches_by_name(user, names: set[str]) -> dict[str, list[Organisation]]:
    """Party organisations `user` may enter as a member's branch, by name (a name may occur twice)."""
    by_name: dict[str, list[Organisation]] = {}
    branches = selectors.party_branches_for_registration(user)
    for chunk in _chunks(sorted(names)):
        for organisation in branches.filter(name__in=chunk):
            by_name.setdefault(organisation.name, []).append(organisation)
    return by_name


def _people_by_hash(user, digests: list[str]) -> tuple[dict[str, Person], set[int], set[int]]:
    """Existing people with these ID-number hashes, and which people and memberships `user` may change."""
    people: dict[str, Person] = {}
    visible: set[int] = set()
    visible_members: set[int] = set()
    for chunk in _chunks(digests):
        people.update({
            person.id_number_hash: person
            for person in Person.objects.filter(id_number_hash__in=chunk).select_related(
                "party_member__branch", "party_member__registered_community", "party_member__grid",
            )
        })
        visible.update(
            selectors.people_visible_to(user).filter(id_number_hash__in=chunk).values_list("pk", flat=True)
        )
        visible_members.update(
            selectors.party_members_visible_to(user).filter(person__id_number_hash__in=chunk)
            .values_list("pk", flat=True)
        )
    return people, visible, visible_members


def _changed(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The subset of `values` that differs from what `instance` holds."""
    return {name: value for name, value in values.items() if getattr(instance, name) != value}


def plan_party_members(*, actor, rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[_MemberPlan], list[RowError]]:
    """Check every row of a roster file and work out what each would change; no writes.

    Lookups are fetched in a fixed number of queries before the rows are checked, so the cost of
    this pass does not grow by a query per row.
    """
    errors: list[RowError] = []
    report = _Rows(errors, ROSTER_COLUMNS)
    texts = [(number, {key: cell_text(value) for key, value in values.items()}, values) for number, values in rows]

    id_numbers = {pii.normalise(text.get("id_number", "")) for _, text, _ in texts}
    digests = sorted(filter(None, (pii.lookup_hash(value) for value in id_numbers)))
    people, changeable_people, changeable_members = _people_by_hash(actor, digests)
    branches = _branches_by_name(actor, {text.get("branch", "") for _, text, _ in texts} - {""})
    codes = {text.get(key, "") for _, text, _ in texts for key in ("community", "grid")} - {""}
    regions = _regions_by_code(actor, codes)
    today = timezone.localdate()

    plans: list[_MemberPlan] = []
    first_row_of_id: dict[str, int] = {}
    for number, text, raw in texts:
        before = len(errors)
        name = text.get("name", "")
        if not name:
            report.add(number, "name", "姓名不能为空")
        elif len(name) > 50:
            report.add(number, "name", "姓名不能超过 50 字")

        gender = text.get("gender", "")
        gender_value = None
        if gender:
            labels = {label: value for value, label in Person.Gender.choices}
            gender_value = labels.get(gender)
            if gender_value is None:
                report.add(number, "gender", f"性别应填写“男”或“女”，而不是“{gender}”")

        id_number = pii.normalise(text.get("id_number", ""))
        person: Person | None = None
        if not id_number:
            report.add(number, "id_number", "身份证号不能为空")
        elif isinstance(raw.get("id_number"), int | float):
            report.add(number, "id_number", "身份证号须设为文本格式填写，数字格式会丢失末尾几位")
        elif "*" in id_number:
            report.add(number, "id_number", "身份证号是脱敏后的值，请填写完整的身份证号")
        elif (reason := id_number_error(id_number)) is not None:
            report.add(number, "id_number", reason)
        elif id_number in first_row_of_id:
            report.add(number, "id_number", f"身份证号与第 {first_row_of_id[id_number]} 行重复")
        else:
            first_row_of_id[id_number] = number
            person = people.get(pii.lookup_hash(id_number))
            if person is not None and (person.is_archived or person.pk not in changeable_people):
                report.add(number, "id_number", "该身份证号对应的人员不在您的管理范围内或已归档，不能通过导入修改")
                person = None
        member = getattr(person, "party_member", None) if person is not None else None
        if member is not None and member.is_archived:
            report.add(number, "id_number", "该人员的党员记录已归档，不能通过导入修改")
        elif member is not None and member.pk not in changeable_members:
            report.add(number, "id_number", "该党员不在您的管理范围内，不能通过导入修改")

        phone = re.sub(r"\s+", "", ascii_digits(text.get("phone", "")))
        if phone and (reason := phone_error(phone)) is not None:
            report.add(number, "phone", reason)
        address = text.get("address", "")

        branch_name = text.get("branch", "")
        branch: Organisation | None = None
        if not branch_name:
            report.add(number, "branch", "所在党组织不能为空")
        elif member is not None and member.branch.name == branch_name:
            # The member's current branch may lie outside the manager's scope (双报到 from an agency).
            branch = member.branch
        else:
            matches = branches.get(branch_name, [])
            if len(matches) == 1:
                branch = matches[0]
            elif matches:
                report.add(number, "branch", f"有多个名为“{branch_name}”的党组织，请在系统中核对组织名称")
            else:
                report.add(number, "branch", f"党组织“{branch_name}”不存在或不在您的管理范围内")

        dates: dict[str, dt.date | None] = {}
        for key, label in (("joined_on", "入党日期"), ("registered_on", "报到日期")):
            dates[key] = None
            if text.get(key):
                try:
                    dates[key] = parse_date(raw[key])
                except ValueError:
                    report.add(number, key, f"{label}“{text[key]}”不是有效日期，请按 2024-03-15 的格式填写")
                    continue
                if dates[key] > today:
                    report.add(number, key, f"{label}不能晚于今天")

        community: Region | None = None
        code = text.get("community", "")
        if code:
            community = regions.get(code)
            if not re.fullmatch(r"\d{12}", code):
                report.add(number, "community", "报到社区编码应为 12 位数字")
            elif community is None or community.level != Level.COMMUNITY:
                report.add(number, "community", f"社区编码 {code} 不存在或不在您的管理范围内")
                community = None
            elif not text.get("registered_on"):
                report.add(number, "registered_on", "填写报到社区编码时须填写报到日期")

        grid: Region | None = None
        code = text.get("grid", "")
        if code:
            grid = regions.get(code)
            if not re.fullmatch(r"\d{15}", code):
                report.add(number, "grid", "网格编码应为 15 位数字")
            elif grid is None or grid.level != Level.GRID:
                report.add(number, "grid", f"网格编码 {code} 不存在或不在您的管理范围内")
                grid = None
            elif not text.get("community"):
                report.add(number, "grid", "填写网格编码时须同时填写报到社区编码")
            elif community is not None and not community.contains(grid):
                report.add(number, "grid", f"网格 {code} 不在报到社区 {community.code} 内")

        central: bool | None = None
        if text.get("central_household"):
            try:
                central = parse_yes_no(raw["central_household"])
            except ValueError:
                report.add(
                    number, "central_household", f"党员中心户应填写“是”或“否”，而不是“{text['central_household']}”"
                )

        skills = text.get("skills", "")
        if len(skills) > 200:
            report.add(number, "skills", "特长不能超过 200 字")

        if len(errors) > before:
            continue

        # Blank optional cells keep what is on file; a new record gets the model's defaults.
        person_values: dict[str, Any] = {"name": name}
        if gender_value:
            person_values["gender"] = gender_value
        if phone:
            person_values["phone"] = phone
        if address:
            person_values["address"] = address
        member_values: dict[str, Any] = {"branch": branch}
        for key in ("joined_on", "registered_on"):
            if dates[key]:
                member_values[key] = dates[key]
        if community is not None:
            member_values["registered_community"] = community
            current_grid = member.grid if member is not None else None
            if grid is None and current_grid is not None and not community.contains(current_grid):
                member_values["grid"] = None
        if grid is not None:
            member_values["grid"] = grid
        if central is not None:
            member_values["is_central_household"] = central
        if skills:
            member_values["skills"] = skills

        if person is None:
            person_values["id_number"] = id_number
        else:
            person_values = _changed(person, person_values)
        if member is not None:
            member_values = _changed(member, member_values)
        plans.append(_MemberPlan(number, person, person_values, member, member_values))
    return plans, errors


def _apply_member_plan(actor, plan: _MemberPlan) -> str:
    """Write one checked row; returns 'created', 'updated' or 'unchanged'."""
    outcome = "unchanged"
    person = plan.person
    if person is None:
        person = services.person_create(actor=actor, **plan.person_values)
        outcome = "created"
    elif plan.person_values:
        services.person_update(actor=actor, person=person, values=plan.person_values)
        outcome = "updated"
    if plan.member is None:
        services.party_member_register(actor=actor, person=person, **plan.member_values)
        outcome = "created"
    elif plan.member_values:
        services.party_member_update(actor=actor, member=plan.member, values=plan.member_values)
        outcome = outcome if outcome == "created" else "updated"
    return outcome


def import_party_members(*, actor, rows: list[tuple[int, dict[str, Any]]], file_name: str) -> ImportResult:
    """Import a roster: every row is checked first; nothing is written unless all rows are clean."""
    plans, errors = plan_party_members(actor=actor, rows=rows)
    if errors:
        return ImportResult(errors=errors)
    return _commit(
        actor, plans, _apply_member_plan, file_name=file_name, columns=ROSTER_COLUMNS,
        target_type=PartyMember._meta.label_lower, label="党员名册导入",
    )


def _commit(
    actor, plans: list, apply: Callable[[Any, Any], str], *, file_name: str, columns: Sequence[Column],
    target_type: str, label: str,
) -> ImportResult:
    """Apply every plan in one transaction with one summary audit row; any failure undoes them all."""
    result = ImportResult()
    try:
        with transaction.atomic():
            for plan in plans:
                try:
                    outcome = apply(actor, plan)
                except ValidationError as exc:
                    result.errors.extend(_service_errors(plan.row, exc, columns))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            if result.errors:
                transaction.set_rollback(True)
                return ImportResult(errors=result.errors)
            audit.record(
                actor=actor, action=AuditEvent.Action.IMPORT, target_type=target_type,
                target_label=f"{label}：{file_name}"[:200],
                changes={"file": file_name, "created": result.created, "updated": result.updated,
                         "unchanged": result.unchanged},
            )
    except IntegrityError as exc:
        # Another import or edit wrote the same record between our check and our write.
        raise ImportFileError("导入时数据被他人同时修改，未保存任何内容，请重新导入。") from exc
    return result


_SERVICE_FIELD_COLUMNS = {
    "registered_community": "community", "is_central_household": "central_household", "id_number": "id_number",
}


def _service_errors(row: int, exc: ValidationError, columns: Sequence[Column]) -> list[RowError]:
    """A service's ValidationError as row errors, under the column it concerns when there is one."""
    headers = {column.key: column.header for column in columns}
    if not hasattr(exc, "error_dict"):
        return [RowError(row, "", message) for message in exc.messages]
    found = []
    for name, messages in exc.message_dict.items():
        header = headers.get(_SERVICE_FIELD_COLUMNS.get(name, name), "")
        found.extend(RowError(row, header, message) for message in messages)
    return found


# ---------------------------------------------------------------------------------------------
# Organisations import


@dataclass
class _OrganisationPlan:
    row: int
    key: tuple[str, str]
    organisation: Organisation | None
    values: dict[str, Any]
    # The parent when it is created earlier in the same file, by its (region code, name).
    parent_key: tuple[str, str] | None = None


def kind_by_label() -> dict[str, str]:
    """Organisation kinds by their Chinese label, with ASCII brackets accepted too."""
    labels = {}
    for value, label in Organisation.Kind.choices:
        labels[label] = value
        labels[label.replace("（", "(").replace("）", ")")] = value
    return labels


def plan_organisations(
    *, actor, rows: list[tuple[int, dict[str, Any]]]
) -> tuple[list[_OrganisationPlan], list[RowError]]:
    """Check every row of an organisations file and work out what each would change; no writes."""
    errors: list[RowError] = []
    report = _Rows(errors, ORGANISATION_COLUMNS)
    texts = [(number, {key: cell_text(value) for key, value in values.items()}) for number, values in rows]
    kinds = kind_by_label()
    regions = _regions_by_code(actor, {text.get("region", "") for _, text in texts} - {""})
    names = sorted({text.get(key, "") for _, text in texts for key in ("name", "parent")} - {""})
    visible = selectors.organisations_visible_to(actor).select_related("parent")
    known: dict[str, list[Organisation]] = {}
    for chunk in _chunks(names):
        for organisation in visible.filter(name__in=chunk):
            known.setdefault(organisation.name, []).append(organisation)
    # Archived organisations keep their natural key; a row must not try to create them again.
    existing = {
        (organisation.region.code, organisation.name): organisation
        for chunk in _chunks(names)
        for organisation in Organisation.objects.filter(name__in=chunk, region__code__in=list(regions))
        .select_related("region", "parent")
    }

    plans: list[_OrganisationPlan] = []
    rows_by_key: dict[tuple[str, str], int] = {}
    in_file_by_name: dict[str, list[tuple[str, str]]] = {}
    for number, text in texts:
        before = len(errors)
        name = text.get("name", "")
        if not name:
            report.add(number, "name", "名称不能为空")
        elif len(name) > 150:
            report.add(number, "name", "名称不能超过 150 字")

        kind_label = text.get("kind", "")
        kind = kinds.get(kind_label)
        if not kind_label:
            report.add(number, "kind", "类型不能为空")
        elif kind is None:
            report.add(number, "kind", f"类型“{kind_label}”不是系统中的组织类型，请按模板说明填写")

        code = text.get("region", "")
        region = regions.get(code)
        if not code:
            report.add(number, "region", "所在区域编码不能为空")
        elif region is None:
            report.add(number, "region", f"区域编码 {code} 不存在或不在您的管理范围内")

        key = (code, name)
        organisation = existing.get(key) if region is not None and name else None
        if region is not None and name:
            if key in rows_by_key:
                report.add(number, "name", f"同一区域内的组织“{name}”与第 {rows_by_key[key]} 行重复")
            elif organisation is not None and organisation.is_archived:
                report.add(number, "name", "该组织已归档，不能通过导入修改")

        parent: Organisation | None = None
        parent_key: tuple[str, str] | None = None
        parent_name = text.get("parent", "")
        if parent_name:
            in_file = in_file_by_name.get(parent_name, [])
            candidates = known.get(parent_name, [])
            if parent_name == name:
                report.add(number, "parent", "上级组织不能是组织本身")
            elif organisation is not None and organisation.parent and organisation.parent.name == parent_name:
                parent = organisation.parent  # unchanged, even when it lies outside the manager's scope
            elif len(in_file) == 1:
                parent_key = in_file[0]
            elif len(in_file) > 1 or len(candidates) > 1:
                same_place = [c for c in candidates if region is not None and c.region_id == region.pk]
                if len(same_place) == 1 and not in_file:
                    parent = same_place[0]
                else:
                    report.add(number, "parent", f"有多个名为“{parent_name}”的组织，无法确定上级组织")
            elif len(candidates) == 1:
                parent = candidates[0]
            else:
                report.add(
                    number, "parent", f"上级组织“{parent_name}”不存在、不在您的管理范围内，或未在本文件更早的行中出现"
                )

        credit_code = text.get("credit_code", "").upper()
        if credit_code and (reason := credit_code_error(credit_code)) is not None:
            report.add(number, "credit_code", reason)
        address = text.get("address", "")
        if len(address) > 200:
            report.add(number, "address", "办公地址不能超过 200 字")

        if region is not None and name and key not in rows_by_key:
            rows_by_key[key] = number
            # Registered even when this row has errors, so a child row is not blamed for them too.
            in_file_by_name.setdefault(name, []).append(key)
        if len(errors) > before:
            continue

        values: dict[str, Any] = {"name": name, "kind": kind, "region": region}
        if parent is not None:
            values["parent"] = parent
        if credit_code:
            values["credit_code"] = credit_code
        if address:
            values["address"] = address
        if organisation is not None:
            values = _changed(organisation, values)
            if parent_key is not None:
                planned_parent = existing.get(parent_key)
                if planned_parent is not None and planned_parent.pk == organisation.parent_id:
                    parent_key = None
        plans.append(_OrganisationPlan(number, key, organisation, values, parent_key))
    _report_cycles(plans, existing, report)
    return plans, errors


def _report_cycles(plans: list[_OrganisationPlan], existing: dict, report: _Rows) -> None:
    """Reject rows that would make an organisation its own ancestor through the file's parent links."""
    by_pk = {organisation.pk: key for key, organisation in existing.items()}
    parent_of: dict[tuple[str, str], tuple[str, str] | None] = {
        key: by_pk.get(organisation.parent_id) for key, organisation in existing.items()
    }
    for plan in plans:
        if plan.parent_key is not None:
            parent_of[plan.key] = plan.parent_key
        elif "parent" in plan.values:
            parent_of[plan.key] = by_pk.get(plan.values["parent"].pk)
    for plan in plans:
        seen = {plan.key}
        step = parent_of.get(plan.key)
        while step is not None:
            if step in seen:
                report.add(plan.row, "parent", "上级组织关系形成了循环")
                break
            seen.add(step)
            step = parent_of.get(step)


def _apply_organisation_plan(actor, plan: _OrganisationPlan, created: dict[tuple[str, str], Organisation]) -> str:
    """Write one checked row; returns 'created', 'updated' or 'unchanged'. `created` collects every
    row's organisation by natural key, so later rows can name it as their parent."""
    values = dict(plan.values)
    if plan.parent_key is not None:
        # Rows are applied in file order, and a parent named in the file comes from an earlier row.
        values["parent"] = created[plan.parent_key]
    if plan.organisation is None:
        created[plan.key] = services.organisation_create(actor=actor, **values)
        return "created"
    created[plan.key] = plan.organisation
    if not values:
        return "unchanged"
    services.organisation_update(actor=actor, organisation=plan.organisation, values=values)
    return "updated"


def import_organisations(*, actor, rows: list[tuple[int, dict[str, Any]]], file_name: str) -> ImportResult:
    """Import organisations: every row is checked first; nothing is written unless all rows are clean."""
    plans, errors = plan_organisations(actor=actor, rows=rows)
    if errors:
        return ImportResult(errors=sorted(errors, key=lambda error: error.row))
    created: dict[tuple[str, str], Organisation] = {}
    return _commit(
        actor, plans, lambda user, plan: _apply_organisation_plan(user, plan, created), file_name=file_name,
        columns=ORGANISATION_COLUMNS, target_type=Organisation._meta.label_lower, label="组织导入",
    )


# ---------------------------------------------------------------------------------------------
# Writing


def new_sheet(title: str, columns: Sequence[Column], note: str, *, author: str,
               when: dt.datetime) -> tuple[Workbook, Any]:
    """A workbook whose first sheet has `note` in row 1 and the header row in row 2."""
    workbook = new_workbook(author=author, title=title, created=when)
    sheet = workbook.active
    sheet.title = title
    write_head(sheet, note, [column.header for column in columns], [column.width for column in columns],
               centre_headers=True)
    return workbook, sheet


def export_note(kind: str, *, exported_by: str, exported_at: dt.datetime, rows: int, masked: bool) -> str:
    """The first row of an export: what it is, who exported it and when (local time), how many rows."""
    local = timezone.localtime(exported_at)
    note = f"{kind}　导出人：{exported_by}　导出时间：{local:%Y-%m-%d %H:%M}　共 {rows} 条"
    return note + ("　（个人信息已脱敏）" if masked else "")


def as_text(sheet, columns: Sequence[Column], keys: set[str], first_row: int) -> None:
    """Store code-like columns as text, so Excel keeps leading zeros and all 18 digits."""
    for index, column in enumerate(columns, start=1):
        if column.key in keys:
            for (cell,) in sheet.iter_rows(min_row=first_row, min_col=index, max_col=index):
                cell.number_format = "@"


def _dates(sheet, columns: Sequence[Column], keys: set[str], first_row: int) -> None:
    """Show date columns as 2024-03-15 whatever the reader's locale."""
    for index, column in enumerate(columns, start=1):
        if column.key in keys:
            for (cell,) in sheet.iter_rows(min_row=first_row, min_col=index, max_col=index):
                cell.number_format = DATE_FORMAT


def party_member_row(member: PartyMember) -> list[Any]:
    """One roster row as exported: personal data masked, places by code, flags as 是/否."""
    person = member.person
    return [
        person.name,
        person.get_gender_display() if person.gender else "",
        # A child under 14: nothing of these, not even partly masked.
        minors.masked_value(person, "id_number"),
        minors.masked_value(person, "phone"),
        minors.masked_value(person, "address"),
        member.branch.name,
        member.joined_on,
        member.registered_community.code if member.registered_community_id else "",
        member.registered_on,
        member.grid.code if member.grid_id else "",
        YES if member.is_central_household else NO,
        member.skills,
    ]


def write_party_members(members: Iterable[PartyMember], *, exported_by: str, exported_at: dt.datetime) -> bytes:
    """The roster as .xlsx, with phone, ID number and address masked."""
    rows = [party_member_row(member) for member in members]
    note = export_note("党员名册", exported_by=exported_by, exported_at=exported_at, rows=len(rows), masked=True)
    workbook, sheet = new_sheet("党员名册", ROSTER_COLUMNS, note, author=exported_by, when=exported_at)
    for row in rows:
        append_row(sheet, row)
    as_text(sheet, ROSTER_COLUMNS, {"id_number", "phone", "community", "grid"}, 3)
    _dates(sheet, ROSTER_COLUMNS, {"joined_on", "registered_on"}, 3)
    return workbook_bytes(workbook)


def organisation_row(organisation: Organisation) -> list[Any]:
    """One organisation row as exported: kind by its Chinese label, parent by name."""
    return [
        organisation.name,
        organisation.get_kind_display(),
        organisation.region.code,
        organisation.parent.name if organisation.parent_id else "",
        organisation.credit_code,
        organisation.address,
    ]


def write_organisations(organisations: Iterable[Organisation], *, exported_by: str, exported_at: dt.datetime) -> bytes:
    """The organisations as .xlsx, in a layout the organisations import reads back."""
    rows = [organisation_row(organisation) for organisation in organisations]
    note = export_note("组织名录", exported_by=exported_by, exported_at=exported_at, rows=len(rows), masked=False)
    workbook, sheet = new_sheet("组织名录", ORGANISATION_COLUMNS, note, author=exported_by, when=exported_at)
    for row in rows:
        append_row(sheet, row)
    as_text(sheet, ORGANISATION_COLUMNS, {"region", "credit_code"}, 3)
    return workbook_bytes(workbook)


def write_template(columns: Sequence[Column], *, title: str, note: str) -> bytes:
    """An empty import template: the header row (each header with a comment on how to fill it) and,
    on a second sheet, one example row and the rules per column."""
    workbook, sheet = new_sheet(title, columns, "请从第 3 行起逐行填写，带 * 的列为必填。" + note,
                                 author="共治", when=timezone.now())
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        if column.required:
            cell.value = f"* {column.header}"
        if column.hint:
            cell.comment = Comment(column.hint + (f"。示例：{column.example}" if column.example else ""), "共治")
        sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    guide = workbook.create_sheet("填写说明")
    append_row(guide, ["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in columns:
        append_row(guide, [column.header, "必填" if column.required else "选填", column.hint, column.example])
    append_row(guide, [])
    append_row(guide, ["示例行（请勿直接复制到第一个工作表）："])
    append_row(guide, [column.header for column in columns])
    append_row(guide, [column.example for column in columns])
    for index, width in enumerate((16, 10, 44, 28), start=1):
        guide.column_dimensions[get_column_letter(index)].width = width
    return workbook_bytes(workbook)
