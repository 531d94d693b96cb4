"""Import of a target list (issue 12, item 5): 100,000 rows of CSV and of XLSX through the service the web upload
calls (``create_campaign``: read, validate, insert, start the SOP, commit), against the validation libraries alone
on the same rows (no file, no database), measured side by side in one run; and the peak memory of each import in a
fresh process for several row counts.

``python -m benchmarks.imports`` prints the section of docs/benchmarks.md; ``run(workdir)`` returns the two goals
with that section (``benchmarks.run`` writes the report).
"""
from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import phonenumbers
from stdnum.exceptions import ValidationError
from stdnum.id import npwp as stdnum_npwp

from engine.campaign import create_campaign
from engine.context import Context
from engine.demo import DEMO_UNIT_OF, DEMO_USERS, sample_target_list, seed_units
from engine.migrate import upgrade
from engine.process import deploy
from engine.settings import Settings
from engine.users import Profile, create_user

ROWS = int(os.environ.get("KLIP_BENCH_IMPORT_ROWS", "100000"))
REPEAT = int(os.environ.get("KLIP_BENCH_IMPORT_REPEAT", "5"))
# XLSX (14 s an import, far off its goal) and the libraries used plainly (a comparison, no goal) take part in the first
# rounds only, interleaved as the others: the whole `make bench` must stay under 10 minutes.
FEWER = min(REPEAT, 3)
MEMORY_ROWS = tuple(int(n) for n in os.environ.get("KLIP_BENCH_IMPORT_MEMORY_ROWS", "10000,100000").split(",")
                    if n)
GOAL = 2.0
MOBILE = re.compile(r"^(?:\+62|0)?(8[0-9]{7,11})$")  # the import's own fast path (engine.campaign.identifiers)
PUNCT = re.compile(r"[\s\-.()]")


# --- files --------------------------------------------------------------------------------------------------

def write_files(folder: pathlib.Path, rows: int) -> tuple[pathlib.Path, pathlib.Path]:
    """The demo's target list of ``rows`` rows (a fifth with a second, landline number; 3 bad rows) as CSV, and
    as an XLSX written by openpyxl (texts inline in the sheet; Excel would put them in a shared-strings table).
    Written once per size and folder (every part of the step reads the same files)."""
    import openpyxl

    csv_path, xlsx_path = folder / f"sasaran-{rows}.csv", folder / f"sasaran-{rows}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        return csv_path, xlsx_path
    content = sample_target_list(rows, bad_rows=True)
    csv_path.write_bytes(content)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for cells in csv.reader(io.StringIO(content.decode())):
        sheet.append(cells)
    workbook.save(xlsx_path)
    return csv_path, xlsx_path


def validation_inputs(csv_path: pathlib.Path) -> list[tuple[str, list[tuple[int | None, str]]]]:
    """Each row's NPWP (compact) and phone numbers, prepared outside the timing: (national mobile number or None,
    text) per number, as the import splits and recognises them."""
    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8"))))[1:]
    prepared = []
    for row in rows:
        phones = []
        for part in filter(None, (p.strip() for p in re.split(r"[;,/]", row[2]))):
            mobile = MOBILE.match(PUNCT.sub("", part))
            phones.append((int(mobile.group(1)) if mobile else None, part))
        prepared.append((re.sub(r"[\s.\-]", "", row[0]), phones))
    return prepared


def validate_only(prepared: list[tuple[str, list[tuple[int | None, str]]]]) -> None:
    """The floor: the validation libraries' calls the import makes for every row, and nothing else — stdnum's
    NPWP check, phonenumbers' validity check of each number (``parse`` + ``format_number`` where the import parses:
    numbers that are not plain mobile numbers)."""
    for npwp, phones in prepared:
        try:
            stdnum_npwp.validate(npwp)
        except ValidationError:
            pass
        for national, text in phones:
            if national is not None and phonenumbers.is_valid_number(
                    phonenumbers.PhoneNumber(country_code=62, national_number=national)):
                continue
            try:
                number = phonenumbers.parse(text, "ID")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_plainly(prepared: list[tuple[str, list[tuple[int | None, str]]]]) -> None:
    """For comparison: the libraries as their documentation uses them (``parse`` + ``is_valid_number`` for every
    number)."""
    for npwp, phones in prepared:
        try:
            stdnum_npwp.validate(npwp)
        except ValidationError:
            pass
        for _, text in phones:
            try:
                phonenumbers.is_valid_number(phonenumbers.parse(text, "ID"))
            except phonenumbers.NumberParseException:
                pass


# --- the database ----------------------------------------------------------------------------------------------

def template_database(folder: pathlib.Path) -> pathlib.Path:
    """A migrated SQLite database with the models deployed and the demo users: copied for every run."""
    path = folder / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    ctx = Context.from_settings(Settings(database_url=url))
    deploy(ctx, "system", system=True)
    seed_units(ctx)
    for username, full_name, roles in DEMO_USERS:
        create_user(ctx, username, roles, profile=Profile(full_name, unit=DEMO_UNIT_OF.get(username)))
    ctx.engine.dispose()
    return path


def fresh_database(template: pathlib.Path, path: pathlib.Path) -> Context:
    path.unlink(missing_ok=True)
    shutil.copyfile(template, path)
    return Context.from_settings(Settings(database_url=f"sqlite:///{path}"))


def import_file(ctx: Context, path: pathlib.Path) -> dict[str, Any]:
    with path.open("rb") as source:
        view = create_campaign(ctx, "unit", path.name, source, f"Bench {path.name}", "")
    return view.import_report


# --- timing ----------------------------------------------------------------------------------------------------

def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure_times(folder: pathlib.Path, template: pathlib.Path) -> dict[str, dict[str, list[float]]]:
    """REPEAT rounds of floor and CSV import (the first FEWER also XLSX import and plain library use), interleaved
    (the machine is shared: whatever load there is falls on all of them alike). Each import goes into a fresh copy
    of the database."""
    csv_path, xlsx_path = write_files(folder, ROWS)
    prepared = validation_inputs(csv_path)
    runs: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in ("floor", "csv", "xlsx", "plain")}
    database = folder / "times.db"

    def once(kind: str) -> None:
        if kind == "floor":
            wall, cpu = timed(lambda: validate_only(prepared))
        elif kind == "plain":
            wall, cpu = timed(lambda: validate_plainly(prepared))
        else:
            ctx = fresh_database(template, database)
            wall, cpu = timed(lambda: import_file(ctx, csv_path if kind == "csv" else xlsx_path))
            ctx.engine.dispose()
        runs[kind]["wall"].append(wall)
        runs[kind]["cpu"].append(cpu)

    once("floor")  # warm-up: imports, caches, phonenumbers' metadata; not counted
    for kind in runs:
        runs[kind] = {"wall": [], "cpu": []}
    for round_ in range(REPEAT):
        for kind in ("floor", "csv", "xlsx", "plain") if round_ < FEWER else ("floor", "csv"):
            once(kind)
    return runs


def measure_breakdown(folder: pathlib.Path) -> dict[str, dict[str, float]]:
    """Where an import's time goes, in CPU seconds of one run each (no database): the file's rows read, and read
    and validated (the report built, the accepted rows handed to a store that keeps nothing)."""
    from engine.campaign.target_file import open_table
    from engine.campaign.target_list import import_target_list

    out: dict[str, dict[str, float]] = {}
    for kind, path in zip(("csv", "xlsx"), write_files(folder, ROWS), strict=True):
        with path.open("rb") as source:
            read = timed(lambda: sum(1 for _ in open_table(path.name, source).records))[1]  # noqa: B023
        with path.open("rb") as source:
            validated = timed(lambda: import_target_list(path.name, source, lambda rows: None))[1]  # noqa: B023
        out[kind] = {"read": read, "validated": validated}
    return out


# --- memory ----------------------------------------------------------------------------------------------------

def rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process from /proc, in MB. Not getrusage's ru_maxrss: Linux keeps that
    across fork and exec, so a child would report its parent's peak."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(database: str, path: str) -> None:
    """In a fresh process: import once (the process's resident memory before, and its peak), then trace the
    allocations of a second import into another copy of the database; print JSON."""
    template = pathlib.Path(database)
    first, second = template.with_suffix(".a.db"), template.with_suffix(".b.db")
    ctx = fresh_database(template, first)
    import openpyxl  # noqa: F401  (loaded before the baseline, as an XLSX import would)

    before = rss_mb("VmRSS")
    wall, _ = timed(lambda: import_file(ctx, pathlib.Path(path)))
    peak = rss_mb("VmHWM")
    ctx = fresh_database(template, second)
    tracemalloc.start()
    report = import_file(ctx, pathlib.Path(path))
    traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"seconds": wall, "rss_before_mb": before, "peak_rss_mb": peak, "peak_traced_mb": traced_mb,
                      "accepted": report["accepted"], "file_mb": pathlib.Path(path).stat().st_size / 2**20}))


def measure_memory(folder: pathlib.Path, template: pathlib.Path) -> dict[int, dict[str, dict[str, float]]]:
    results: dict[int, dict[str, dict[str, float]]] = {}
    for rows in MEMORY_ROWS:
        csv_path, xlsx_path = write_files(folder, rows)
        results[rows] = {}
        for kind, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            child = subprocess.run([sys.executable, "-m", "benchmarks.imports", "memory", str(template), str(path)],
                                   check=True, capture_output=True, text=True)
            results[rows][kind] = json.loads(child.stdout.strip().splitlines()[-1])
    return results


# --- the report --------------------------------------------------------------------------------------------------

def markdown(runs: dict[str, dict[str, list[float]]], memory: dict[int, dict[str, dict[str, float]]],
             breakdown: dict[str, dict[str, float]]) -> str:
    med = {k: {m: statistics.median(v[m]) for m in ("wall", "cpu")} for k, v in runs.items()}
    floor = med["floor"]["cpu"]
    lines = [
        "## Import of a target list (100,000 rows)",
        "",
        f"`create_campaign` — the service the web upload, the API and `klip import` call: the file read in one pass "
        f"for its size, SHA-256 and encoding, then row by row (CSV as a text stream, XLSX through openpyxl's "
        f"read-only mode), every NPWP checked by python-stdnum and every number by phonenumbers, the accepted rows "
        f"inserted 500 at a time (100 to an INSERT statement, one executemany each), the SOP started, one commit — "
        f"against the floor: the same library calls on the same rows held in memory (no file, no database). "
        f"{ROWS:,} rows (+3 bad ones, a fifth with a second, landline number), {REPEAT} interleaved rounds (the XLSX "
        f"import and the plain use in the first {FEWER}), SQLite, each import into a fresh copy of the database.",
        "",
        "| | goal | ratio (median wall time) | ratio (median CPU time) |",
        "|---|---|---|---|",
    ]
    for kind in ("csv", "xlsx"):
        wall, cpu = med[kind]["wall"] / med["floor"]["wall"], med[kind]["cpu"] / med["floor"]["cpu"]
        lines.append(f"| {kind.upper()} import / validation alone | ≤ {GOAL:g}× | {wall:.2f}× | {cpu:.2f}× |")
    lines += [
        "",
        "| seconds | median wall | p90 wall | median CPU | p90 CPU |",
        "|---|---|---|---|---|",
    ]
    names = {"floor": "validation libraries alone (the floor)", "csv": "CSV import", "xlsx": "XLSX import",
             "plain": "the libraries used plainly (parse + is_valid_number for every number)"}
    for kind in ("floor", "csv", "xlsx", "plain"):
        r = runs[kind]
        lines.append(f"| {names[kind]} | {med[kind]['wall']:.2f} | {p90(r['wall']):.2f} | {med[kind]['cpu']:.2f} "
                     f"| {p90(r['cpu']):.2f} |")
    lines += [
        "",
        "Where the CPU time goes, as multiples of the floor (one run each, no database for the first three):",
        "",
        "| | reading the file's rows | + our row checks and report (around the libraries' calls) "
        "| + the libraries' calls (the floor) | + database inserts, starting the SOP, commit |",
        "|---|---|---|---|---|",
    ]
    for kind in ("csv", "xlsx"):
        b = breakdown[kind]
        ours = b["validated"] - b["read"] - floor
        rest = med[kind]["cpu"] - b["validated"]
        lines.append(f"| {kind.upper()} | {b['read'] / floor:.2f}× | {ours / floor:.2f}× | 1.00× "
                     f"| {rest / floor:.2f}× |")
    lines += [
        "",
        "Memory of one import, each in a fresh process: resident memory before it (the interpreter, SQLAlchemy, "
        "SpiffWorkflow and openpyxl loaded) and the process's peak (VmHWM), and the peak of Python's own "
        "allocations during a second import (tracemalloc):",
        "",
        "| rows | format | file | import (wall) | RSS before | peak RSS | peak Python allocations |",
        "|---|---|---|---|---|---|---|",
    ]
    for rows, kinds in memory.items():
        for kind, m in kinds.items():
            lines.append(f"| {rows:,} | {kind.upper()} | {m['file_mb']:.1f} MB | {m['seconds']:.1f} s "
                         f"| {m['rss_before_mb']:.0f} MB | {m['peak_rss_mb']:.0f} MB | {m['peak_traced_mb']:.1f} MB |")
    return "\n".join(lines) + "\n"


def results(runs: dict[str, dict[str, list[float]]], text: str) -> list[dict[str, Any]]:
    floor = statistics.median(runs["floor"]["wall"])
    out = []
    for kind in ("csv", "xlsx"):
        ratio = round(statistics.median(runs[kind]["wall"]) / floor, 2)
        out.append({"name": f"import_{kind}_vs_validation", "ratio": ratio, "goal": f"≤ {GOAL:g}×",
                    "met": ratio <= GOAL, "markdown": text})
    return out


def run(workdir: pathlib.Path) -> list[dict[str, Any]]:
    """Measure; return the goals import_csv_vs_validation and import_xlsx_vs_validation, each with the section."""
    folder = pathlib.Path(workdir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    template = template_database(folder)
    runs = measure_times(folder, template)
    breakdown = measure_breakdown(folder)
    memory = measure_memory(folder, template)
    return results(runs, markdown(runs, memory, breakdown))


def main() -> None:
    if sys.argv[1:2] == ["memory"]:
        memory_child(sys.argv[2], sys.argv[3])
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(run(pathlib.Path(tmp))[0]["markdown"])


if __name__ == "__main__":
    main()
