"""Process performance: time per step from the audit trail, and the report deadline met or missed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sop_helpers import do, finish_calls, new_campaign, setup_sop

from engine.errors import NotAllowed
from engine.performance import heat_classes, process_performance
from engine.timers import tick

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 Mar 2026, 09:00 WIB


def run_campaign(make_ctx, clock, start: datetime, report_delay: timedelta) -> None:
    """One campaign: every step takes an hour, except that the report waits ``report_delay``."""
    clock.set(start)
    cid = new_campaign(make_ctx, 4)
    steps = [("kasi", "tugaskan_pelaksana", {"pelaksana": "pelaksana"})]
    clock.set(clock() + timedelta(hours=1))
    do(make_ctx, *steps[0][:2], cid, steps[0][2])
    clock.set(clock() + timedelta(hours=2))  # the plan takes two hours
    to_distribution_rest(make_ctx, clock, cid)
    clock.set(clock() + report_delay)
    tick(make_ctx())
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    do(make_ctx, "pkl", "sampaikan_laporan", cid,
       {"nomor_surat": "ND-1", "tanggal_kirim": "2026-04-01", "diteruskan_ke_pkl": True})
    if report_delay > timedelta(days=5):
        do(make_ctx, "kepala", "tindak_lanjut_keterlambatan", cid, {"tindak_lanjut": "Ditegur."})


def to_distribution_rest(make_ctx, clock, cid: int) -> None:
    from engine.walkthrough import WORK_PLAN

    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    finish_calls(make_ctx, cid, "agen1")


def test_step_times_and_deadline_share(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    run_campaign(make_ctx, clock, START, timedelta(days=1))       # report within 5 working days
    run_campaign(make_ctx, clock, START + timedelta(days=35), timedelta(days=12))  # late: the timer fires
    perf = process_performance(make_ctx(), "kasi")
    assert perf.finished == 2 and perf.deadline_checked == 2 and perf.deadline_met == 1
    assert perf.deadline_share == 0.5
    by_id = {s.element_id: s for s in perf.steps}
    assert by_id["tugaskan_pelaksana"].median_hours == pytest.approx(1.0)
    assert by_id["susun_rencana_kerja"].median_hours == pytest.approx(2.0)
    assert by_id["susun_laporan"].completions == 2
    assert by_id["susun_laporan"].median_hours == pytest.approx((24 + 12 * 24) / 2)
    assert by_id["susun_laporan"].p90_hours == pytest.approx(24 + 0.9 * (12 * 24 - 24))
    assert by_id["susun_laporan"].standard  # the Mutu Baku "Waktu" from the model
    heat = heat_classes(perf)
    assert heat["susun_laporan"] == "heat-4" and heat["tugaskan_pelaksana"] == "heat-0"


def test_performance_is_for_klip_staff_only(make_ctx) -> None:
    setup_sop(make_ctx)
    with pytest.raises(NotAllowed):
        process_performance(make_ctx(), "unit")
