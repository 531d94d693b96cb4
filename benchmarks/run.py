"""``make bench``: the cost of one instance's stored state and of one task, for 10 and 100,000 contacts; and the
time and peak memory of a campaign's calls exported as XLSX, for 10 and 100,000 call attempts.

Contacts and calls live in SQL, never in workflow data, so the state size and the load/save time of an
instance must not depend on the campaign size. Only domain actions that aggregate contacts (distribution,
report figures) grow with it, and they run as set-based SQL. The export streams (rows fetched in batches, written
row by row, the file spilled to disk), so its memory must not grow with the number of calls either: each export is
measured in a fresh process (peak RSS of that process, and the peak of Python's own allocations by tracemalloc).
"""
from __future__ import annotations

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

from sqlalchemy import insert, select

from benchmarks import hostile
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


def table(results: dict[int, dict[str, float]], unit: str) -> None:
    sizes = list(results)
    print(f"{'metric':<22}" + "".join(f"{f'{n:,} {unit}':>20}" for n in sizes))
    for key in next(iter(results.values())):
        print(f"{key:<22}" + "".join(f"{results[n][key]:>20,.1f}" for n in sizes))


def main() -> None:
    if sys.argv[1:2] == ["export"]:
        export_once(sys.argv[2], int(sys.argv[3]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        warmup = Path(tmp) / "warmup"
        warmup.mkdir()
        if SIZES:
            measure(10, warmup)  # the first run pays for imports and cold caches; not reported
            table({n: measure(n, Path(tmp)) for n in SIZES}, "contacts")
        if EXPORT_SIZES:
            print()
            table({n: measure_export(Path(tmp), n) for n in EXPORT_SIZES}, "calls")
    hostile.main()


if __name__ == "__main__":
    main()
