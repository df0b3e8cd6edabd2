"""Every .xlsx file of the project is written, read and sent through here.

Writing: openpyxl stores a string that begins with "=" as a formula, so a name or title typed as
`=HYPERLINK(...)` would run when the export is opened in Excel (formula injection). Every string goes
out as an inline string: Excel shows it as typed, whatever it begins with ("=", "+", "-", "@", a tab
or a carriage return). Numbers and dates are left as they are. Apps keep their own columns; the
workbook, its note and header rows, its bytes and the download response are made here.

No stored text can break an export: every row goes in through `append_row` (or `text_row`), which
drops the characters an .xlsx cannot hold (control characters but tab, newline and carriage return,
U+FFFE/U+FFFF, lone surrogates), so rows stored before intake cleaned its text export too.

Reading: an upload is checked by its content (size, zip, inflation) before openpyxl sees it, and any
failure to open it is one ImportFileError with a message in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "s"
YES, NO = "是", "否"
# A zip whose contents inflate beyond this many times the upload limit is refused unread.
MAX_INFLATION = 20

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")
NOTE_FONT = Font(italic=True, color="57606A")
# What XML 1.0 (and so openpyxl, which raises IllegalCharacterError) cannot carry in a cell.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an .xlsx, too large, no header, no rows)."""


# ---------------------------------------------------------------------------------------------
# Writing


def new_workbook(*, author: str, title: str = "", created: dt.datetime | None = None,
                 write_only: bool = False) -> Workbook:
    """An empty workbook whose properties name its author (and title and creation time when given)."""
    workbook = Workbook(write_only=write_only)
    workbook.properties.creator = author
    workbook.properties.lastModifiedBy = author
    if created is not None:
        workbook.properties.created = created.astimezone(dt.UTC).replace(tzinfo=None)
    if title:
        workbook.properties.title = title
    return workbook


def write_head(sheet: Any, note: str, headers: Sequence[str], widths: Sequence[int], *,
               centre_headers: bool = False) -> None:
    """Row 1 the note, row 2 the bold header, column widths, rows 1-2 frozen (a sheet that is not write-only)."""
    append_row(sheet, [note])
    sheet.cell(row=1, column=1).font = NOTE_FONT
    append_row(sheet, headers)
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        if centre_headers:
            cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"


def writable(value: Any) -> Any:
    """`value` without the characters a cell cannot hold, when it is a string; anything else as it is."""
    return _UNWRITABLE.sub("", value) if isinstance(value, str) else value


def text_cell(sheet: Any, value: str, *, font: Font | None = None) -> WriteOnlyCell:
    """A cell of a write-only sheet that holds `value` as text, never as a formula."""
    cell = WriteOnlyCell(sheet, value=writable(value))
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


def text_row(sheet: Any, values: Sequence[Any], *, font: Font | None = None) -> list[Any]:
    """A row for a write-only sheet: every string a `text_cell` (with `font`), other values as they are."""
    return [text_cell(sheet, value, font=font) if isinstance(value, str) else value for value in values]


def append_row(sheet: Any, values: Sequence[Any], *, font: Font | None = None) -> None:
    """Add `values` as the next row of `sheet`, every string made `writable` (as text cells when write-only).

    Every row of every export goes in here, so no stored text can make openpyxl refuse the file.
    """
    if getattr(sheet.parent, "write_only", False):
        sheet.append(text_row(sheet, values, font=font))
    else:
        sheet.append([writable(value) for value in values])


def workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file, its text kept as text.

    A write-only workbook cannot be walked after the fact: its rows are written with `text_row`.
    """
    if not workbook.write_only:
        keep_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def exporter_label(user: Any) -> str:
    """The exporting user as the files name them: 姓名（用户名）, or the user name alone."""
    name = user.get_full_name()
    return f"{name}（{user.get_username()}）" if name else user.get_username()


def download(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx file as an attachment that no cache keeps."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Reading


def check_upload(data: bytes) -> None:
    """Refuse anything that is not a plausible .xlsx within the size limit, by its content, not its name."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        limit_mb = settings.IMPORT_MAX_BYTES / (1024 * 1024)
        raise ImportFileError(f"文件超过 {limit_mb:g} MB 的大小限制，请分成多个文件导入。")
    if not data:
        raise ImportFileError("上传的文件是空的。")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 格式后再上传。")
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件，请上传 .xlsx 格式的表格。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError("文件已损坏，无法作为 Excel（.xlsx）文件打开。") from exc
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError("文件不是有效的 Excel（.xlsx）文件，请上传 .xlsx 格式的表格。")
    if inflated > settings.IMPORT_MAX_BYTES * MAX_INFLATION:
        raise ImportFileError("文件解压后过大，请分成多个文件导入。")


@contextmanager
def open_workbook(source: bytes | str | Path, *, read_only: bool = True) -> Iterator[Workbook]:
    """The workbook in `source` (the bytes of an upload, checked first, or a path), values not formulas.

    Read-only sheets forget the file's own <dimension>, which some programs write wrong: every row and
    column is read. A merged-cell range needs `read_only=False`. The workbook is closed on leaving.
    """
    if isinstance(source, bytes):
        check_upload(source)
        handle: Any = io.BytesIO(source)
    else:
        handle = source
    try:
        workbook = load_workbook(handle, read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl raises many types for malformed parts of a zip
        raise ImportFileError("文件无法作为 Excel（.xlsx）表格读取，请确认文件未损坏。") from exc
    try:
        if read_only:
            for sheet in workbook.worksheets:
                sheet.reset_dimensions()
        yield workbook
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as trimmed text; whole numbers typed into Excel lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()
