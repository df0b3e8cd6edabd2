"""What a test can read of a PDF Chromium printed, without a PDF library: its pages, their size and the
document's title (the page's <title>)."""

from __future__ import annotations

import re

A4_POINTS = (595.28, 841.89)


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it: one `/Type /Page` object per page (not the `/Pages` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height in points of each page's `/MediaBox`."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def is_a4(size: tuple[float, float]) -> bool:
    """Chromium rounds A4 (210 × 297 mm) to whole CSS pixels: within 1.5 pt either way."""
    return all(abs(got - want) < 1.5 for got, want in zip(size, A4_POINTS, strict=True))


def pdf_title(pdf: bytes) -> str:
    """The document title of the info dictionary, written by Chromium as UTF-16 hex."""
    found = re.search(rb"/Title\s*<FEFF([0-9A-Fa-f]*)>", pdf)
    return bytes.fromhex(found.group(1).decode()).decode("utf-16-be") if found else ""
