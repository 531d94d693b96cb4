"""Parse an uploaded target list (CSV/XLSX) into contact rows and a Laporan Penerimaan dan Pengolahan Data.

Offices send what their tools write: CSV in UTF-8 (with or without BOM), Windows-1252 or Latin-1, separated by
commas, semicolons or tabs, and workbooks whose name does not say what they are. The content decides (an XLSX is
a ZIP, a legacy .xls an OLE2 compound file, anything else is read as CSV); the name is only used in messages.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, NoReturn

import charset_normalizer
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.id import npwp as stdnum_npwp

from ..errors import InvalidInput
from ..i18n import N_, Count, Text, join, localize
from ..inputs import clean_text
from .identifiers import compact_npwp, mask_npwp, mask_npwp_cell, phone_e164

MAX_ROWS = 200_000
MAX_COLUMNS = 200  # of the header row: a target list has a handful; every check below is linear in the width
MAX_LISTED = 5_000  # warnings/errors (and rows with them) listed in the report; the counts are always complete
REQUIRED_COLUMNS = ("npwp", "nama", "telepon")
OPTIONAL_COLUMNS = ("kpp",)
DELIMITERS = (",", ";", "\t", "|")  # in order of preference when the header does not decide
_PHONE_SPLIT = re.compile(r"[;,/]")
_NON_DIGITS = re.compile(r"\D")
REPORT_NAME = 80  # characters of a taxpayer's name the import report repeats

# Column sizes of engine.models.Contact: a longer value is a row error, not a database error.
MAX_NAME = 255
MAX_KPP = 128
MAX_NPWP_RAW = 64

# An XLSX is a zip: check the sizes its directory declares before openpyxl inflates anything. zipfile never
# returns more than a member's declared size (and checks its CRC), so these bounds hold for what openpyxl reads.
MB = 1024 * 1024
MAX_XLSX_TOTAL = 100 * MB  # all members together, uncompressed (a 100.000-row list is about 30 MB)
MAX_XLSX_MEMBER = 60 * MB  # one member (worksheet, shared strings), uncompressed
MAX_XLSX_RATIO = 100  # uncompressed:compressed of a member larger than XLSX_RATIO_FROM (real sheets: 5-20)
XLSX_RATIO_FROM = 1 * MB

# What the first bytes say a file is.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first local header, or the end record of an empty zip
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, and Office files encrypted with a password
OLE2_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream holding a password-protected .xlsx
EXCEL_EXTENSIONS = ("xlsx", "xlsm", "xls", "xlsb")

# CSV encodings: UTF-8 whenever the bytes are valid UTF-8, else what charset-normalizer finds among these.
LEGACY_ENCODINGS = ("cp1252", "latin_1")
ENCODING_NAMES = {"cp1252": "Windows-1252", "latin_1": "Latin-1 (ISO-8859-1)"}
DETECTION_SAMPLE = 64 * 1024  # bytes of non-ASCII lines given to charset-normalizer
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)  # Excel's "sep=;" first line names the delimiter
SNIFF_ROWS = 50

Cells = list[Any]
Problem = tuple[str, str, str]  # (kind "error"/"warning", field, message)


@dataclass(frozen=True)
class ParsedTargetList:
    """Accepted rows (ready for ``contacts.add_contacts``) and the import report."""

    rows: list[dict[str, Any]]
    report: dict[str, Any]


@dataclass(frozen=True)
class _Table:
    """The rows of a file as read, and how it was read (shown on the import report)."""

    header: Cells
    records: list[tuple[int, Cells]]  # (spreadsheet row number, cells under the header) of the non-blank data rows
    overflow: frozenset[int]  # the rows with a value in a cell beyond the header (ignored, and warned about)
    source: dict[str, str]


@dataclass
class _Report:
    """Accumulates the Laporan Penerimaan dan Pengolahan Data while rows are parsed.

    ``errors``/``warnings`` list every problem (row, field, message); ``rejected_rows``/``warning_rows`` list the
    rejected rows and the accepted rows with warnings, each with the taxpayer's name and MASKED NPWP: the report
    is shown to every staff member and to the requesting unit, so it never holds a full NPWP or phone number.
    """

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    accepted_with_warnings: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    error_count: int = 0
    duplicate_rows: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    warning_rows: list[dict[str, Any]] = field(default_factory=list)

    def record(self, row: int, identity: dict[str, str], problems: list[Problem], outcome: str) -> None:
        """Count a row as ``accepted``, ``rejected`` or ``duplicate`` and list its problems."""
        errors = [{"field": f, "message": m} for kind, f, m in problems if kind == "error"]
        warned = [{"field": f, "message": m} for kind, f, m in problems if kind == "warning"]
        self.error_count += len(errors)
        self.warning_count += len(warned)
        self.errors.extend({"row": row, **e} for e in errors[:max(MAX_LISTED - len(self.errors), 0)])
        self.warnings.extend({"row": row, **w} for w in warned[:max(MAX_LISTED - len(self.warnings), 0)])
        if outcome == "rejected":
            self.rejected += 1
            if len(self.rejected_rows) < MAX_LISTED:
                self.rejected_rows.append({"row": row, **identity, "errors": errors, "warnings": warned})
        elif outcome == "duplicate":
            self.duplicates += 1
        elif warned:
            self.accepted += 1
            self.accepted_with_warnings += 1
            if len(self.warning_rows) < MAX_LISTED:
                self.warning_rows.append({"row": row, **identity, "warnings": warned})
        else:
            self.accepted += 1

    def as_dict(self, source: dict[str, str]) -> dict[str, Any]:
        return {
            "rows": self.rows, "accepted": self.accepted, "rejected": self.rejected,
            "duplicates": self.duplicates, "warnings": self.warnings, "errors": self.errors,
            "warning_count": self.warning_count, "error_count": self.error_count,
            "duplicate_rows": self.duplicate_rows, "rejected_rows": self.rejected_rows,
            "accepted_with_warnings": self.accepted_with_warnings, "warning_rows": self.warning_rows,
            "file": source,
        }


def _map_problems(report: Mapping[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """A copy of an import report with ``change`` applied to every listed problem ({field, message})."""
    def problems(items: Any) -> Any:
        return [change(dict(p)) for p in items] if isinstance(items, list) else items

    def rows(items: Any) -> Any:
        return [{**r, **{k: problems(r[k]) for k in ("errors", "warnings") if k in r}} for r in items] \
            if isinstance(items, list) else items

    out = dict(report)
    for key in ("errors", "warnings"):
        if key in out:
            out[key] = problems(out[key])
    for key in ("rejected_rows", "warning_rows"):
        if key in out:
            out[key] = rows(out[key])
    return out


def storable_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The import report as stored (JSON): a problem whose message has parameters keeps its template and
    parameters beside it (``text``), so that it can be shown in the reader's language later."""
    def keep(problem: dict[str, Any]) -> dict[str, Any]:
        message = problem.get("message")
        return {**problem, "text": message.to_json()} if isinstance(message, Text) and message.params else problem

    return _map_problems(report, keep)


def localized_report(report: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A stored import report as shown in ``lang``: every problem's message translated, no ``text`` entries."""
    def show(problem: dict[str, Any]) -> dict[str, Any]:
        text = problem.pop("text", None)
        problem["message"] = localize(Text.from_json(text) if isinstance(text, dict) else problem.get("message"),
                                      lang)
        return problem

    out = _map_problems(report, show)
    if isinstance(out.get("file"), dict) and out["file"].get("encoding"):
        out["file"] = {**out["file"], "encoding": localize(out["file"]["encoding"], lang)}
    return out


def parse_target_list(filename: str, content: bytes) -> ParsedTargetList:
    """Parse a target list; raise InvalidInput when the whole file must be rejected."""
    table = _read_table(filename, content)
    columns = _column_map(table.header)
    report = _Report()
    rows: list[dict[str, Any]] = []
    first_row_of: dict[str, int] = {}
    for row_number, cells in table.records:
        report.rows += 1
        row, problems = _parse_row(row_number, cells, columns, row_number in table.overflow)
        if row is None:
            report.record(row_number, _identity(cells, columns), problems, "rejected")
            continue
        first = _first_row_with_npwp(row, first_row_of)
        if first == row_number and not problems:  # the common case, kept cheap: nothing to list
            report.accepted += 1
            rows.append(row)
            continue
        identity = {"name": _report_name(row["name"]), "npwp_masked": mask_npwp(row["npwp"])}
        if first != row_number:
            problems.append(("warning", "npwp", N_("NPWP sama dengan baris {row}; baris ini tidak disimpan (duplikat)",
                                                   row=first)))
            report.record(row_number, identity, problems, "duplicate")
            if len(report.duplicate_rows) < MAX_LISTED:
                report.duplicate_rows.append({"row": row_number, "duplicate_of": first, **identity})
            continue
        report.record(row_number, identity, problems, "accepted")
        rows.append(row)
    if not rows:
        _reject(N_("Tidak ada baris yang valid dalam berkas"), _error_examples(report))
    return ParsedTargetList(rows=rows, report=report.as_dict(table.source))


def _first_row_with_npwp(row: dict[str, Any], first_row_of: dict[str, int]) -> int:
    """The first row with this NPWP (15 digits and its 16-digit '0' form count as the same)."""
    key = row["npwp"][1:] if len(row["npwp"]) == 16 and row["npwp"].startswith("0") else row["npwp"]
    return first_row_of.setdefault(key, row["row_number"])


def _identity(cells: Cells, columns: dict[str, Any]) -> dict[str, str]:
    """Name and masked NPWP of a rejected row, from its cells as they are (UU PDP: never the full NPWP)."""
    known = columns["known"]
    return {"name": _report_name(_cell_text(_cell_at(cells, known.get("nama")))),
            "npwp_masked": mask_npwp_cell(_cell_text(_cell_at(cells, known.get("npwp"))))}


def _report_name(name: str) -> str:
    return name if len(name) <= REPORT_NAME else name[:REPORT_NAME - 1].rstrip() + "…"


def _error_examples(report: _Report) -> str:
    if report.rows == 0:
        return N_("Berkas tidak berisi baris data di bawah baris judul.")
    examples = join((N_("baris {row} ({field}): {message}", row=e["row"], field=e["field"], message=e["message"])
                     for e in report.errors[:3]), "; ")
    return N_("Semua {rows} baris ditolak atau duplikat. Contoh kesalahan: {examples}", rows=report.rows,
              examples=examples)


def _reject(message: str, detail: str) -> NoReturn:
    raise InvalidInput(message, fields={"file": detail})


# --- recognising and reading the file ---------------------------------------------------------------------

def _read_table(filename: str, content: bytes) -> _Table:
    """Recognise the file by its content (not its name) and return its rows."""
    shown = filename if len(filename) <= 80 else filename[:79] + "…"
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if not content.strip():
        _reject(N_("Berkas kosong"), N_("Berkas '{name}' tidak berisi data.", name=shown))
    if content.startswith(OLE2_MAGIC):
        _reject_ole2(shown, content)
    if content.startswith(ZIP_MAGIC):
        _check_workbook_archive(shown, content)
        return _Table(*_read_xlsx(content), source={"format": "xlsx", "extension": extension})
    text, encoding = _decode(content)
    return _read_csv(shown, extension, text, encoding)


def _reject_ole2(shown: str, content: bytes) -> NoReturn:
    """An OLE2 compound file: an Excel 97-2003 workbook, or an .xlsx protected with a password."""
    if OLE2_ENCRYPTED in content:
        _reject(N_("Berkas Excel dilindungi kata sandi"),
                N_("Berkas '{name}' dienkripsi dengan kata sandi sehingga tidak dapat dibaca. Buka di Excel, hapus "
                   "kata sandinya (File › Info › Protect Workbook › Encrypt with Password), simpan sebagai .xlsx atau "
                   ".csv, lalu unggah kembali.", name=shown))
    _reject(N_("Format Excel 97-2003 (.xls) tidak didukung"),
            N_("Berkas '{name}' adalah lembar kerja Excel 97-2003 (.xls). Buka di Excel lalu simpan ulang sebagai "
               "Excel Workbook (.xlsx) atau CSV UTF-8 (.csv), kemudian unggah kembali.", name=shown))


def _check_workbook_archive(shown: str, content: bytes) -> None:
    """A ZIP is read only when it is an XLSX: after the size checks, look at the parts it holds."""
    names = set(_check_xlsx_archive(content))
    if "xl/workbook.bin" in names:
        _reject(N_("Format Excel Binary (.xlsb) tidak didukung"),
                N_("Berkas '{name}' adalah Excel Binary Workbook (.xlsb). Simpan ulang sebagai Excel Workbook "
                   "(.xlsx) atau CSV UTF-8 (.csv), lalu unggah kembali.", name=shown))
    if "mimetype" in names and "content.xml" in names:
        _reject(N_("Format OpenDocument (.ods) tidak didukung"),
                N_("Berkas '{name}' adalah dokumen OpenDocument (mis. LibreOffice Calc). Simpan ulang sebagai "
                   "Excel Workbook (.xlsx) atau CSV UTF-8 (.csv), lalu unggah kembali.", name=shown))
    if "xl/workbook.xml" not in names and "[Content_Types].xml" not in names:
        _reject(N_("Berkas XLSX rusak atau tidak dapat dibaca"),
                N_("Berkas '{name}' adalah arsip ZIP, bukan lembar kerja Excel (.xlsx).", name=shown))


def _decode(content: bytes) -> tuple[str, str]:
    """Decode a CSV: UTF-8 whenever it is valid, else the legacy encoding charset-normalizer finds.

    Returns the text and the encoding's name for the report.
    """
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text"
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            _reject_encoding()
    bom = content.startswith(codecs.BOM_UTF8)
    try:
        return content.decode("utf-8-sig"), "UTF-8 (BOM)" if bom else "UTF-8"
    except UnicodeDecodeError:
        pass
    body = content[len(codecs.BOM_UTF8):] if bom else content
    name: str  # of the encoding, shown on the report (translated there)
    sample = _non_ascii_sample(body)
    utf8_bytes = sum(len(sequence) for sequence in _UTF8_SEQUENCE.findall(sample))
    if bom or 2 * utf8_bytes >= len(_HIGH_BYTE.findall(sample)) > 0:
        # Mostly UTF-8, with a few bytes an older program wrote as Windows-1252 (a name pasted in): decode each
        # part as what it is instead of turning every UTF-8 letter into two Windows-1252 ones.
        text, name = body.decode("utf-8", errors="klip-cp1252"), N_("UTF-8 (sebagian Windows-1252)")
    else:
        # charset-normalizer tells Windows-1252 from Latin-1 (C1 control characters are "mess" to it). Its mess
        # threshold also turns down real names on short samples ("Bödi Ñoño"), so no answer is not taken as
        # "not text": Windows-1252 is then read (Latin-1 letters are the same bytes) and the control
        # characters below decide whether the file is text at all.
        best = charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)).best()
        encoding = best.encoding if best is not None and best.encoding in LEGACY_ENCODINGS else "cp1252"
        # Windows reads the 5 bytes Windows-1252 leaves undefined as Latin-1, and so does the error handler.
        text, name = body.decode(encoding, errors="klip-cp1252"), ENCODING_NAMES[encoding]
    if _is_binary(text[:DETECTION_SAMPLE]):
        _reject_encoding()
    return text, name


def _is_binary(text: str) -> bool:
    """More than 1 % control characters (other than tab and line ends): not a text file."""
    controls = sum(1 for c in text if (c < " " and c not in "\t\r\n") or "\x7f" <= c <= "\x9f")
    return controls * 100 > len(text)


def _reject_encoding() -> NoReturn:
    _reject(N_("Berkas CSV tidak dapat dibaca"),
            N_("Penyandian (encoding) berkas tidak dikenali atau berkas bukan teks. Simpan sebagai CSV UTF-8 (.csv) "
               "atau Excel Workbook (.xlsx), lalu unggah kembali."))


def _as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: the undecodable bytes as Windows-1252 (its 5 undefined bytes as Latin-1)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    part = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in part), error.end


codecs.register_error("klip-cp1252", _as_cp1252)


def _non_ascii_sample(content: bytes) -> bytes:
    """The lines holding non-ASCII bytes (at most 400 bytes around each), up to DETECTION_SAMPLE bytes.

    What tells encodings apart may sit anywhere in a large file; ASCII lines say nothing.
    """
    parts: list[bytes] = []
    size, position = 0, 0
    while size < DETECTION_SAMPLE and (found := _HIGH_BYTE.search(content, position)):
        start = max(content.rfind(b"\n", max(found.start() - 200, 0), found.start()) + 1, found.start() - 200)
        end = content.find(b"\n", found.end(), found.end() + 200)
        end = min(len(content), found.end() + 200) if end < 0 else end
        parts.append(content[start:end])
        size += end - start + 1
        position = end
    return b"\n".join(parts)


def _read_csv(shown: str, extension: str, text: str, encoding: str) -> _Table:
    text = clean_text(text)
    if text.lstrip().startswith("<"):
        _reject(N_("Format berkas tidak didukung"),
                N_("Berkas '{name}' berisi HTML atau XML (mis. hasil ekspor 'Excel' dari aplikasi web), bukan "
                   ".csv atau .xlsx. Buka berkas di Excel lalu simpan sebagai Excel Workbook (.xlsx) atau CSV UTF-8.",
                   name=shown))
    declared = _SEP_LINE.match(text)
    if declared:
        text = text[declared.end():]
    delimiter = declared.group(1) if declared else _choose_delimiter(text)
    line_end = text.find("\n")
    if extension in EXCEL_EXTENSIONS and delimiter not in (text[:line_end] if line_end >= 0 else text):
        _reject(N_("Berkas XLSX rusak atau tidak dapat dibaca"),
                N_("Berkas '{name}' bukan lembar kerja Excel (.xlsx) yang valid dan isinya juga bukan tabel CSV.",
                   name=shown))
    source = {"format": "csv", "extension": extension, "encoding": encoding, "delimiter": delimiter}
    try:
        return _Table(*_collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), source=source)
    except csv.Error as exc:
        _reject(N_("Berkas CSV rusak"), N_("Berkas CSV tidak dapat dibaca: {reason}.", reason=str(exc)))


def _choose_delimiter(text: str) -> str:
    """The delimiter under which the header holds the most required columns, then the most rows fit the header.

    Counting characters in the first line fails when a quoted header cell holds the other separator; parsing
    with each candidate and asking which reading makes sense does not. The csv module's Sniffer guesses from
    character frequencies and picks letters or spaces on small files.
    """
    sample = text[:64 * 1024]

    def score(delimiter: str) -> tuple[int, int, int]:
        try:
            rows = [r for _, r in zip(range(SNIFF_ROWS), csv.reader(io.StringIO(sample, newline=""),
                                                                      delimiter=delimiter), strict=False)]
        except csv.Error:
            return (-1, 0, 0)
        if not rows:
            return (0, 0, 0)
        header = [c.strip().lower() for c in rows[0]]
        fitting = sum(1 for r in rows[1:] if len(r) == len(header))
        return (sum(c in header for c in REQUIRED_COLUMNS), fitting if len(header) > 1 else 0, len(header))

    return max(DELIMITERS, key=score)


def _collect(table: Iterable[Sequence[Any]],
             padded: bool = False) -> tuple[Cells, list[tuple[int, Cells]], frozenset[int]]:
    """Split header and non-blank data rows, each cut to the header's width (cells beyond it only mark the row);
    stop as soon as the column or row limit is exceeded. Linear in the cells read.

    ``padded``: the rows come padded with ``None`` up to a fixed width (openpyxl), which is not part of the header.
    """
    rows = iter(table)
    header = list(next(rows, []))
    if padded:
        while header and header[-1] is None:
            header.pop()
    if len(header) > MAX_COLUMNS:
        _reject(N_("Terlalu banyak kolom"),
                N_("Baris judul (baris 1) memiliki lebih dari {limit} kolom; daftar sasaran cukup berisi kolom npwp, "
                   "nama, telepon dan beberapa kolom tambahan. Hapus kolom yang tidak diperlukan, lalu unggah "
                   "kembali.", limit=Count(MAX_COLUMNS)))
    if not any(_cell_text(c) for c in header):
        _reject(N_("Berkas kosong"), N_("Baris judul (baris 1) kosong atau tidak ditemukan."))
    width = len(header)
    records: list[tuple[int, Cells]] = []
    overflow: set[int] = set()
    blank: Sequence[Any] | None = None  # openpyxl hands out one shared row for every missing row
    for row_number, cells in enumerate(rows, start=2):
        if cells is blank or not _has_text(cells):
            blank = cells
            continue
        records.append((row_number, list(cells[:width])))
        if len(cells) > width and _has_text(cells[width:]):
            overflow.add(row_number)
        if len(records) > MAX_ROWS:
            _reject(N_("Berkas terlalu besar"), N_("Berkas berisi lebih dari {n} baris data.", n=Count(MAX_ROWS)))
    return header, records, frozenset(overflow)


def _has_text(cells: Sequence[Any]) -> bool:
    """Whether any cell holds text (``_cell_text`` not empty), at C speed for a row of text cells of any width."""
    if cells.count(None) + cells.count("") == len(cells):  # a blank row, or openpyxl's padding
        return False
    try:
        return bool(clean_text("".join(cells)).strip())  # CSV: strings only
    except TypeError:  # numbers, dates (XLSX): at most MAX_COLUMNS + 1 cells
        return any(_cell_text(c) for c in cells)


def _check_xlsx_archive(content: bytes) -> list[str]:
    """Reject an XLSX that is not a zip, or whose content would inflate far beyond a real target list.

    Returns the names of the archive's members. Every upload that starts like a ZIP passes here first.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except Exception:  # BadZipFile, and the OSError/ValueError/EOFError of a truncated or forged directory
        _reject_broken_xlsx()
    total = 0
    for member in members:
        name = member.filename[:80]
        if member.file_size > MAX_XLSX_MEMBER:
            _reject(N_("Berkas XLSX terlalu besar"),
                    N_("Bagian '{name}' dalam berkas XLSX berukuran {size} MB setelah diekstrak; paling banyak {limit} "
                       "MB per bagian. Pecah daftar menjadi beberapa berkas atau simpan sebagai CSV.", name=name,
                       size=_mb(member.file_size), limit=_mb(MAX_XLSX_MEMBER)))
        if member.file_size > XLSX_RATIO_FROM and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            _reject(N_("Berkas XLSX tidak wajar"),
                    N_("Bagian '{name}' dalam berkas XLSX terkompresi lebih dari {ratio}:1, jauh di atas lembar kerja "
                       "biasa (kemungkinan 'zip bomb'); berkas tidak diproses.", name=name, ratio=MAX_XLSX_RATIO))
        total += member.file_size
        if total > MAX_XLSX_TOTAL:
            _reject(N_("Berkas XLSX terlalu besar"),
                    N_("Isi berkas XLSX berukuran lebih dari {limit} MB setelah diekstrak. Pecah daftar menjadi "
                       "beberapa berkas atau simpan sebagai CSV.", limit=_mb(MAX_XLSX_TOTAL)))
    return [member.filename for member in members]


def _reject_broken_xlsx() -> NoReturn:
    _reject(N_("Berkas XLSX rusak atau tidak dapat dibaca"), N_("Berkas bukan lembar kerja Excel (.xlsx) yang valid."))


def _mb(size: int) -> Count:
    """Whole megabytes, rounded up."""
    return Count(-(-size // MB))


def _read_xlsx(content: bytes) -> tuple[Cells, list[tuple[int, Cells]], frozenset[int]]:
    _check_xlsx_archive(content)  # the caller checked already; kept here so no path opens an unchecked zip
    import openpyxl  # imported here: only XLSX uploads pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it ignores
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                # The size the sheet declares (<dimension ref="A1:XFD1048576"/>) is not trusted: openpyxl would pad
                # every row to it. Read one column past the limit, enough to tell a header that is too wide.
                sheet.reset_dimensions()
                return _collect(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), padded=True)
            finally:
                workbook.close()
    except InvalidInput:
        raise
    except Exception:  # zipfile, XML and openpyxl errors all mean the same thing to the user
        _reject_broken_xlsx()


def _cell_text(value: Any) -> str:
    """Convert a cell to clean text: integral floats without '.0' or exponent, dates as ISO, no NUL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return clean_text(str(value)).strip()


def _column_map(header: Cells) -> dict[str, Any]:
    """Map required/optional column names to their index; other columns go to ``extra``."""
    names = [_cell_text(h) for h in header]
    lowered = [n.lower() for n in names]
    repeated = sorted(n for n, count in Counter(lowered).items() if n and count > 1)
    if repeated:
        _reject(N_("Nama kolom ganda"), N_("Kolom berikut muncul lebih dari sekali: {columns}.", columns=repeated))
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        _reject(N_("Kolom wajib tidak ada"), N_("Kolom wajib tidak ditemukan: {columns}.", columns=missing))
    known = {c: lowered.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in lowered}
    extra = [(i, n or f"kolom_{i + 1}") for i, n in enumerate(names) if i not in known.values()]
    return {"known": known, "extra": extra, "width": len(names)}


# --- parsing a row ---------------------------------------------------------------------------------

def _parse_row(
    row_number: int, cells: Cells, columns: dict[str, Any], overflow: bool = False
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate one data row (its cells under the header; ``overflow``: it had more, which are ignored); return the
    contact row (or None when rejected) and its problems."""
    known = columns["known"]

    def cell(name: str) -> Any:
        return _cell_at(cells, known.get(name))

    problems: list[Problem] = []
    npwp, npwp_raw = _parse_npwp(cell("npwp"), problems)
    name = _cell_text(cell("nama"))
    if not name:
        problems.append(("error", "nama", N_("Nama wajib pajak kosong")))
    elif len(name) > MAX_NAME:
        problems.append(("error", "nama", N_("Nama wajib pajak terlalu panjang ({n} karakter; paling banyak {limit})",
                                             n=len(name), limit=MAX_NAME)))
    phones = _parse_phones(_cell_text(cell("telepon")), problems)
    kpp = _cell_text(cell("kpp"))
    if len(kpp) > MAX_KPP:
        problems.append(("error", "kpp", N_("KPP terlalu panjang ({n} karakter; paling banyak {limit})", n=len(kpp),
                                            limit=MAX_KPP)))
    if overflow:
        problems.append(("warning", "kolom", N_("Baris memiliki sel di luar kolom judul; sel tersebut diabaikan")))
    if any(kind == "error" for kind, _, _ in problems):
        return None, problems
    extra = {n: _cell_text(cells[i]) if i < len(cells) else "" for i, n in columns["extra"]}
    return {
        "row_number": row_number, "npwp": npwp, "npwp_raw": npwp_raw, "name": name, "phones": phones,
        "kpp": kpp, "extra": extra,
        "warnings": [f"{f}: {m}" for kind, f, m in problems if kind == "warning"],
    }, problems


def _cell_at(cells: Cells, index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def _parse_npwp(value: Any, problems: list[Problem]) -> tuple[str, str]:
    """Normalise an NPWP to 15/16 digits; a length/format error rejects, a check failure warns.

    Messages never repeat the NPWP: the import report is shown to every staff member, agents included.
    """
    raw = _cell_text(value)
    if len(raw) > MAX_NPWP_RAW:
        problems.append(("error", "npwp", N_("NPWP terlalu panjang ({n} karakter; paling banyak {limit})", n=len(raw),
                                             limit=MAX_NPWP_RAW)))
        return "", raw
    number = compact_npwp(raw)
    if isinstance(value, (int, float)) and 12 < len(number) < 15:
        number = number.zfill(15)  # Excel stored the NPWP as a number and dropped its leading zeros
        problems.append(("warning", "npwp", N_("NPWP tersimpan sebagai angka; nol di depan ditambahkan")))
    elif isinstance(value, (int, float)) and len(number) == 16:
        problems.append(("warning", "npwp", N_("NPWP tersimpan sebagai angka di Excel; digit terakhir bisa berubah "
                                               "(Excel hanya menyimpan 15 digit), periksa kembali")))
    if not raw:
        problems.append(("error", "npwp", N_("NPWP kosong")))
        return "", raw
    try:
        stdnum_npwp.validate(number)
    except InvalidLength:  # a subclass of InvalidFormat: catch it first
        problems.append(("error", "npwp", N_("NPWP harus 15 atau 16 digit (terbaca {n} digit)", n=len(number))))
    except InvalidFormat:
        problems.append(("error", "npwp", N_("NPWP mengandung karakter selain angka")))
    except ValidationError:
        if len(number) == 16 and number[0] != "0":
            problem = N_("NPWP {n} digit: NIK tidak valid (tanggal lahir/kode wilayah); periksa kembali", n=len(number))
        else:
            problem = N_("NPWP {n} digit: digit pemeriksa (check digit) tidak cocok; periksa kembali", n=len(number))
        problems.append(("warning", "npwp", problem))
    return number, raw


def _parse_phones(text: str, problems: list[Problem]) -> list[str]:
    """Parse ';'-separated phone numbers to E.164, dropping duplicates; no valid number rejects the row.

    Invalid numbers are named by position (and at most their last three digits), never in full.
    """
    phones: list[str] = []
    invalid: list[Text] = []
    for position, part in enumerate(filter(None, (p.strip() for p in _PHONE_SPLIT.split(text))), start=1):
        e164 = phone_e164(part)
        if e164 is None:
            invalid.append(_phone_ref(position, part))
        elif e164 not in phones:
            phones.append(e164)
    if not phones and invalid:
        listed = [N_("nomor {ref}", ref=ref) for ref in invalid[:5]]
        if len(invalid) > 5:
            problem = N_("Tidak ada nomor telepon yang valid ({numbers} dan {n} nomor lain tidak valid)",
                         numbers=listed, n=len(invalid) - 5)
        else:
            problem = N_("Tidak ada nomor telepon yang valid ({numbers} tidak valid)", numbers=listed)
        problems.append(("error", "telepon", problem))
    elif not phones:
        problems.append(("error", "telepon", N_("Nomor telepon kosong")))
    for ref in invalid if phones else []:
        problems.append(("warning", "telepon", N_("Nomor telepon {ref} tidak valid dan diabaikan", ref=ref)))
    return phones


def _phone_ref(position: int, text: str) -> Text:
    """'ke-2' or 'ke-2 berakhiran 890': the last three digits only when at least three more stay hidden."""
    digits = _NON_DIGITS.sub("", text)
    if len(digits) >= 6:
        return N_("ke-{n} berakhiran {digits}", n=position, digits=digits[-3:])
    return N_("ke-{n}", n=position)
