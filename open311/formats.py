"""Rendering Open311 answers as JSON and as XML, the two formats a client picks by the URL's extension.

The XML is the specification's: the UTF-8 declaration, no namespace, lists as a wrapper element with
one child per item (`services/service`, `service_requests/request`, `errors/error` …), booleans as
`true`/`false`, empty values as empty elements. The JSON is the same data by the Spark convention:
lists as arrays, empty values as null.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element each list's items take in XML.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}

# Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, (list, tuple)):
        child = LIST_ITEMS.get(name, "item")
        for item in value:
            _append(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> str:
    """The XML document of `data` under the element `root`, with the UTF-8 declaration."""
    element = ET.Element(root)
    _fill(element, root, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def render(fmt: str, root: str, data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    """An HTTP response of `data` in `fmt` ("json" or "xml"); `root` names the XML root element."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def render_errors(fmt: str, errors: list[tuple[int, str]], *, status: int, headers: dict[str, str] | None = None):
    """The error answer: `[{"code", "description"}, …]` / `<errors><error>…</error></errors>`."""
    body = [{"code": code, "description": description} for code, description in errors]
    return render(fmt, "errors", body, status=status, headers=headers)
