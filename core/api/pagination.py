"""Keyset pagination for every list of the REST API.

A list is ordered by one sort key and the primary key, both fixed per endpoint (`Keyset`). A page answers
`{"items": [...], "next_cursor": "…"}`; the caller passes `next_cursor` back as `cursor` for the next
page, and `next_cursor` is null on the last page. The cursor is opaque to callers: URL-safe base64 of a
small JSON document naming the sort key, its value and the id of the last row (`core.cursor`, the one
encoding every paged list uses). Because the next page is
"rows after (value, id)" rather than "skip N rows", pages never repeat or skip a row when rows are added
or removed in between, and every page is one indexed range scan whatever its depth.

`limit` is between 1 and `MAX_LIMIT` (200); endpoints declare it with `limit_param()` so the OpenAPI schema
states the bound and a larger value is refused with 400 like any other invalid parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from ninja import Query

from core import cursor as cursor_codec

from .errors import ApiError

MAX_LIMIT = 200
DEFAULT_LIMIT = 20

M = TypeVar("M", bound=Model)



def limit_param() -> Any:
    """The `limit` query parameter of a list: 1 to MAX_LIMIT, DEFAULT_LIMIT when absent."""
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1 到 {MAX_LIMIT}")


def cursor_param() -> Any:
    """The `cursor` query parameter of a list: the `next_cursor` of the page before."""
    return Query(None, max_length=512, description="上一页返回的 next_cursor；不传则从第一页开始")


@dataclass(frozen=True)
class Keyset:
    """The order of one list: `field` (a non-null column, or "id" alone) then the primary key.

    `kind` says how the sort key travels in the cursor: "str", "int" or "datetime" (ISO 8601 with
    offset). `descending` lists the largest values first (newest first for times).
    """

    field: str
    kind: str = "str"
    descending: bool = False

    @property
    def order_by(self) -> tuple[str, ...]:
        sign = "-" if self.descending else ""
        if self.field in ("id", "pk"):
            return (f"{sign}id",)
        return (f"{sign}{self.field}", f"{sign}id")


BY_ID = Keyset("id", kind="int")


def _cursor_error() -> ApiError:
    return ApiError(400, "invalid", "请求参数不正确", {"cursor": ["翻页标记无效，请从第一页重新开始"]})


def encode_cursor(keyset: Keyset, value: Any, ident: int) -> str:
    """The opaque cursor pointing just after the row with sort key `value` and id `ident`."""
    return cursor_codec.encode(keyset.field, value, ident)


def decode_cursor(keyset: Keyset, cursor: str) -> tuple[Any, int]:
    """(sort value, id) of a cursor made by `encode_cursor` for this keyset; 400 `invalid` otherwise.

    A cursor from another list (another sort key) or one altered by hand is refused, never misread.
    """
    try:
        return cursor_codec.decode(keyset.field, cursor, keyset.kind)
    except cursor_codec.BadCursor as exc:
        raise _cursor_error() from exc


def _after(keyset: Keyset, value: Any, ident: int) -> Q:
    op = "lt" if keyset.descending else "gt"
    if keyset.field in ("id", "pk"):
        return Q(**{f"id__{op}": ident})
    return Q(**{f"{keyset.field}__{op}": value}) | Q(**{keyset.field: value, f"id__{op}": ident})


def _sort_value(row: Model, keyset: Keyset) -> Any:
    if keyset.field in ("id", "pk"):
        return row.pk
    value: Any = row
    for part in keyset.field.split("__"):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next one (None on the last page)."""

    rows: list
    next_cursor: str | None


def paginate(qs: QuerySet[M], keyset: Keyset, *, cursor: str | None, limit: int) -> Page:
    """The page of `qs` after `cursor` in `keyset` order, at most `limit` rows (clamped to 1…MAX_LIMIT).

    One query: it reads `limit + 1` rows to learn whether another page follows.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        value, ident = decode_cursor(keyset, cursor)
        qs = qs.filter(_after(keyset, value, ident))
    rows = list(qs.order_by(*keyset.order_by)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(keyset, _sort_value(last, keyset), last.pk)
    return Page(rows=rows, next_cursor=next_cursor)
