"""Spreadsheets people download (XLSX), written row by row and safe to open.

Streaming: openpyxl's write-only mode writes each row to its own temporary file at once, and the finished workbook
goes into a temporary file that spills to disk past ``SPOOL_BYTES``, so 100,000 rows never sit in memory; the web
app then sends that file in chunks (``Download.chunks``).

Formula injection — the one rule, for every sheet the product writes: a text is always a *text* cell. openpyxl
itself stores a ``str`` that begins with ``=`` as a formula and one like ``#N/A`` as an error value; and a text
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a spreadsheet may take for a formula
once someone edits the cell. Such texts are written as explicit text cells (``data_type "s"``: an inline string,
never ``<f>``) marked with the quote prefix (``quotePrefix``: shown and kept as text, as if typed after an
apostrophe); the text itself is never changed. Characters XML cannot hold are dropped, overlong texts cut.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RISKY_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
MAX_TEXT = 32_767  # characters a cell holds
SPOOL_BYTES = 8 * 1024 * 1024  # a workbook stays in memory up to this size, then goes to a temporary file
CHUNK = 64 * 1024
PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class Download:
    """A finished file: its name, size and contents (a temporary file). Iterating it reads the contents in chunks;
    the file is closed at the end, or by ``close`` (a WSGI server calls it even when nothing was sent)."""

    filename: str
    size: int
    file: IO[bytes]
    mimetype: str = MIMETYPE

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks()

    def chunks(self) -> Iterator[bytes]:
        """The contents in CHUNK-sized pieces, closing the file after the last one (or when sending stops)."""
        try:
            self.file.seek(0)
            while block := self.file.read(CHUNK):
                yield block
        finally:
            self.close()

    def close(self) -> None:
        self.file.close()

    def read(self) -> bytes:
        return b"".join(self.chunks())


def text_cell(ws: WriteOnlyWorksheet, text: str) -> Cell | str:
    """``text`` as a cell that shows it as text: as it is when openpyxl stores it as text anyway, else an explicit
    text cell, quote-prefixed when it begins like a formula (see the module's docstring)."""
    clean = ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT]
    if not clean.startswith((*RISKY_START, "#")):  # "#": openpyxl's error values (ERROR_CODES) all begin so
        return clean
    cell = WriteOnlyCell(ws)
    cell.value = clean
    cell.data_type = "s"  # after the value: openpyxl has just made "=…" a formula and "#N/A" an error
    cell.quotePrefix = clean.startswith(RISKY_START)
    return cell


def safe(ws: WriteOnlyWorksheet, value: Any, number_format: str | None = None) -> Any:
    """A value ready for ``ws.append``: texts through ``text_cell``; numbers and dates as they are (aware datetimes
    must be converted to office time by the caller: a spreadsheet has no time zones)."""
    if isinstance(value, str):
        return text_cell(ws, value)
    if number_format is None or value is None:
        return value
    cell = WriteOnlyCell(ws, value)
    cell.number_format = number_format
    return cell


def sheet_title(text: str) -> str:
    """A worksheet name a spreadsheet accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return " ".join(text.translate(_SHEET_TITLE_FORBIDDEN).split())[:SHEET_TITLE_MAX] or "Sheet"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None  # e.g. PERCENT, DATETIME


def add_sheet(workbook: Workbook, title: str, columns: Sequence[Column]) -> WriteOnlyWorksheet:
    """A write-only sheet with its column widths, a bold header row (kept in view) and nothing else yet."""
    ws = workbook.create_sheet(sheet_title(title))
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = safe(ws, column.header)
        cell = cell if isinstance(cell, Cell) else WriteOnlyCell(ws, cell)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    return ws


def write_rows(ws: WriteOnlyWorksheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Append ``rows`` (one value per column) through the safety rule; return how many."""
    formats = [column.number_format for column in columns]
    count = 0
    for row in rows:
        ws.append([safe(ws, value, fmt) for value, fmt in zip(row, formats, strict=True)])
        count += 1
    return count


def table(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """A sheet holding one table: header and rows."""
    return write_rows(add_sheet(workbook, title, columns), columns, rows)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def finished(workbook: Workbook, filename: str) -> Download:
    """Save the workbook into a temporary file (memory, then disk) and hand it over as a Download."""
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # closed by Download.chunks
    try:
        workbook.save(spool)
    except BaseException:
        spool.close()
        raise
    return Download(filename, spool.tell(), spool)


def office_time(value: datetime | None, zone: Any) -> datetime | None:
    """An aware datetime as naive office time to the second (a spreadsheet has no time zones, the header names the
    zone; its cells show seconds at most)."""
    return None if value is None else value.astimezone(zone).replace(tzinfo=None, microsecond=0)

