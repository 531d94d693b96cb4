"""``make bench``: the cost of one instance's stored state and of one task, for 10 and 100,000 contacts.

Contacts and calls live in SQL, never in workflow data, so the state size and the load/save time of an
instance must not depend on the campaign size. Only domain actions that aggregate contacts (distribution,
report figures) grow with it, and they run as set-based SQL.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from benchmarks import hostile
from engine import tasks
from engine.campaign import create_campaign
from engine.context import Context
from engine.demo import DEMO_USERS, sample_target_list
from engine.migrate import upgrade
from engine.models import Instance
from engine.process import deploy, load_instance, save_instance
from engine.settings import Settings
from engine.users import create_user
from engine.walkthrough import WORK_PLAN, task_for

SIZES = tuple(int(n) for n in os.environ.get("KLIP_BENCH_SIZES", "10,100000").split(","))
REPEAT = 20


def fresh_context(directory: Path, n: int) -> Context:
    url = os.environ.get("KLIP_BENCH_DATABASE_URL") or f"sqlite:///{directory / f'bench-{n}.db'}"
    upgrade(url)
    ctx = Context.from_settings(Settings(database_url=url))
    deploy(ctx, "system", system=True)
    for username, full_name, roles in DEMO_USERS:
        create_user(ctx, username, roles, full_name=full_name)
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
    campaign = create_campaign(ctx, "unit", "sasaran.csv", content, f"Bench {n}", "Unit bench")
    result = {"import_ms": (time.perf_counter() - started) * 1000}
    cid, iid = campaign.id, campaign.instance_id
    assert iid is not None
    result["assign_ms"] = complete_ms(ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    result["plan_ms"] = complete_ms(ctx, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        warmup = Path(tmp) / "warmup"
        warmup.mkdir()
        measure(10, warmup)  # the first run pays for imports and cold caches; not reported
        results = {n: measure(n, Path(tmp)) for n in SIZES}
    keys = list(next(iter(results.values())))
    print(f"{'metric':<22}" + "".join(f"{f'{n:,} contacts':>20}" for n in SIZES))
    for key in keys:
        print(f"{key:<22}" + "".join(f"{results[n][key]:>20,.1f}" for n in SIZES))
    hostile.main()


if __name__ == "__main__":
    main()
