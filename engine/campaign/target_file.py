"""Recognise an uploaded target list by its content and read its rows one at a time (streamed).

Offices send what their tools write: CSV in UTF-8 (with or without BOM), Windows-1252 or Latin-1, separated by
commas, semicolons or tabs, and workbooks whose name does not say what they are. The content decides (an XLSX is
a ZIP, a legacy .xls an OLE2 compound file, anything else is read as CSV); the name is only used in messages.

The file is never held in memory: one pass in chunks finds its size, SHA-256 and (for a CSV) its encoding, then
the rows are read from the file as the caller asks for them (CSV through a text stream, XLSX through openpyxl's
read-only mode), so memory does not grow with the number of rows.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any, NoReturn

import charset_normalizer

from ..errors import InvalidInput
from ..i18n import N_, Count
from ..inputs import clean_text

MAX_ROWS = 200_000
MAX_COLUMNS = 200  # of the header row: a target list has a handful; every check below is linear in the width
REQUIRED_COLUMNS = ("npwp", "nama", "telepon")

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
DETECTION_SAMPLE = 64 * 1024  # bytes of non-ASCII lines given to charset-normalizer; characters of the head
CHUNK = 1024 * 1024  # bytes read at a time
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)  # Excel's "sep=;" first line names the delimiter
SNIFF_ROWS = 50

Cells = list[Any]
Record = tuple[int, Cells, bool]  # (spreadsheet row number, its cells padded or cut to the header's width, had
#                                   cells beyond it)


@dataclass(frozen=True)
class Table:
    """A target list being read: its header, its non-blank data rows as an iterator (read once), how it was read
    (shown on the import report) and what the first pass found."""

    header: Cells
    records: Iterator[Record]
    source: dict[str, str]
    size: int  # bytes
    sha256: str
    position: Callable[[], int]  # bytes of the file read so far (for progress)


@dataclass(frozen=True)
class _Scan:
    """What one pass over the file in chunks finds."""

    size: int
    sha256: str
    head: bytes  # the first DETECTION_SAMPLE bytes
    blank: bool  # only whitespace
    utf8: bool  # valid UTF-8 throughout
    encrypted: bool  # an OLE2 file holding an encrypted Office package
    sample: bytes  # lines holding non-ASCII bytes (see _non_ascii_sample)


def open_table(filename: str, source: IO[bytes]) -> Table:
    """Recognise the file by its content (not its name) and start reading its rows; InvalidInput when the whole file
    must be rejected (also raised later, while iterating ``records``, by what only the rows show)."""
    shown = filename if len(filename) <= 80 else filename[:79] + "…"
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    scan = _scan(source)
    if scan.blank:
        _reject(N_("Berkas kosong"), N_("Berkas '{name}' tidak berisi data.", name=shown))
    if scan.head.startswith(OLE2_MAGIC):
        _reject_ole2(shown, scan.encrypted)
    if scan.head.startswith(ZIP_MAGIC):
        _check_workbook_archive(shown, source)
        header, records = _read_xlsx(source)
        return Table(header, records, {"format": "xlsx", "extension": extension}, scan.size, scan.sha256, source.tell)
    encoding, errors, name = _encoding(scan)
    return _read_csv(shown, extension, source, scan, encoding, errors, name)


def _scan(source: IO[bytes]) -> _Scan:
    """One pass over the file in chunks: size, SHA-256, head, UTF-8 validity and the non-ASCII sample."""
    source.seek(0)
    digest, size, blank, utf8, encrypted = hashlib.sha256(), 0, True, True, False
    head, sample, carry = b"", b"", b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        if not head:
            head = chunk[:DETECTION_SAMPLE]
        size += len(chunk)
        blank = blank and not chunk.strip()
        if head.startswith(OLE2_MAGIC):
            encrypted = encrypted or OLE2_ENCRYPTED in carry + chunk
            carry = chunk[-len(OLE2_ENCRYPTED):]
            continue
        if head.startswith(ZIP_MAGIC):
            continue
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if len(sample) < DETECTION_SAMPLE:
            sample += _non_ascii_sample(chunk, DETECTION_SAMPLE - len(sample))
    if utf8 and not head.startswith(ZIP_MAGIC + (OLE2_MAGIC,)):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    source.seek(0)
    return _Scan(size, digest.hexdigest(), head, blank, utf8, encrypted, sample)


def _reject(message: str, detail: str) -> NoReturn:
    raise InvalidInput(message, fields={"file": detail})


def _reject_ole2(shown: str, encrypted: bool) -> NoReturn:
    """An OLE2 compound file: an Excel 97-2003 workbook, or an .xlsx protected with a password."""
    if encrypted:
        _reject(N_("Berkas Excel dilindungi kata sandi"),
                N_("Berkas '{name}' dienkripsi dengan kata sandi sehingga tidak dapat dibaca. Buka di Excel, hapus "
                   "kata sandinya (File › Info › Protect Workbook › Encrypt with Password), simpan sebagai .xlsx atau "
                   ".csv, lalu unggah kembali.", name=shown))
    _reject(N_("Format Excel 97-2003 (.xls) tidak didukung"),
            N_("Berkas '{name}' adalah lembar kerja Excel 97-2003 (.xls). Buka di Excel lalu simpan ulang sebagai "
               "Excel Workbook (.xlsx) atau CSV UTF-8 (.csv), kemudian unggah kembali.", name=shown))


def _check_workbook_archive(shown: str, source: IO[bytes]) -> None:
    """A ZIP is read only when it is an XLSX: after the size checks, look at the parts it holds."""
    names = set(_check_xlsx_archive(source))
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


# --- CSV -----------------------------------------------------------------------------------------------------

def _encoding(scan: _Scan) -> tuple[str, str, str]:
    """How to decode a CSV: UTF-8 whenever it is valid, else the legacy encoding charset-normalizer finds.

    Returns the codec, its error handler and the encoding's name for the report.
    """
    if scan.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text"
        return "utf-16", "strict", "UTF-16"
    bom = scan.head.startswith(codecs.BOM_UTF8)
    if scan.utf8:
        return "utf-8-sig", "strict", "UTF-8 (BOM)" if bom else "UTF-8"
    utf8_bytes = sum(len(sequence) for sequence in _UTF8_SEQUENCE.findall(scan.sample))
    if bom or 2 * utf8_bytes >= len(_HIGH_BYTE.findall(scan.sample)) > 0:
        # Mostly UTF-8, with a few bytes an older program wrote as Windows-1252 (a name pasted in): decode each
        # part as what it is instead of turning every UTF-8 letter into two Windows-1252 ones.
        return "utf-8-sig", "klip-cp1252", N_("UTF-8 (sebagian Windows-1252)")
    # charset-normalizer tells Windows-1252 from Latin-1 (C1 control characters are "mess" to it). Its mess
    # threshold also turns down real names on short samples ("Bödi Ñoño"), so no answer is not taken as
    # "not text": Windows-1252 is then read (Latin-1 letters are the same bytes) and the control
    # characters decide whether the file is text at all.
    best = charset_normalizer.from_bytes(scan.sample, cp_isolation=list(LEGACY_ENCODINGS)).best()
    encoding = best.encoding if best is not None and best.encoding in LEGACY_ENCODINGS else "cp1252"
    # Windows reads the 5 bytes Windows-1252 leaves undefined as Latin-1, and so does the error handler.
    return encoding, "klip-cp1252", ENCODING_NAMES[encoding]


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


def _non_ascii_sample(content: bytes, limit: int = DETECTION_SAMPLE) -> bytes:
    """The lines holding non-ASCII bytes (at most 400 bytes around each), up to ``limit`` bytes.

    What tells encodings apart may sit anywhere in a large file; ASCII lines say nothing.
    """
    parts: list[bytes] = []
    size, position = 0, 0
    while size < limit and (found := _HIGH_BYTE.search(content, position)):
        start = max(content.rfind(b"\n", max(found.start() - 200, 0), found.start()) + 1, found.start() - 200)
        end = content.find(b"\n", found.end(), found.end() + 200)
        end = min(len(content), found.end() + 200) if end < 0 else end
        parts.append(content[start:end])
        size += end - start + 1
        position = end
    return b"\n".join(parts) + (b"\n" if parts else b"")


def _read_csv(shown: str, extension: str, source: IO[bytes], scan: _Scan, encoding: str, errors: str,
              name: str) -> Table:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace" if errors == "strict" else errors)
    head = decoder.decode(scan.head)
    if errors != "strict" and _is_binary(head[:DETECTION_SAMPLE]):  # a guessed encoding: is it text at all?
        _reject_encoding()
    head = clean_text(head)
    if head.lstrip().startswith("<"):
        _reject(N_("Format berkas tidak didukung"),
                N_("Berkas '{name}' berisi HTML atau XML (mis. hasil ekspor 'Excel' dari aplikasi web), bukan "
                   ".csv atau .xlsx. Buka berkas di Excel lalu simpan sebagai Excel Workbook (.xlsx) atau CSV UTF-8.",
                   name=shown))
    declared = _SEP_LINE.match(head)
    delimiter = declared.group(1) if declared else _choose_delimiter(head[declared.end() if declared else 0:])
    line_end = head.find("\n")
    if extension in EXCEL_EXTENSIONS and delimiter not in (head[:line_end] if line_end >= 0 else head):
        _reject(N_("Berkas XLSX rusak atau tidak dapat dibaca"),
                N_("Berkas '{name}' bukan lembar kerja Excel (.xlsx) yang valid dan isinya juga bukan tabel CSV.",
                   name=shown))
    lines = _text_lines(source, encoding, errors, skip_first=declared is not None)
    header, records = _collect(_csv_rows(lines, delimiter))
    source_info = {"format": "csv", "extension": extension, "encoding": name, "delimiter": delimiter}
    return Table(header, records, source_info, scan.size, scan.sha256, source.tell)


def _text_lines(source: IO[bytes], encoding: str, errors: str, skip_first: bool) -> Iterator[str]:
    """The file's lines as text without NUL characters; the file stays open for its owner."""
    text = io.TextIOWrapper(source, encoding=encoding, errors=errors, newline="")
    try:
        if skip_first:
            text.readline()
        for line in text:
            yield line.replace("\x00", "") if "\x00" in line else line  # clean_text, inlined: once per line
    except UnicodeDecodeError:
        _reject_encoding()
    finally:
        if not text.closed:  # the owner may have closed the file already (a rejected file's rows left unread)
            text.detach()


def _csv_rows(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(lines, delimiter=delimiter)
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

    return max((",", ";", "\t", "|"), key=score)


# --- rows ------------------------------------------------------------------------------------------------------

def _collect(table: Iterable[Sequence[Any]], padded: bool = False) -> tuple[Cells, Iterator[Record]]:
    """Read the header (checked at once) and return it with the non-blank data rows still to read, each cut to the
    header's width (cells beyond it only mark the row); reading stops as soon as the row limit is exceeded.
    Linear in the cells read.

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
    if not any(cell_text(c) for c in header):
        _reject(N_("Berkas kosong"), N_("Baris judul (baris 1) kosong atau tidak ditemukan."))
    return header, _records(rows, len(header))


def _records(rows: Iterator[Sequence[Any]], width: int) -> Iterator[Record]:
    count = 0
    blank: Sequence[Any] | None = None  # openpyxl hands out one shared row for every missing row
    for row_number, cells in enumerate(rows, start=2):
        if cells is blank or not _has_text(cells):
            blank = cells
            continue
        count += 1
        if count > MAX_ROWS:
            _reject(N_("Berkas terlalu besar"), N_("Berkas berisi lebih dari {n} baris data.", n=Count(MAX_ROWS)))
        if len(cells) == width and isinstance(cells, list):  # the common CSV row: csv.reader's own new list
            yield row_number, cells, False
            continue
        row = list(cells[:width])
        if len(row) < width:  # a short CSV row: the missing cells are empty
            row += [None] * (width - len(row))
        yield row_number, row, len(cells) > width and _has_text(cells[width:])


def _has_text(cells: Sequence[Any]) -> bool:
    """Whether any cell holds text (``cell_text`` not empty), at C speed for a row of text cells of any width."""
    first = cells[0] if cells else None
    if isinstance(first, str) and "\x00" not in first and first.strip():  # most rows: the first cell holds text
        return True
    if cells.count(None) + cells.count("") == len(cells):  # a blank row, or openpyxl's padding
        return False
    try:
        return bool(clean_text("".join(cells)).strip())  # CSV: strings only
    except TypeError:  # numbers, dates (XLSX): at most MAX_COLUMNS + 1 cells
        return any(cell_text(c) for c in cells)


def cell_text(value: Any) -> str:
    """Convert a cell to clean text: integral floats without '.0' or exponent, dates as ISO, no NUL."""
    if isinstance(value, str):  # nearly every cell: clean_text inlined (called for each cell of every row)
        return (value.replace("\x00", "") if "\x00" in value else value).strip()
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


# --- XLSX ------------------------------------------------------------------------------------------------------

def _check_xlsx_archive(source: IO[bytes]) -> list[str]:
    """Reject an XLSX that is not a zip, or whose content would inflate far beyond a real target list.

    Returns the names of the archive's members. Every upload that starts like a ZIP passes here first.
    """
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
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


def _read_xlsx(source: IO[bytes]) -> tuple[Cells, Iterator[Record]]:
    """The first sheet's header and rows, read by openpyxl in read-only mode (row by row from the zip)."""
    _check_xlsx_archive(source)  # the caller checked already; kept here so no path opens an unchecked zip
    import openpyxl  # imported here: only XLSX uploads pay for it

    source.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it ignores
            workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The size the sheet declares (<dimension ref="A1:XFD1048576"/>) is not trusted: openpyxl would pad
        # every row to it. Read one column past the limit, enough to tell a header that is too wide.
        sheet.reset_dimensions()
        rows = _xlsx_rows(workbook, sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
        return _collect(rows, padded=True)
    except InvalidInput:
        raise
    except Exception:  # zipfile, XML and openpyxl errors all mean the same thing to the user
        _reject_broken_xlsx()


def _xlsx_rows(workbook: Any, rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows as openpyxl reads them; a broken part found on the way rejects the file; the workbook is closed
    when the rows end or the reading stops."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield from rows
    except InvalidInput:
        raise
    except Exception:
        _reject_broken_xlsx()
    finally:
        workbook.close()
