"""Helpers for driving the real model through the service API, one fresh Context per step."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from engine import campaign as campaigns
from engine import tasks
from engine.context import Context
from engine.demo import DEMO_UNIT_OF, DEMO_USERS, sample_target_list, seed_units
from engine.process import deploy_models, tick
from engine.settings import DEFAULT_BPMN
from engine.users import Profile, create_user
from engine.walkthrough import task_for, work_plan

CtxFactory = Callable[[], Context]


def setup_sop(make_ctx: CtxFactory) -> None:
    """Deploy the real models, register the demo units and create one user per role (no passwords: faster)."""
    deploy_models(make_ctx(), "system", system=True)
    seed_units(make_ctx())
    for username, full_name, roles in DEMO_USERS:
        create_user(make_ctx(), username, roles, profile=Profile(full_name, unit=DEMO_UNIT_OF.get(username)))


def new_campaign(make_ctx: CtxFactory, n: int = 9) -> int:
    """A campaign the demo's Direktorat P2Humas (user ``unit``) uploads for itself."""
    view = campaigns.create_campaign(make_ctx(), "unit", "sasaran.csv", sample_target_list(n, bad_rows=False),
                                     "Kampanye uji", "", "Topik uji")
    return view.id


def instance_of(make_ctx: CtxFactory, campaign_id: int) -> int:
    """The process instance of a campaign (as the Kasi sees it)."""
    instance_id = campaigns.get_campaign(make_ctx(), "kasi", campaign_id).instance_id
    assert instance_id is not None
    return instance_id


def do(make_ctx: CtxFactory, username: str, bpmn_id: str, campaign_id: int, data: dict[str, Any]) -> None:
    ctx = make_ctx()
    tasks.complete_task(ctx, username, task_for(ctx, username, bpmn_id, campaign_id).id, data)


def ready(make_ctx: CtxFactory, username: str, campaign_id: int) -> list[str]:
    return sorted(t.bpmn_id for t in tasks.ready_tasks(make_ctx(), username) if t.campaign_id == campaign_id)


def to_distribution(make_ctx: CtxFactory, campaign_id: int) -> None:
    """Steps 1–3 approved first time."""
    do(make_ctx, "kasi", "tugaskan_pelaksana", campaign_id, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", campaign_id, work_plan(make_ctx()))
    do(make_ctx, "kasi", "teliti_rencana_kerja", campaign_id, {"keputusan": "setuju"})


def finish_calls(make_ctx: CtxFactory, campaign_id: int, agent: str, outcome: str = "tersampaikan") -> None:
    for contact in campaigns.list_contacts(make_ctx(), agent, campaign_id):
        campaigns.record_call(make_ctx(), agent, contact.id, outcome)
    do(make_ctx, agent, "hubungi_wajib_pajak", campaign_id, {"ringkasan": f"selesai oleh {agent}"})


def to_sending(make_ctx: CtxFactory, campaign_id: int, agents: tuple[str, ...] = ("agen1", "agen2", "agen3")) -> None:
    """Steps 1–8: the report signed; PKL's step 9 waits."""
    to_reporting(make_ctx, campaign_id, agents)
    do(make_ctx, "pelaksana", "susun_laporan", campaign_id, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", campaign_id, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", campaign_id, {"keputusan": "tandatangani"})


def send_report(make_ctx: CtxFactory, campaign_id: int) -> None:
    """Step 9: PKL sends the signed report (and so starts the agents' quality assessment)."""
    do(make_ctx, "pkl", "sampaikan_laporan", campaign_id,
       {"nomor_surat": "ND-9/KLIP/2026", "tanggal_kirim": "2026-04-01", "diteruskan_ke_pkl": True})


def to_reporting(make_ctx: CtxFactory, campaign_id: int, agents: tuple[str, ...] = ("agen1", "agen2", "agen3")) -> None:
    """Steps 1–5: plan approved, contacts distributed, every agent done."""
    to_distribution(make_ctx, campaign_id)
    do(make_ctx, "kasi", "distribusi_pekerjaan", campaign_id, {"agen": list(agents)})
    for agent in agents:
        finish_calls(make_ctx, campaign_id, agent)


def finished_campaign(make_ctx, clock, start: datetime, report_delay: timedelta) -> None:
    """Step 1 takes an hour, the plan two hours, the report ``report_delay``; everything else is immediate."""
    clock.set(start)
    cid = new_campaign(make_ctx, 4)
    clock.set(clock() + timedelta(hours=1))
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    clock.set(clock() + timedelta(hours=2))
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, work_plan(make_ctx()))
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    finish_calls(make_ctx, cid, "agen1")
    clock.set(clock() + report_delay)
    tick(make_ctx())
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    do(make_ctx, "pkl", "sampaikan_laporan", cid,
       {"nomor_surat": "ND-1", "tanggal_kirim": "2026-04-01", "diteruskan_ke_pkl": True})
    if report_delay > timedelta(days=5):
        do(make_ctx, "kepala", "tindak_lanjut_keterlambatan", cid, {"tindak_lanjut": "Ditegur."})


def edited_model(directory: Path, old: str, new: str) -> Path:
    """A copy of the real model (with its forms and sidecar) in ``directory``, with its one ``old`` text replaced."""
    shutil.copytree(DEFAULT_BPMN.parent / "forms", directory / "forms")
    shutil.copy(DEFAULT_BPMN.with_suffix(".sop.json"), directory / "model.sop.json")
    source = DEFAULT_BPMN.read_text(encoding="utf-8")
    assert source.count(old) == 1, old
    path = directory / "model.bpmn"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def overdue_campaign(make_ctx: CtxFactory, clock: Any) -> int:
    """A campaign whose agent finished on Monday 6 April 2026: its report falls due while nobody drafts it."""
    clock.set(datetime(2026, 4, 6, 3, 0, tzinfo=timezone.utc))
    cid = new_campaign(make_ctx, 3)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    finish_calls(make_ctx, cid, "agen1")
    return cid


def at_step_5(make_ctx: CtxFactory) -> int:
    """A 6-contact campaign at step 5: agen1 and agen2 have three contacts each."""
    setup_sop(make_ctx)
    campaign_id = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, campaign_id)
    do(make_ctx, "kasi", "distribusi_pekerjaan", campaign_id, {"agen": ["agen1", "agen2"]})
    return campaign_id


@dataclass(frozen=True)
class CliResult:
    """What ``klip ARGS…`` run in-process returned and printed (the ``klip`` fixture)."""

    returncode: int
    stdout: str
    stderr: str
