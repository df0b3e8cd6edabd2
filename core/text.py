"""The one input boundary for text that people type: normalised, trimmed, within its length, free of markup.

Normalising (`clean_text`) comes first and is silent, because what it takes away cannot be seen or
typed on purpose: the text is put in Unicode NFC (a decomposed é is stored as one character), and
control, format and invisible characters are removed: C0 and C1 controls, DEL, zero-width characters,
bidirectional overrides and isolates, the byte-order mark, noncharacters and lone surrogates. A
single-line field (a title, a name, an address) turns its line breaks and tabs into spaces; a
multi-line field keeps tabs and line breaks, every kind of break (CR LF, CR, U+2028, U+2029, NEL)
stored as one LF. Such text then never breaks an export, an XML answer or a database driver.

Markup is refused, never stored and never rewritten: what a resident or a clerk wrote is kept as they
wrote it, and shown as text everywhere (pages escape it; the API returns it as a string).

Numbers typed with a Chinese input method come in full width (１３８…): `ascii_digits` turns the
full-width ASCII forms and the ideographic space into ASCII before a phone or ID number is checked.
"""

from __future__ import annotations

import re
import unicodedata

# Any tag, comment or declaration; an unterminated dangerous tag; a script URL or an inline handler.
HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z!?][^<>]*>"
    r"|<\s*/?\s*(script|style|iframe|object|embed|svg|img|link|meta)\b"
    r"|javascript\s*:|on[a-z]+\s*=\s*[\"']",
    re.IGNORECASE,
)
# A client's key for a request it may retry: 1 to 64 visible ASCII characters.
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")

# Line breaks of every kind, and the whitespace controls a single line turns into spaces.
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_SINGLE_LINE_SPACES = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
# Invisible characters no one types on purpose: C0 (but tab and newline) and C1 controls, DEL, zero-width
# characters and joiners, LRM/RLM/ALM, bidirectional embeddings, overrides and isolates, word joiner and
# invisible operators, BOM, interlinear annotation marks, noncharacters, and lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
)
# The full-width forms of printable ASCII (！ to ～), and the ideographic space.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def clean_text(value: str | None, *, single_line: bool = False) -> str:
    """`value` in NFC without control or invisible characters (see the module's docstring); not trimmed.

    A single line loses its breaks and tabs (each becomes a space); multi-line text keeps tab and LF.
    """
    if not value:
        return ""
    value = _INVISIBLE.sub("", _BREAKS.sub("\n", value))
    if single_line:
        value = _SINGLE_LINE_SPACES.sub(" ", value)
    return unicodedata.normalize("NFC", value)


def has_hidden_characters(value: str) -> bool:
    """Whether one line of text carries a line break, a tab or a character `clean_text` would drop.

    For imports, which report such a cell rather than change it silently.
    """
    return bool(_INVISIBLE.search(value) or _SINGLE_LINE_SPACES.search(value))


def ascii_digits(value: str | None) -> str:
    """`value` with full-width ASCII forms (０-９, Ｘ, －, ＋, the ideographic space) as ASCII, cleaned as one line."""
    return clean_text(value, single_line=True).translate(_FULL_WIDTH)


def plain_text(errors: dict[str, str], name: str, value: str | None, *, label: str, max_length: int,
               required: bool = False, single_line: bool = False) -> str:
    """`value` through `clean_text` and trimmed; records a Chinese message under `name` in `errors` when
    it is missing but `required`, longer than `max_length`, or carries markup."""
    value = clean_text(value, single_line=single_line).strip()
    if not value:
        if required:
            errors[name] = f"请填写{label}"
    elif len(value) > max_length:
        errors[name] = f"{label}不能超过 {max_length} 个字（现有 {len(value)} 个字）"
    elif HTML.search(value):
        errors[name] = f"{label}不能包含 HTML 标签或脚本，请只填写文字"
    return value
