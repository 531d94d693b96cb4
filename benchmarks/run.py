"""``make bench``: every goal of issue 12, measured side by side in one run, written to docs/benchmarks.md and
docs/benchmarks.json (``benchmarks.report``): a task completion through the HTTP API against its floors on SQLite and
PostgreSQL (``benchmarks.completion``), independence from the campaign's size, calls under load
(``benchmarks.load``), the lists (``benchmarks.lists``), the documents (``benchmarks.documents``) and, when that module
is there, the import (``benchmarks.imports``). PostgreSQL is a throw-away server this run starts itself
(scripts/with-postgres.sh, fsync on). Then, as before, the cost of one instance's stored state and of each task for
10 and 100,000 contacts; the time and peak memory of a campaign's calls exported as XLSX; hostile input.

Contacts and calls live in SQL, never in workflow data, so the state size and the load/save time of an
instance must not depend on the campaign size. Only domain actions that aggregate contacts (distribution,
report figures) grow with it, and they run as set-based SQL. The export streams (rows fetched in batches, written
row by row, the file spilled to disk), so its memory must not grow with the number of calls either: each export is
measured in a fresh process (peak RSS of that process, and the peak of Python's own allocations by tracemalloc).
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from benchmarks import completion, documents, harness, hostile, lists, load
from benchmarks import report as report_module
from benchmarks.report import SUMMARY_HEAD, Goal, Report, at_least, at_most, summary_row
from engine import tasks
from engine.campaign import create_campaign
from engine.context import Context
from engine.demo import DEMO_UNIT_OF, DEMO_USERS, sample_target_list, seed_units
from engine.exports import campaign_calls
from engine.migrate import upgrade
from engine.models import CallAttempt, Contact, Instance
from engine.process import deploy, load_instance, save_instance
from engine.settings import Settings
from engine.users import Profile, create_user
from engine.walkthrough import task_for, work_plan

SIZES = tuple(int(n) for n in os.environ.get("KLIP_BENCH_SIZES", "10,100000").split(",") if n)
LARGE = max(SIZES or (100_000,))
EXPORT_SIZES = tuple(int(n) for n in os.environ.get("KLIP_BENCH_EXPORT_SIZES", "10,100000").split(",") if n)
REPEAT = 20
CALLS_PER_CONTACT = 5
OUTCOMES = ("tidak_diangkat", "sibuk", "tersampaikan", "minta_dihubungi_kembali", "menolak")
NOTES = ("", "WP menyatakan sudah membayar", "-", "+ minta dikirimi surat", "=tolong hubungi lagi", "@kantor")


def fresh_context(directory: Path, n: int) -> Context:
    url = os.environ.get("KLIP_BENCH_DATABASE_URL") or f"sqlite:///{directory / f'bench-{n}.db'}"
    upgrade(url)
    ctx = Context.from_settings(Settings(database_url=url))
    deploy(ctx, "system", system=True)
    seed_units(ctx)
    for username, full_name, roles in DEMO_USERS:  # "unit" belongs to a requesting unit and uploads for it
        create_user(ctx, username, roles, profile=Profile(full_name, unit=DEMO_UNIT_OF.get(username)))
    return ctx


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def load_save_ms(ctx: Context, instance_id: int) -> float:
    """Median of REPEAT load → save round trips of the instance (one transaction each)."""
    def once() -> None:
        with ctx.transaction() as session:
            save_instance(load_instance(ctx, session, instance_id))
    return statistics.median(timed(once) for _ in range(REPEAT))


def state_bytes(ctx: Context, instance_id: int) -> int:
    with ctx.transaction() as session:
        return len(session.scalars(select(Instance.state_json).where(Instance.id == instance_id)).one())


def complete_ms(ctx: Context, username: str, bpmn_id: str, cid: int, data: dict) -> float:  # type: ignore[type-arg]
    task_id = task_for(ctx, username, bpmn_id, cid).id
    return timed(lambda: tasks.complete_task(ctx, username, task_id, data))


def measure(n: int, directory: Path) -> dict[str, float]:
    ctx = fresh_context(directory, n)
    content = sample_target_list(n, bad_rows=False)
    started = time.perf_counter()
    campaign = create_campaign(ctx, "unit", "sasaran.csv", content, f"Bench {n}", "")
    result = {"import_ms": (time.perf_counter() - started) * 1000}
    cid, iid = campaign.id, campaign.instance_id
    assert iid is not None
    result["assign_ms"] = complete_ms(ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    result["plan_ms"] = complete_ms(ctx, "pelaksana", "susun_rencana_kerja", cid, work_plan(ctx))
    result["approve_ms"] = complete_ms(ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    distribution = {"agen": ["agen1", "agen2", "agen3"]}
    result["distribute_ms"] = complete_ms(ctx, "kasi", "distribusi_pekerjaan", cid, distribution)
    result["state_bytes_step5"] = state_bytes(ctx, iid)
    result["load_save_ms_step5"] = load_save_ms(ctx, iid)
    result["agent_done_ms"] = complete_ms(ctx, "agen1", "hubungi_wajib_pajak", cid, {"ringkasan": "x"})
    for agent in ("agen2", "agen3"):
        complete_ms(ctx, agent, "hubungi_wajib_pajak", cid, {"ringkasan": "x"})
    result["draft_report_ms"] = complete_ms(ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "x"})
    result["review_report_ms"] = complete_ms(ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    result["state_bytes_step8"] = state_bytes(ctx, iid)
    result["load_save_ms_step8"] = load_save_ms(ctx, iid)
    ctx.engine.dispose()
    return result


def calls_database(directory: Path, attempts: int) -> tuple[str, int]:
    """A campaign of attempts / 5 contacts with ``attempts`` call attempts (inserted in bulk), some notes beginning
    like formulas; returns the database URL and the campaign id."""
    folder = directory / "export"
    folder.mkdir(exist_ok=True)
    ctx = fresh_context(folder, attempts)
    contacts_n = max(1, attempts // CALLS_PER_CONTACT)
    cid = create_campaign(ctx, "unit", "sasaran.csv", sample_target_list(contacts_n, bad_rows=False),
                          f"Ekspor {attempts}", "").id
    start = datetime(2026, 3, 9, 1, 0, tzinfo=timezone.utc)
    with ctx.transaction() as session:
        ids = list(session.scalars(select(Contact.id).where(Contact.campaign_id == cid).order_by(Contact.id)))
        for lo in range(0, attempts, 10_000):
            session.execute(insert(CallAttempt), [
                {"contact_id": ids[i % len(ids)], "campaign_id": cid, "agent": f"agen{1 + i % 3}",
                 "at": start + timedelta(seconds=20 * i), "outcome": OUTCOMES[i % len(OUTCOMES)],
                 "phone": "+6281234567890", "notes": NOTES[i % len(NOTES)], "callback_at": None,
                 "duration_s": 30 + i % 300, "recording_ref": f"REC-{i:06d}"}
                for i in range(lo, min(lo + 10_000, attempts))])
    url = str(ctx.settings.database_url)
    ctx.engine.dispose()
    return url, cid


def export_once(url: str, campaign_id: int) -> None:
    """In a fresh process: time one export (built and read to the end), then trace the allocations of a second;
    print JSON."""
    ctx = Context.from_settings(Settings(database_url=url))
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in campaign_calls(ctx, "kasi", campaign_id))
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    tracemalloc.start()
    for _ in campaign_calls(ctx, "kasi", campaign_id):
        pass
    traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"export_s": seconds, "file_mb": size / 2**20, "peak_rss_mb": rss_mb,
                      "peak_traced_mb": traced_mb}))


def measure_export(directory: Path, attempts: int) -> dict[str, float]:
    url, cid = calls_database(directory, attempts)
    child = subprocess.run([sys.executable, "-m", "benchmarks.run", "export", url, str(cid)], check=True,
                           capture_output=True, text=True)
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def table(results: dict[int, dict[str, float]], unit: str) -> list[str]:
    sizes = list(results)
    lines = ["| metric |" + "".join(f" {n:,} {unit} |" for n in sizes), "|---|" + "---|" * len(sizes)]
    for key in next(iter(results.values())):
        lines.append(f"| {key} |" + "".join(f" {results[n][key]:,.1f} |" for n in sizes))
    print("\n".join(lines))
    return lines


def _postgres_version() -> str | None:
    server = harness.postgres_server_url()
    if server is None:
        return None
    engine = create_engine(server)
    with engine.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar_one())
    engine.dispose()
    return version


def _completion(report: Report, directory: Path) -> None:
    lines = []
    for kind, goal in (("sqlite", "completion_vs_floor"), ("postgresql", "completion_vs_floor_postgresql")):
        result = completion.measure(kind, directory)
        report.goals.append(at_most(goal, result.ratio, 1.5))
        lines += [f"### {kind}: completion {result.ratio:.2f}× the sum of its floors", "", *SUMMARY_HEAD,
                  summary_row("complete step 1 through the API", result.completion),
                  summary_row("API floor: authenticated no-op request", result.api_floor),
                  summary_row("engine floor: deserialize → complete → serialize + committed UPDATE",
                              result.engine_floor), "",
                  f"Per completion (medians, counted by the server): **{result.statements:.0f} SQL statements**, "
                  f"{result.commits:.0f} commit(s), {result.loads:.0f} workflow load(s); instance state "
                  f"{result.state_bytes:,} bytes. Ratio = median completion / (median API floor + median engine "
                  "floor).", ""]
    report.section("Task completion against its floors (goal ≤ 1.5×)",
                   "A real server (`benchmarks.app` under gunicorn, as `klip serve`; one worker). Each round takes a "
                   "fresh campaign at step 1 and measures, in an order that rotates each round, the completion "
                   "through `POST /api/v1/tasks/<id>`, the no-op request and the engine floor on the same state.",
                   "", *lines)


def _size(report: Report, directory: Path, large: int) -> None:
    result = completion.size_independence(directory, large)
    report.goals.append(at_most("size_independence", result.ratio, 1.2))
    figures = table({n: measure(n, directory) for n in SIZES}, "contacts") if SIZES else []
    report.section(f"Independence from size (goal ≤ 1.2×): {result.ratio:.2f}×",
                   f"Steps 2 and 3 (work plan drafted, then returned) completed through the API alternately on a "
                   f"campaign of 10 and one of {result.contacts:,} contacts (their states kept alike); ratio = median "
                   "at the large campaign / median at the small one.", "", *SUMMARY_HEAD,
                   summary_row("10 contacts", result.small), summary_row(f"{result.contacts:,} contacts", result.large),
                   "", "Each step in process (engine services, no HTTP), one campaign of each size: `agent_done_ms` "
                   "is step 5 completed by one agent (progress figures, SQL), `draft_report_ms` step 6 (report "
                   "figures, SQL aggregates); the state is what the instance stores.", "", *figures)


def _load(report: Report, directory: Path) -> None:
    result = load.measure(directory)
    report.goals.append(at_least("calls_vs_insert", result.ratio, 0.5))
    rows = []
    for label, side in (("record a call (`POST /api/v1/contacts/<id>/calls`)", result.calls),
                        ("single INSERT (`POST /bench/insert`)", result.insert)):
        rows.append(f"| {label} | {side.requests} | {side.errors} | {side.throughput:.1f} | {side.latency.median:.0f} "
                    f"| {side.latency.p95:.0f} | {side.latency.p99:.0f} |")
    report.section(f"Calls under load (goal ≥ 0.5×, 0 errors): {result.ratio:.2f}×",
                   f"{result.agents} agents at once on PostgreSQL, {result.servers} servers × {result.workers} "
                   f"workers; phases of {load.PHASE_S:g} s alternate (calls, insert, calls, insert) after a warm-up. "
                   "Ratio = throughput of calls / throughput of the INSERT endpoint (same token check).", "",
                   "| | requests | errors | per second | p50 | p95 | p99 |", "|---|---|---|---|---|---|---|", *rows)
    if result.calls.errors or result.insert.errors:
        report.goals[-1].met = False


def _lists(report: Report, directory: Path) -> None:
    result = lists.measure(directory, lists.INSTANCES)
    report.goals.append(at_most("inbox_p95_vs_static", result.ratio("inbox"), 3))
    report.goals.append(at_most("campaign_list_p95_vs_static", result.ratio("campaigns"), 3))
    report.section(f"Lists with {result.instances:,} open instances (goal p95 ≤ 3×): inbox "
                   f"{result.ratio('inbox'):.2f}×, campaign list {result.ratio('campaigns'):.2f}×",
                   "The Kasi, logged in, requests in turn the inbox (`/`), the campaign list (`/kampanye`) and a "
                   "static page of the same app (`/bench/static`: the layout, no data); one worker, SQLite. "
                   f"Workflows deserialized while the lists were served: **{result.workflow_loads}** (counted by "
                   "the server, asserted 0).", "", *SUMMARY_HEAD,
                   *(summary_row(name, summary) for name, summary in result.pages.items()))


def _documents(report: Report, directory: Path) -> None:
    result = documents.measure(directory)
    report.section("Documents",
                   f"- `make docs` (`klip docs`, {result.docs_files} files): {result.docs_s:.2f} s (median of "
                   f"{documents.RUNS}, a fresh process each)",
                   f"- `klip render {result.render_source}` (the largest diagram, {result.render_bytes:,} bytes of "
                   f"BPMN → {result.svg_bytes:,} bytes of SVG): {result.render_s:.2f} s (median of {documents.RUNS})")


def _imports(report: Report, directory: Path) -> None:
    """The import benchmark (benchmarks/imports.py), when this checkout has it."""
    if importlib.util.find_spec("benchmarks.imports") is None:
        report.section("Import", "benchmarks/imports.py is not in this checkout: not measured.")
        return
    module = importlib.import_module("benchmarks.imports")
    folder = directory / "imports"
    folder.mkdir()
    entries = module.run(folder)
    for entry in entries:
        report.goals.append(Goal(str(entry["name"]), float(entry["ratio"]), str(entry["goal"]), bool(entry["met"])))
    sections = dict.fromkeys(str(entry["markdown"]).strip() for entry in entries)  # both goals share one section
    report.sections.append("\n\n".join(sections) + "\n")


def _exports_and_hostile(report: Report, directory: Path) -> None:
    lines: list[str] = []
    if EXPORT_SIZES:
        lines += table({n: measure_export(directory, n) for n in EXPORT_SIZES}, "calls")
    cases = hostile.measured()
    report.section("Export and hostile input",
                   "A campaign's calls as XLSX, each export in a fresh process (peak RSS and peak traced "
                   "allocations must not grow with the calls):", "", *lines, "",
                   "| hostile input | ms | goal ms |", "|---|---|---|",
                   *(f"| {what} | {ms:,.1f} | {goal:,.0f}{'' if ms <= goal else ' **OVER**'} |"
                     for what, ms, goal in cases))


def _under_postgres() -> None:
    """Run this module again under a throw-away PostgreSQL server (fsync on), unless one is there."""
    if harness.postgres_server_url() is None:
        script = harness.ROOT / "scripts" / "with-postgres.sh"
        os.execve(str(script), [str(script), sys.executable, "-m", "benchmarks.run", *sys.argv[1:]],
                  {**os.environ, "KLIP_PG_FSYNC": "on"})


def main() -> None:
    if sys.argv[1:2] == ["export"]:
        export_once(sys.argv[2], int(sys.argv[3]))
        return
    _under_postgres()
    # KLIP_BENCH_ONLY=completion,lists runs only those steps (while working on one goal; `make bench` runs all)
    if os.environ.get("KLIP_BENCH_QUICK"):  # a smoke run of every step (minutes less; its figures mean little)
        completion.ROUNDS, lists.INSTANCES, lists.ROUNDS, load.PHASE_S, documents.RUNS = 5, 50, 10, 2.0, 1
    started = time.perf_counter()
    machine_lines = report_module.machine(_postgres_version())
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        warmup = directory / "warmup"
        warmup.mkdir()
        measure(10, warmup)  # the first run pays for imports and cold caches; not reported
        steps = (_completion, _size_step, _load, _lists, _imports, _documents, _exports_and_hostile)
        only = [name for name in os.environ.get("KLIP_BENCH_ONLY", "").split(",") if name]
        took = []  # each step's seconds: the whole run must stay under 10 minutes
        for step in [s for s in steps if not only or s.__name__.strip("_") in only]:
            print(f"benchmarks: {step.__name__.strip('_')} …", flush=True)
            step_started = time.perf_counter()
            step(report, directory)
            took.append(f"{step.__name__.strip('_')} {time.perf_counter() - step_started:.0f} s")
        machine_lines.append("steps: " + ", ".join(took))
    out = Path(os.environ.get("KLIP_BENCH_OUT") or harness.ROOT / "docs")
    report_module.write(report, out, machine_lines, time.perf_counter() - started)
    print((out / "benchmarks.md").read_text(encoding="utf-8"))


def _size_step(report: Report, directory: Path) -> None:
    _size(report, directory, LARGE)


if __name__ == "__main__":
    main()
