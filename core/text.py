"""The one check of plain text that people type: trimmed, within its length, and free of markup.

Markup is refused, never stored and never rewritten: what a resident or a clerk wrote is kept as they
wrote it, and shown as text everywhere (pages escape it; the API returns it as a string).
"""

from __future__ import annotations

import re

# Any tag, comment or declaration; an unterminated dangerous tag; a script URL or an inline handler.
HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z!?][^<>]*>"
    r"|<\s*/?\s*(script|style|iframe|object|embed|svg|img|link|meta)\b"
    r"|javascript\s*:|on[a-z]+\s*=\s*[\"']",
    re.IGNORECASE,
)
# A client's key for a request it may retry: 1 to 64 visible ASCII characters.
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


def plain_text(errors: dict[str, str], name: str, value: str | None, *, label: str, max_length: int,
               required: bool = False) -> str:
    """`value` trimmed; records a Chinese message under `name` in `errors` when it is missing but
    `required`, longer than `max_length`, or carries markup."""
    value = (value or "").strip()
    if not value:
        if required:
            errors[name] = f"请填写{label}"
    elif len(value) > max_length:
        errors[name] = f"{label}不能超过 {max_length} 个字（现有 {len(value)} 个字）"
    elif HTML.search(value):
        errors[name] = f"{label}不能包含 HTML 标签或脚本，请只填写文字"
    return value
