"""Parse an uploaded target list (CSV/XLSX) into contact rows and a Laporan Penerimaan dan Pengolahan Data."""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, NoReturn

import phonenumbers
from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.id import npwp as stdnum_npwp

from ..errors import InvalidInput
from ..inputs import clean_text

MAX_ROWS = 200_000
MAX_LISTED = 5_000  # warnings/errors listed in the report; the counts are always complete
REQUIRED_COLUMNS = ("npwp", "nama", "telepon")
OPTIONAL_COLUMNS = ("kpp",)
DELIMITERS = (",", ";", "\t")
_PHONE_SPLIT = re.compile(r"[;,/]")
_PHONE_PUNCT = re.compile(r"[\s\-.()]")
_NPWP_SEPARATORS = re.compile(r"[\s.\-]")
_MOBILE = re.compile(r"^(?:\+62|0)?(8\d{7,11})$")
_NON_DIGITS = re.compile(r"\D")

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

Cells = list[Any]


@dataclass(frozen=True)
class ParsedTargetList:
    """Accepted rows (ready for ``contacts.add_contacts``) and the import report."""

    rows: list[dict[str, Any]]
    report: dict[str, Any]


@dataclass
class _Report:
    """Accumulates the Laporan Penerimaan dan Pengolahan Data while rows are parsed."""

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    error_count: int = 0
    duplicate_rows: list[dict[str, int]] = field(default_factory=list)

    def warn(self, row: int, field_name: str, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append({"row": row, "field": field_name, "message": message})

    def error(self, row: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append({"row": row, "field": field_name, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "accepted": self.accepted, "rejected": self.rejected,
            "duplicates": self.duplicates, "warnings": self.warnings, "errors": self.errors,
            "warning_count": self.warning_count, "error_count": self.error_count,
            "duplicate_rows": self.duplicate_rows,
        }


def parse_target_list(filename: str, content: bytes) -> ParsedTargetList:
    """Parse a target list; raise InvalidInput when the whole file must be rejected."""
    header, records = _read_table(filename, content)
    columns = _column_map(header)
    report = _Report()
    rows: list[dict[str, Any]] = []
    first_row_of: dict[str, int] = {}
    for row_number, cells in records:
        report.rows += 1
        row, problems = _parse_row(row_number, cells, columns)
        for kind, field_name, message in problems:
            (report.error if kind == "error" else report.warn)(row_number, field_name, message)
        if row is None:
            report.rejected += 1
        elif _is_duplicate(row, first_row_of, report):
            continue
        else:
            report.accepted += 1
            rows.append(row)
    if not rows:
        _reject("Tidak ada baris yang valid dalam berkas", _error_examples(report))
    return ParsedTargetList(rows=rows, report=report.as_dict())


def _is_duplicate(row: dict[str, Any], first_row_of: dict[str, int], report: _Report) -> bool:
    """Record a repeated NPWP (15 digits and its 16-digit '0' form count as the same)."""
    key = row["npwp"][1:] if len(row["npwp"]) == 16 and row["npwp"].startswith("0") else row["npwp"]
    first = first_row_of.setdefault(key, row["row_number"])
    if first == row["row_number"]:
        return False
    report.duplicates += 1
    if len(report.duplicate_rows) < MAX_LISTED:
        report.duplicate_rows.append({"row": row["row_number"], "duplicate_of": first})
    report.warn(row["row_number"], "npwp", f"NPWP sama dengan baris {first}; baris ini tidak disimpan (duplikat)")
    return True


def _error_examples(report: _Report) -> str:
    examples = "; ".join(f"baris {e['row']} ({e['field']}): {e['message']}" for e in report.errors[:3])
    if report.rows == 0:
        return "Berkas tidak berisi baris data di bawah baris judul."
    return f"Semua {report.rows} baris ditolak atau duplikat. Contoh kesalahan: {examples}"


def _reject(message: str, detail: str) -> NoReturn:
    raise InvalidInput(message, fields={"file": detail})


# --- reading the file ------------------------------------------------------------------------------

def _read_table(filename: str, content: bytes) -> tuple[Cells, list[tuple[int, Cells]]]:
    """Return the header and the non-blank data rows with their spreadsheet row numbers."""
    extension = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if extension not in ("csv", "xlsx"):
        _reject("Format berkas tidak didukung", f"Berkas '{filename}' bukan .csv atau .xlsx.")
    if not content.strip():
        _reject("Berkas kosong", f"Berkas '{filename}' tidak berisi data.")
    return _read_csv(content) if extension == "csv" else _read_xlsx(content)


def _collect(table: Iterable[Sequence[Any]]) -> tuple[Cells, list[tuple[int, Cells]]]:
    """Split header and non-blank data rows; stop as soon as the row limit is exceeded."""
    rows = iter(table)
    header = list(next(rows, []))
    if not any(_cell_text(c) for c in header):
        _reject("Berkas kosong", "Baris judul (baris 1) kosong atau tidak ditemukan.")
    records: list[tuple[int, Cells]] = []
    for row_number, cells in enumerate(rows, start=2):
        if any(_cell_text(c) for c in cells):
            records.append((row_number, list(cells)))
            if len(records) > MAX_ROWS:
                _reject("Berkas terlalu besar", f"Berkas berisi lebih dari {MAX_ROWS:_} baris data.".replace("_", "."))
    return header, records


def _read_csv(content: bytes) -> tuple[Cells, list[tuple[int, Cells]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _reject("Berkas CSV tidak dapat dibaca", "Berkas CSV harus berpenyandian (encoding) UTF-8.")
    text = clean_text(text)
    first_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    try:
        return _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        _reject("Berkas CSV rusak", f"Berkas CSV tidak dapat dibaca: {exc}.")


def _check_xlsx_archive(content: bytes) -> None:
    """Reject an XLSX that is not a zip, or whose content would inflate far beyond a real target list."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except Exception:  # BadZipFile, and the OSError/ValueError/EOFError of a truncated or forged directory
        _reject("Berkas XLSX rusak atau tidak dapat dibaca", "Berkas bukan lembar kerja Excel (.xlsx) yang valid.")
    advice = "Pecah daftar menjadi beberapa berkas atau simpan sebagai CSV."
    total = 0
    for member in members:
        name = member.filename[:80]
        if member.file_size > MAX_XLSX_MEMBER:
            _reject("Berkas XLSX terlalu besar",
                    f"Bagian '{name}' dalam berkas XLSX berukuran {_mb(member.file_size)} MB setelah diekstrak; "
                    f"paling banyak {_mb(MAX_XLSX_MEMBER)} MB per bagian. {advice}")
        if member.file_size > XLSX_RATIO_FROM and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            _reject("Berkas XLSX tidak wajar",
                    f"Bagian '{name}' dalam berkas XLSX terkompresi lebih dari {MAX_XLSX_RATIO}:1, jauh di atas "
                    "lembar kerja biasa (kemungkinan 'zip bomb'); berkas tidak diproses.")
        total += member.file_size
        if total > MAX_XLSX_TOTAL:
            _reject("Berkas XLSX terlalu besar",
                    f"Isi berkas XLSX berukuran lebih dari {_mb(MAX_XLSX_TOTAL)} MB setelah diekstrak. {advice}")


def _mb(size: int) -> str:
    """Whole megabytes, rounded up, with the Indonesian thousands separator."""
    return f"{-(-size // MB):,}".replace(",", ".")


def _read_xlsx(content: bytes) -> tuple[Cells, list[tuple[int, Cells]]]:
    _check_xlsx_archive(content)
    import openpyxl  # imported here: only XLSX uploads pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it ignores
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                return _collect(workbook.worksheets[0].iter_rows(values_only=True))
            finally:
                workbook.close()
    except InvalidInput:
        raise
    except Exception:  # zipfile, XML and openpyxl errors all mean the same thing to the user
        _reject("Berkas XLSX rusak atau tidak dapat dibaca", "Berkas bukan lembar kerja Excel (.xlsx) yang valid.")


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
    repeated = sorted({n for n in lowered if n and lowered.count(n) > 1})
    if repeated:
        _reject("Nama kolom ganda", "Kolom berikut muncul lebih dari sekali: " + ", ".join(repeated) + ".")
    missing = [c for c in REQUIRED_COLUMNS if c not in lowered]
    if missing:
        _reject("Kolom wajib tidak ada", "Kolom wajib tidak ditemukan: " + ", ".join(missing) + ".")
    known = {c: lowered.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in lowered}
    extra = [(i, n or f"kolom_{i + 1}") for i, n in enumerate(names) if i not in known.values()]
    return {"known": known, "extra": extra, "width": len(names)}


# --- parsing a row ---------------------------------------------------------------------------------

Problem = tuple[str, str, str]  # (kind "error"/"warning", field, message)


def _parse_row(
    row_number: int, cells: Cells, columns: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Validate one data row; return the contact row (or None when rejected) and its problems."""
    known = columns["known"]

    def cell(name: str) -> Any:
        return _cell_at(cells, known.get(name))

    problems: list[Problem] = []
    npwp, npwp_raw = _parse_npwp(cell("npwp"), problems)
    name = _cell_text(cell("nama"))
    if not name:
        problems.append(("error", "nama", "Nama wajib pajak kosong"))
    elif len(name) > MAX_NAME:
        problems.append(("error", "nama", f"Nama wajib pajak terlalu panjang ({len(name)} karakter; "
                         f"paling banyak {MAX_NAME})"))
    phones = _parse_phones(_cell_text(cell("telepon")), problems)
    kpp = _cell_text(cell("kpp"))
    if len(kpp) > MAX_KPP:
        problems.append(("error", "kpp", f"KPP terlalu panjang ({len(kpp)} karakter; paling banyak {MAX_KPP})"))
    if len(cells) > columns["width"] and any(_cell_text(c) for c in cells[columns["width"]:]):
        problems.append(("warning", "kolom", "Baris memiliki sel di luar kolom judul; sel tersebut diabaikan"))
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
        problems.append(("error", "npwp", f"NPWP terlalu panjang ({len(raw)} karakter; paling banyak {MAX_NPWP_RAW})"))
        return "", raw
    number = _NPWP_SEPARATORS.sub("", raw)  # what stdnum's compact() strips, without its slow unicode pass
    if isinstance(value, (int, float)) and 12 < len(number) < 15:
        number = number.zfill(15)  # Excel stored the NPWP as a number and dropped its leading zeros
        problems.append(("warning", "npwp", "NPWP tersimpan sebagai angka; nol di depan ditambahkan"))
    elif isinstance(value, (int, float)) and len(number) == 16:
        problems.append(("warning", "npwp", "NPWP tersimpan sebagai angka di Excel; digit terakhir "
                         "bisa berubah (Excel hanya menyimpan 15 digit), periksa kembali"))
    if not raw:
        problems.append(("error", "npwp", "NPWP kosong"))
        return "", raw
    try:
        stdnum_npwp.validate(number)
    except InvalidLength:  # a subclass of InvalidFormat: catch it first
        problems.append(("error", "npwp", f"NPWP harus 15 atau 16 digit (terbaca {len(number)} digit)"))
    except InvalidFormat:
        problems.append(("error", "npwp", "NPWP mengandung karakter selain angka"))
    except ValidationError:
        what = "NIK tidak valid (tanggal lahir/kode wilayah)" if len(number) == 16 and number[0] != "0" \
            else "digit pemeriksa (check digit) tidak cocok"
        problems.append(("warning", "npwp", f"NPWP {len(number)} digit: {what}; periksa kembali"))
    return number, raw


def _parse_phones(text: str, problems: list[Problem]) -> list[str]:
    """Parse ';'-separated phone numbers to E.164, dropping duplicates; no valid number rejects the row.

    Invalid numbers are named by position (and at most their last three digits), never in full.
    """
    phones: list[str] = []
    invalid: list[str] = []
    for position, part in enumerate(filter(None, (p.strip() for p in _PHONE_SPLIT.split(text))), start=1):
        e164 = phone_e164(part)
        if e164 is None:
            invalid.append(_phone_ref(position, part))
        elif e164 not in phones:
            phones.append(e164)
    if not phones and invalid:
        listed = ", ".join(f"nomor {ref}" for ref in invalid[:5])
        listed += f" dan {len(invalid) - 5} nomor lain" if len(invalid) > 5 else ""
        problems.append(("error", "telepon", f"Tidak ada nomor telepon yang valid ({listed} tidak valid)"))
    elif not phones:
        problems.append(("error", "telepon", "Nomor telepon kosong"))
    for ref in invalid if phones else []:
        problems.append(("warning", "telepon", f"Nomor telepon {ref} tidak valid dan diabaikan"))
    return phones


def _phone_ref(position: int, text: str) -> str:
    """'ke-2' or 'ke-2 berakhiran 890': the last three digits only when at least three more stay hidden."""
    digits = _NON_DIGITS.sub("", text)
    return f"ke-{position} berakhiran {digits[-3:]}" if len(digits) >= 6 else f"ke-{position}"


def phone_e164(text: str) -> str | None:
    """Return the E.164 form of an Indonesian (or international) number, or None when invalid."""
    mobile = _MOBILE.match(_PHONE_PUNCT.sub("", text))
    if mobile:  # fast path for the common case; same result as phonenumbers.parse, 4x faster
        number = phonenumbers.PhoneNumber(country_code=62, national_number=int(mobile.group(1)))
        if phonenumbers.is_valid_number(number):
            return f"+62{mobile.group(1)}"
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
