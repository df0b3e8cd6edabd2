"""Writing .xlsx files whose text stays text.

openpyxl stores a string that begins with "=" as a formula, so a name or title typed as
`=HYPERLINK(...)` would run when the export is opened in Excel (formula injection). Every exporter
writes its text through these helpers, which store each string as an inline string: Excel shows it as
typed, whatever it begins with ("=", "+", "-", "@", a tab or a carriage return). Numbers and dates are
left as they are.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

TEXT = "s"


def text_cell(sheet: Any, value: str, *, font: Font | None = None) -> WriteOnlyCell:
    """A cell of a write-only sheet that holds `value` as text, never as a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = TEXT
    if font is not None:
        cell.font = font
    return cell


def keep_text(workbook: Workbook) -> None:
    """Store every string cell of every sheet of `workbook` (not write-only) as text, never as a formula."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = TEXT


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file, its text kept as text."""
    keep_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
