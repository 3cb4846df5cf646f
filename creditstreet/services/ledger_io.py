"""Read the shop ledger's rows from an uploaded .xlsx or .csv file (no database here).

``read_rows`` yields ``(sheet_row_number, cells)`` for ``creditstreet.domain.ledger.parse``.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from creditstreet.domain.errors import ValidationError

__all__ = ["read_rows", "MAX_ROWS"]

MAX_ROWS = 50_000  # a county ledger is a few thousand rows; more means a wrong file
PROGRESS_EVERY = 500

Progress = Callable[[int], None]


def read_rows(
    path_or_file: str | os.PathLike[str] | IO[Any],
    filename: str | None = None,
    *,
    progress: Progress | None = None,
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, list[object]]]:
    """Yield ``(sheet_row_number, cells)`` from the first sheet of an .xlsx or from a .csv.

    ``filename`` decides the format (default: the path's name), e.g. an upload's original
    name. .xlsx: values as stored (dates as ``datetime``), a merged range's value repeated in
    every cell it covers. .csv: UTF-8 with or without BOM, else GBK/GB18030; empty cells None.
    ``progress(n_rows_read)`` is called every 500 rows and once at the end. More than
    ``max_rows`` non-blank rows raise (blank formatted rows at the bottom do not count).
    The file is opened and checked at the call; rows are produced as they are iterated.
    Raises ValidationError (codes ``ledger_file_type``, ``ledger_unreadable``, ``ledger_too_big``).
    """
    name = filename or (os.fspath(path_or_file) if isinstance(path_or_file, (str, os.PathLike)) else "")
    extension = os.path.splitext(str(name))[1].lower()
    if extension == ".xlsx":
        rows = _xlsx_rows(path_or_file)
    elif extension == ".csv":
        rows = _csv_rows(path_or_file)
    else:
        raise ValidationError(
            "台账文件只支持 .xlsx 和 .csv 格式（.xls 请在 Excel 中另存为 .xlsx）", code="ledger_file_type"
        )
    return _counted(rows, progress, max_rows)


def _counted(rows, progress: Progress | None, max_rows: int) -> Iterator[tuple[int, list[object]]]:
    count = filled = 0
    for count, row in enumerate(rows, start=1):
        filled += any(value is not None for value in row[1])
        if filled > max_rows:
            raise ValidationError(f"台账超过{max_rows}行，请检查是否选错了文件", code="ledger_too_big")
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield row
    if progress is not None:
        progress(count)


def _xlsx_rows(source: Any) -> Iterator[tuple[int, list[object]]]:
    """Open the workbook now (errors raise here); return a generator over its first sheet."""
    import openpyxl  # heavy; only imports need it

    try:
        # read_only=False: merged ranges are only known in the full model
        workbook = openpyxl.load_workbook(source, read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValidationError("无法读取该 Excel 文件，请确认是 .xlsx 格式", code="ledger_unreadable") from error
    return _sheet_rows(workbook)


def _sheet_rows(workbook: Any) -> Iterator[tuple[int, list[object]]]:
    try:
        sheet = workbook.worksheets[0]
        merged: dict[tuple[int, int], object] = {}
        for cell_range in sheet.merged_cells.ranges:
            value = sheet.cell(cell_range.min_row, cell_range.min_col).value
            for row in range(cell_range.min_row, cell_range.max_row + 1):
                for col in range(cell_range.min_col, cell_range.max_col + 1):
                    merged[(row, col)] = value
        for row_number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(values)
            if merged:
                for col in range(1, len(cells) + 1):
                    if (row_number, col) in merged:
                        cells[col - 1] = merged[(row_number, col)]
            yield row_number, cells
    finally:
        workbook.close()


def _csv_rows(source: Any) -> Iterator[tuple[int, list[object]]]:
    """Read and decode now (errors raise here); return a generator over the records."""
    return _csv_records(_decode(_read_all(source)))


def _csv_records(text: str) -> Iterator[tuple[int, list[object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row_number, values in enumerate(reader, start=1):
            yield row_number, [value if value.strip() else None for value in values]
    except csv.Error as error:
        raise ValidationError("无法读取该 CSV 文件，格式不正确", code="ledger_unreadable") from error


def _read_all(source: Any) -> bytes | str:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return handle.read()
    return source.read()


def _decode(data: bytes | str) -> str:
    """UTF-8 (BOM optional) first; anything that is not valid UTF-8 is read as GB18030 ⊃ GBK."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ValidationError("CSV 文件编码无法识别，请保存为 UTF-8 或 GBK", code="ledger_unreadable") from error
