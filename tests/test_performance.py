"""Process performance: working time per step from the audit trail, and the report deadline met or missed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.errors import NotAllowed
from engine.pages import performance_page
from engine.pages.performance import heat_classes
from engine.walkthrough import work_plan
from engine.workdays import set_override

from sop_helpers import do, finish_calls, finished_campaign, new_campaign, setup_sop

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 Mar 2026, 09:00 WIB


def test_step_times_and_deadline_share(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    finished_campaign(make_ctx, clock, START, timedelta(days=1))       # report within 5 working days
    finished_campaign(make_ctx, clock, START + timedelta(days=35), timedelta(days=12))  # late: the timer fires
    perf = performance_page(make_ctx(), "kasi").performance
    assert perf.finished == 2 and perf.deadline_checked == 2 and perf.deadline_met == 1
    assert perf.deadline_share == 0.5
    by_id = {s.element_id: s for s in perf.steps}
    assert by_id["tugaskan_pelaksana"].median_hours == pytest.approx(1.0)
    assert by_id["susun_rencana_kerja"].median_hours == pytest.approx(2.0)
    assert by_id["susun_laporan"].completions == 2
    # Working time: Mon 2 Mar 12:00 → Tue 12:00 is one working day; Mon 6 Apr 12:00 → Sat 18 Apr 12:00 is 12 hours
    # of Monday, Tuesday–Friday and the next Monday–Friday (9.5 working days), the weekends not counted.
    late = 12 + 4 * 24 + 5 * 24
    assert by_id["susun_laporan"].median_hours == pytest.approx((24 + late) / 2)
    assert by_id["susun_laporan"].p90_hours == pytest.approx(24 + 0.9 * (late - 24))
    assert by_id["susun_laporan"].standard  # the Mutu Baku "Waktu" from the model
    heat = heat_classes(perf)
    assert heat["susun_laporan"] == "heat-4" and heat["tugaskan_pelaksana"] == "heat-0"


def test_performance_is_for_klip_staff_only(make_ctx) -> None:
    setup_sop(make_ctx)
    with pytest.raises(NotAllowed):
        performance_page(make_ctx(), "unit")


FRIDAY_3PM = datetime(2026, 3, 6, 8, 0, tzinfo=timezone.utc)  # Friday 6 Mar 2026, 15:00 WIB
MONDAY_9AM = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # Monday 9 Mar 2026, 09:00 WIB


def weekend_campaign(make_ctx, clock) -> None:
    """Step 1 is ready Friday 15:00 and done Monday 09:00; the rest is done at once."""
    clock.set(FRIDAY_3PM)
    cid = new_campaign(make_ctx, 2)
    clock.set(MONDAY_9AM)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, work_plan(make_ctx()))
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    finish_calls(make_ctx, cid, "agen1")
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    do(make_ctx, "pkl", "sampaikan_laporan", cid,
       {"nomor_surat": "ND-2", "tanggal_kirim": "2026-03-09", "diteruskan_ke_pkl": True})


def test_a_weekend_is_not_working_time(make_ctx, clock) -> None:
    """Ready Friday 15:00, done Monday 09:00: 9 hours of Friday and 9 of Monday, not 66 hours (2.75 days)."""
    setup_sop(make_ctx)
    weekend_campaign(make_ctx, clock)
    step = {s.element_id: s for s in performance_page(make_ctx(), "kasi").performance.steps}["tugaskan_pelaksana"]
    assert step.completions == 1 and step.median_hours == pytest.approx(18.0)


def test_the_offices_calendar_corrections_count(make_ctx, clock) -> None:
    """A Saturday the administrator made a working day counts; a Monday made a holiday does not."""
    setup_sop(make_ctx)
    set_override(make_ctx(), "admin", datetime(2026, 3, 7).date(), True, "Hari kerja pengganti")
    set_override(make_ctx(), "admin", datetime(2026, 3, 9).date(), False, "Kantor tutup")
    weekend_campaign(make_ctx, clock)
    step = {s.element_id: s for s in performance_page(make_ctx(), "kasi").performance.steps}["tugaskan_pelaksana"]
    assert step.median_hours == pytest.approx(9 + 24)  # Friday 15:00–24:00 and all of Saturday
