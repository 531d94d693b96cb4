"""Validate an uploaded target list row by row into contacts and a Laporan Penerimaan dan Pengolahan Data.

The rows are read from the file as they are validated (``target_file``) and handed to the caller in batches, so an
import of 100,000 rows holds one batch, the report's listed rows (at most MAX_LISTED of each kind) and the NPWPs
seen (for duplicates) in memory, never the file or all its rows.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.id import npwp as stdnum_npwp

from ..errors import InvalidInput
from ..i18n import N_, Text, join, localize
from .identifiers import compact_npwp, mask_npwp, mask_npwp_cell, phone_e164
from .target_file import Cells, cell_text, open_table

MAX_LISTED = 5_000  # warnings/errors (and rows with them) listed in the report; the counts are always complete
BATCH = 500  # accepted rows handed to the caller at a time: few enough that they rarely outlive the garbage
#               collector's young generations (at 2,000, full collections took a tenth of a 100,000-row import)
REQUIRED_COLUMNS = ("npwp", "nama", "telepon")
OPTIONAL_COLUMNS = ("kpp",)
_PHONE_SPLIT = re.compile(r"[;,/]")
_NON_DIGITS = re.compile(r"\D")
REPORT_NAME = 80  # characters of a taxpayer's name the import report repeats

# Column sizes of engine.models.Contact: a longer value is a row error, not a database error.
MAX_NAME = 255
MAX_KPP = 128
MAX_NPWP_RAW = 64

Problem = tuple[str, str, str]  # (kind "error"/"warning", field, message)


@dataclass(frozen=True)
class ParsedTargetList:
    """Accepted rows (ready for ``contacts.add_contacts``) and the import report."""

    rows: list[dict[str, Any]]
    report: dict[str, Any]


Store = Callable[[list[dict[str, Any]]], object]  # takes a batch of accepted rows, in row order
Progress = Callable[[int, int], None]  # (bytes of the file read, its size)


@dataclass(frozen=True)
class ImportedTargetList:
    """What an import found: the report, and the file's size and SHA-256 (read in the same pass)."""

    report: dict[str, Any]
    size: int
    sha256: str


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
    """Parse a whole target list held in memory (small files, tests); raise InvalidInput when it is rejected."""
    rows: list[dict[str, Any]] = []
    report = import_target_list(filename, io.BytesIO(content), rows.extend).report
    return ParsedTargetList(rows=rows, report=report)


def import_target_list(filename: str, source: IO[bytes], store: Store,
                       progress: Progress | None = None) -> ImportedTargetList:
    """Read and validate a target list row by row, handing the accepted rows to ``store`` in batches of BATCH
    (in row order) and telling ``progress`` after each; raise InvalidInput when the whole file must be rejected
    (possibly after some batches were stored: the caller's transaction must then store nothing)."""
    table = open_table(filename, source)
    columns = _column_map(table.header)
    report = _Report()
    batch: list[dict[str, Any]] = []
    first_row_of: dict[int, int] = {}
    for row_number, cells, overflow in table.records:
        report.rows += 1
        row, problems = _parse_row(row_number, cells, columns, overflow)
        if row is None:
            report.record(row_number, _identity(cells, columns), problems, "rejected")
            continue
        # The first row with this NPWP (15 digits and its 16-digit '0' form count as the same: as numbers they are
        # equal; an accepted NPWP is 15 or 16 ASCII digits, and an int key takes half the memory of its text).
        first = first_row_of.setdefault(int(row["npwp"]), row_number)
        if first == row_number and not problems:  # the common case, kept cheap: nothing to list
            report.accepted += 1
        else:
            identity = {"name": _report_name(row["name"]), "npwp_masked": mask_npwp(row["npwp"])}
            if first != row_number:
                problems.append(("warning", "npwp", N_("NPWP sama dengan baris {row}; baris ini tidak disimpan "
                                                       "(duplikat)", row=first)))
                report.record(row_number, identity, problems, "duplicate")
                if len(report.duplicate_rows) < MAX_LISTED:
                    report.duplicate_rows.append({"row": row_number, "duplicate_of": first, **identity})
                continue
            report.record(row_number, identity, problems, "accepted")
        batch.append(row)
        if len(batch) == BATCH:
            store(batch)
            batch = []
            if progress is not None:
                progress(table.position(), table.size)
    if not report.accepted:
        _reject(N_("Tidak ada baris yang valid dalam berkas"), _error_examples(report))
    if batch:
        store(batch)
    if progress is not None:
        progress(table.size, table.size)
    return ImportedTargetList(report.as_dict(table.source), table.size, table.sha256)


def _identity(cells: Cells, columns: dict[str, Any]) -> dict[str, str]:
    """Name and masked NPWP of a rejected row, from its cells as they are (UU PDP: never the full NPWP)."""
    known = columns["known"]
    return {"name": _report_name(cell_text(_cell_at(cells, known.get("nama")))),
            "npwp_masked": mask_npwp_cell(cell_text(_cell_at(cells, known.get("npwp"))))}


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


def _column_map(header: Cells) -> dict[str, Any]:
    """Map required/optional column names to their index; other columns go to ``extra``."""
    names = [cell_text(h) for h in header]
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
    known = columns["known"]  # the cells come padded to the header's width: every index is there
    problems: list[Problem] = []
    npwp, npwp_raw = _parse_npwp(cells[known["npwp"]], problems)
    name = cell_text(cells[known["nama"]])
    if not name:
        problems.append(("error", "nama", N_("Nama wajib pajak kosong")))
    elif len(name) > MAX_NAME:
        problems.append(("error", "nama", N_("Nama wajib pajak terlalu panjang ({n} karakter; paling banyak {limit})",
                                             n=len(name), limit=MAX_NAME)))
    phones = _parse_phones(cell_text(cells[known["telepon"]]), problems)
    kpp = cell_text(cells[known["kpp"]]) if "kpp" in known else ""
    if len(kpp) > MAX_KPP:
        problems.append(("error", "kpp", N_("KPP terlalu panjang ({n} karakter; paling banyak {limit})", n=len(kpp),
                                            limit=MAX_KPP)))
    if overflow:
        problems.append(("warning", "kolom", N_("Baris memiliki sel di luar kolom judul; sel tersebut diabaikan")))
    if problems and any(kind == "error" for kind, _, _ in problems):
        return None, problems
    return {
        "row_number": row_number, "npwp": npwp, "npwp_raw": npwp_raw, "name": name, "phones": phones,
        "kpp": kpp, "extra": {n: cell_text(cells[i]) for i, n in columns["extra"]},
        "warnings": [f"{f}: {m}" for kind, f, m in problems if kind == "warning"] if problems else [],
    }, problems


def _cell_at(cells: Cells, index: int | None) -> Any:
    return cells[index] if index is not None and index < len(cells) else None


def _parse_npwp(value: Any, problems: list[Problem]) -> tuple[str, str]:
    """Normalise an NPWP to 15/16 digits; a length/format error rejects, a check failure warns.

    Messages never repeat the NPWP: the import report is shown to every staff member, agents included.
    """
    raw = cell_text(value)
    if len(raw) > MAX_NPWP_RAW:
        problems.append(("error", "npwp", N_("NPWP terlalu panjang ({n} karakter; paling banyak {limit})", n=len(raw),
                                             limit=MAX_NPWP_RAW)))
        return "", raw
    number = raw if raw.isdigit() else compact_npwp(raw)  # most NPWPs come as bare digits: nothing to strip
    numeric = isinstance(value, (int, float))
    if numeric and 12 < len(number) < 15:
        number = number.zfill(15)  # Excel stored the NPWP as a number and dropped its leading zeros
        problems.append(("warning", "npwp", N_("NPWP tersimpan sebagai angka; nol di depan ditambahkan")))
    elif numeric and len(number) == 16:
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
    for position, part in enumerate(filter(None, map(str.strip, _PHONE_SPLIT.split(text))), start=1):
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
