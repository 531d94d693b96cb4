"""Drive one campaign through the whole SOP as the demo users (``klip demo --run-through``, benchmarks)."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from . import campaign, tasks
from .context import Context
from .models import AuditEvent

ContextFactory = Callable[[], Context]

WORK_PLAN = {
    "rencana_mulai": "2026-03-10", "rencana_selesai": "2026-03-20", "target_kontak": 20,
    "materi": "Batas waktu penyampaian SPT Tahunan PPh Orang Pribadi adalah 31 Maret.",
    "naskah": "Selamat pagi, kami dari Kring Pajak 1500200, menghubungi Bapak/Ibu terkait SPT Tahunan ...",
    "jadwal": "Senin–Jumat 08.00–16.00 WIB", "kebutuhan_agen": 3,
}


def work_plan(ctx: Context) -> dict[str, Any]:
    """WORK_PLAN moved to start today (office time) and end ten days later: a plan the form accepts now."""
    today = ctx.now().astimezone(ZoneInfo(ctx.settings.office_timezone)).date()
    end = today + timedelta(days=10)
    return {**WORK_PLAN, "rencana_mulai": today.isoformat(), "rencana_selesai": end.isoformat()}


def task_for(ctx: Context, username: str, bpmn_id: str, campaign_id: int) -> tasks.TaskView:
    """The READY task ``bpmn_id`` of a campaign that ``username`` may work."""
    for view in tasks.ready_tasks(ctx, username):
        if view.bpmn_id == bpmn_id and view.campaign_id == campaign_id:
            return view
    raise LookupError(f"{username} has no ready task {bpmn_id} in campaign {campaign_id}")


def complete(new_ctx: ContextFactory, username: str, bpmn_id: str, campaign_id: int, data: dict[str, Any]) -> None:
    ctx = new_ctx()
    tasks.complete_task(ctx, username, task_for(ctx, username, bpmn_id, campaign_id).id, data)


def make_calls(new_ctx: ContextFactory, agent: str, campaign_id: int, rng: random.Random) -> int:
    """The agent phones each of their contacts until it is final."""
    codes, calls = list(campaign.OUTCOMES), 0
    for contact in campaign.list_contacts(new_ctx(), agent, campaign_id):
        final = contact.final_outcome
        while final is None:
            ctx = new_ctx()
            outcome = rng.choice(codes)
            callback = ctx.now() + timedelta(days=1) if outcome == "minta_dihubungi_kembali" else None
            final = campaign.record_call(ctx, agent, contact.id, outcome, "dicatat oleh walkthrough", callback,
                                          rng.randint(20, 300)).final_outcome
            calls += 1
    return calls


def run_through(new_ctx: ContextFactory, campaign_id: int, agents: tuple[str, ...] = ("agen1", "agen2", "agen3"),
                seed: int = 1) -> None:
    """Every SOP step, with one return of the work plan, calls by every agent, and signature."""
    complete(new_ctx, "kasi", "tugaskan_pelaksana", campaign_id, {"pelaksana": "pelaksana"})
    plan = work_plan(new_ctx())
    complete(new_ctx, "pelaksana", "susun_rencana_kerja", campaign_id, plan)
    complete(new_ctx, "kasi", "teliti_rencana_kerja", campaign_id,
             {"keputusan": "kembalikan", "catatan": "Tambahkan jadwal shift sore."})
    complete(new_ctx, "pelaksana", "susun_rencana_kerja", campaign_id, {**plan, "jadwal": "Shift pagi dan sore"})
    complete(new_ctx, "kasi", "teliti_rencana_kerja", campaign_id, {"keputusan": "setuju"})
    complete(new_ctx, "kasi", "distribusi_pekerjaan", campaign_id, {"agen": list(agents)})
    rng = random.Random(seed)
    for agent in agents:
        make_calls(new_ctx, agent, campaign_id, rng)
        complete(new_ctx, agent, "hubungi_wajib_pajak", campaign_id, {"ringkasan": "Semua kontak sudah dihubungi."})
    complete(new_ctx, "pelaksana", "susun_laporan", campaign_id,
             {"ringkasan_pelaksanaan": "Penyampaian informasi selesai sesuai rencana kerja."})
    complete(new_ctx, "kasi", "teliti_laporan", campaign_id, {"keputusan": "setuju"})
    complete(new_ctx, "kepala", "tandatangani_laporan", campaign_id, {"keputusan": "tandatangani"})
    complete(new_ctx, "pkl", "sampaikan_laporan", campaign_id,
             {"nomor_surat": "ND-12/KLIP/2026", "tanggal_kirim": "2026-03-27", "diteruskan_ke_pkl": True})


def trail_lines(ctx: Context, campaign_id: int) -> list[str]:
    """The campaign's audit trail as lines of text: when, who, what (calls left out)."""
    with ctx.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.campaign_id == campaign_id)
                                 .where(AuditEvent.action != "call_recorded").order_by(AuditEvent.id)).all()
        return [f"{e.at:%Y-%m-%d %H:%M:%S} {e.username:<10} {e.action:<18} {e.task_name or '':<52} "
                f"{e.data.get('keputusan') or e.data.get('catatan') or ''}" for e in events]
