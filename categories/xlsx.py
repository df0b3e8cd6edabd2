"""Reading a three-level category list from .xlsx (一级分类 / 二级分类 / 三级分类 columns).

Lists come in two shapes: every row repeats its parents' names, or the parent cells are merged
down over their children. Both read the same: a merged cell counts in every row it covers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from core.xlsx import ImportFileError, cell_text, open_workbook

LEVEL_HEADERS = ("一级", "二级", "三级")
LEVEL_COLUMNS = ("一级分类", "二级分类", "三级分类")
HEADER_SEARCH_ROWS = 5
MAX_DATA_ROWS = 20_000

Source = str | Path | bytes | IO[bytes]


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise ImportFileError(f"无法读取文件：{source}") from exc
    data = source.read()
    return data if isinstance(data, bytes) else bytes(data)


def _level_of_header(value: Any) -> int | None:
    text = re.sub(r"\s+", "", cell_text(value)).replace("*", "")
    for index, prefix in enumerate(LEVEL_HEADERS):
        if text.startswith(prefix):
            return index
    return None


def read_category_rows(source: Source) -> list[tuple[int, list[str]]]:
    """The data rows of the first sheet with a 一级/二级/三级 header, as (Excel row number, [l1, l2, l3]).

    Merged cells give their value to every row they cover; fully blank rows are skipped. Raises
    ImportFileError when the file cannot be used at all.
    """
    # Not read-only: merged ranges are only available on a fully loaded sheet.
    with open_workbook(_read_bytes(source), read_only=False) as workbook:
        for sheet in workbook.worksheets:
            header_row, columns = _find_header(sheet)
            if header_row is None:
                continue
            merged: dict[tuple[int, int], Any] = {}
            for cell_range in sheet.merged_cells.ranges:
                value = sheet.cell(cell_range.min_row, cell_range.min_col).value
                for row in range(cell_range.min_row, cell_range.max_row + 1):
                    for col in range(cell_range.min_col, cell_range.max_col + 1):
                        merged[(row, col)] = value
            rows: list[tuple[int, list[str]]] = []
            for number in range(header_row + 1, sheet.max_row + 1):
                values = [cell_text(merged.get((number, col), sheet.cell(number, col).value)) for col in columns]
                if not any(values):
                    continue
                rows.append((number, values))
                if len(rows) > MAX_DATA_ROWS:
                    raise ImportFileError(f"文件超过 {MAX_DATA_ROWS} 行数据，请分成多个文件导入。")
            if not rows:
                raise ImportFileError("文件中没有数据行：请在表头下方逐行填写分类。")
            return rows
        raise ImportFileError("未找到表头行：表格前几行中应有一行包含列名 一级分类、二级分类、三级分类。")


def _find_header(sheet) -> tuple[int | None, list[int]]:
    """The header row number and the 1-based column of each level, or (None, [])."""
    for number in range(1, min(sheet.max_row, HEADER_SEARCH_ROWS) + 1):
        found: dict[int, int] = {}
        for col in range(1, sheet.max_column + 1):
            level = _level_of_header(sheet.cell(number, col).value)
            if level is not None and level not in found:
                found[level] = col
        if len(found) == len(LEVEL_HEADERS):
            return number, [found[level] for level in range(len(LEVEL_HEADERS))]
    return None, []
