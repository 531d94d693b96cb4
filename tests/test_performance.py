"""Process performance: time per step from the audit trail, and the report deadline met or missed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.errors import NotAllowed
from engine.pages import performance_page
from engine.pages.performance import heat_classes

from sop_helpers import finished_campaign, setup_sop

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
    assert by_id["susun_laporan"].median_hours == pytest.approx((24 + 12 * 24) / 2)
    assert by_id["susun_laporan"].p90_hours == pytest.approx(24 + 0.9 * (12 * 24 - 24))
    assert by_id["susun_laporan"].standard  # the Mutu Baku "Waktu" from the model
    heat = heat_classes(perf)
    assert heat["susun_laporan"] == "heat-4" and heat["tugaskan_pelaksana"] == "heat-0"


def test_performance_is_for_klip_staff_only(make_ctx) -> None:
    setup_sop(make_ctx)
    with pytest.raises(NotAllowed):
        performance_page(make_ctx(), "unit")
