"""Read the shop ledger's rows from an uploaded .xlsx or .csv file (no database here).

``read_rows`` yields ``(sheet_row_number, cells)`` for ``creditstreet.domain.ledger.parse``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from creditstreet.domain.errors import ValidationError
from ..domain.i18n import Msg, N_

__all__ = ["read_rows", "MAX_ROWS"]

MAX_ROWS = 50_000  # a county ledger is a few thousand rows; more means a wrong file
# Bounds on an .xlsx before and after openpyxl reads it (issue 13 §7: a 5 KB file with
# <mergeCell ref="A1:J100000"/> took 22.5 s and 330 MB). Real ledgers are far below each.
MAX_XLSX_PARTS = 1_000  # files inside the zip
MAX_XLSX_UNPACKED = 60 * 1024 * 1024  # bytes, all parts unpacked
MAX_MERGED_CELLS = 100_000  # cells covered by merged ranges, all sheets
MAX_COLUMNS = 200
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
            raise ValidationError(Msg(N_("台账超过%(max_rows)s行，请检查是否选错了文件"), max_rows=max_rows), code="ledger_too_big")
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        yield row
    if progress is not None:
        progress(count)


UNREADABLE = N_("无法读取该 Excel 文件，请确认是 .xlsx 格式")
TOO_BIG = N_("该 Excel 文件的内容范围过大（%(what)s），不像商户台账，请检查是否选错了文件")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]{0,200}?\bref\s*=\s*[\"']([^\"']{0,64})[\"']")


def _xlsx_rows(source: Any) -> Iterator[tuple[int, list[object]]]:
    """Check and open the workbook now (errors raise here); return a generator over its first sheet.

    Before openpyxl sees the file: at most ``MAX_XLSX_PARTS`` parts, ``MAX_XLSX_UNPACKED`` bytes
    unpacked, ``MAX_MERGED_CELLS`` merged cells. openpyxl parses the XML with defusedxml (entity
    bombs refused). After loading: at most ``MAX_COLUMNS`` columns and a used range that is
    not mostly empty space, so reading rows cannot create millions of cells.
    """
    import openpyxl  # heavy; only imports need it

    data = _read_all(source)
    data = data.encode() if isinstance(data, str) else data
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_archive(archive)
        # read_only=False: merged ranges are only known in the full model
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
        sheet = workbook.worksheets[0]
    except ValidationError:
        raise
    except Exception as error:  # a malformed file fails in many ways inside openpyxl; all are "unreadable"
        raise ValidationError(UNREADABLE, code="ledger_unreadable") from error
    _check_used_range(sheet)
    return _sheet_rows(workbook)


def _check_archive(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    if len(parts) > MAX_XLSX_PARTS or sum(p.file_size for p in parts) > MAX_XLSX_UNPACKED:
        raise ValidationError(Msg(TOO_BIG, what=Msg(N_("解压后过大"))), code="ledger_too_big")
    from openpyxl.utils.cell import range_boundaries

    merged = 0
    for part in parts:
        if not (part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml")):
            continue
        for ref in _merge_refs(archive, part):
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
            except (ValueError, TypeError, UnicodeDecodeError):
                raise ValidationError(UNREADABLE, code="ledger_unreadable") from None
            if None in (min_col, min_row, max_col, max_row):  # whole rows or columns ("A:A")
                raise ValidationError(Msg(TOO_BIG, what=Msg(N_("合并单元格范围过大"))), code="ledger_too_big")
            merged += (max_row - min_row + 1) * (max_col - min_col + 1)
            if merged > MAX_MERGED_CELLS:
                raise ValidationError(Msg(TOO_BIG, what=Msg(N_("合并单元格范围过大"))), code="ledger_too_big")


def _merge_refs(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> Iterator[bytes]:
    """The ``ref`` of every <mergeCell> in a sheet's XML, read in 1 MB chunks (a match is < 300 bytes)."""
    overlap = 300
    with archive.open(part) as stream:
        rest = b""
        while True:
            chunk = stream.read(1 << 20)
            buf = rest + chunk
            safe = len(buf) if not chunk else len(buf) - overlap
            last_end = 0
            for m in _MERGE_REF.finditer(buf):
                if m.end() > safe:
                    break
                last_end = m.end()
                yield m.group(1)
            if not chunk:
                return
            rest = buf[max(last_end, safe - overlap):]


def _check_used_range(sheet: Any) -> None:
    rows, columns = sheet.max_row, sheet.max_column
    stored = len(getattr(sheet, "_cells", ())) or 1
    # Reading a row creates every cell of it: the range may not be mostly empty space.
    if columns > MAX_COLUMNS or rows * columns > 4 * stored + 200_000:
        raise ValidationError(Msg(TOO_BIG, what=Msg(N_("%(rows)s行×%(columns)s列"), rows=rows, columns=columns)),
                              code="ledger_too_big")


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
