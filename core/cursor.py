"""The one encoding of a keyset cursor: where the next page of a list starts.

A cursor names the list's sort key (`key`), the sort value(s) of the last row shown and that row's id,
as URL-safe base64 of a small JSON document, e.g. `{"k":"code","v":"610424001","id":4}`. It is opaque
to callers. `decode` refuses (BadCursor) anything it did not make for the same key, so a cursor from
another list or one altered by hand is never misread; the API answers that with 400, a page of the
site starts again from the first page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

# Longer than any cursor we make; a longer one is refused unread.
MAX_LENGTH = 512
# How a value travels: "str", "int", "datetime" (ISO 8601 with offset), "datetime?" (the same, or null).
KINDS = frozenset({"str", "int", "datetime", "datetime?"})


class BadCursor(ValueError):
    """The cursor was not made by `encode` for this key and these kinds."""


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def encode(key: str, value: Any, ident: int) -> str:
    """The cursor just after the row with sort value `value` (one value, or a list of them) and id `ident`."""
    plain = [_plain(item) for item in value] if isinstance(value, (list, tuple)) else _plain(value)
    raw = json.dumps({"k": key, "v": plain, "id": ident}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value < high


def _read(value: Any, kind: str) -> Any:
    if kind == "int":
        if not _is_int(value, -(2**63), 2**63):
            raise BadCursor("int")
        return value
    if kind in ("datetime", "datetime?"):
        if value is None and kind == "datetime?":
            return None
        try:
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise BadCursor("datetime")
        return moment
    if not isinstance(value, str) or "\x00" in value:
        raise BadCursor("str")
    return value


def decode(key: str, cursor: str, kinds: str | Sequence[str]) -> tuple[Any, int]:
    """(sort value, id) of a cursor `encode` made for `key`: one value of kind `kinds`, or, when `kinds`
    is a sequence, a list of values of those kinds. Raises BadCursor for anything else."""
    if len(cursor) > MAX_LENGTH:
        raise BadCursor("too long")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("unreadable") from exc
    if not isinstance(data, dict) or data.get("k") != key:
        raise BadCursor("another list")
    ident = data.get("id")
    if not _is_int(ident, 0, 2**63):
        raise BadCursor("id")
    value = data.get("v")
    if isinstance(kinds, str):
        return _read(value, kinds), ident
    if not isinstance(value, list) or len(value) != len(kinds):
        raise BadCursor("values")
    return [_read(item, kind) for item, kind in zip(value, kinds, strict=True)], ident
