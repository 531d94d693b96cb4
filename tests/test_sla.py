"""The 5-working-day report deadline: a real timer, computed in working days, fired by ``tick``."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import tasks
from engine.models import Notification, Outbox, User
from engine.process import tick

from sop_helpers import do, finish_calls, new_campaign, ready, setup_sop, to_distribution

FINISHED = datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)      # Tue 17 Mar 2026, 10:00 WIB
DEADLINE = datetime(2026, 3, 31, 9, 0, tzinfo=timezone.utc)      # Tue 31 Mar 2026, 16:00 WIB


@pytest.fixture
def reporting(make_ctx, clock):
    """A campaign whose last agent finished on 17 Mar 2026 (Nyepi, Idul Fitri and cuti bersama follow)."""
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    finish_calls(make_ctx, cid, "agen1")
    clock.set(FINISHED)
    finish_calls(make_ctx, cid, "agen2")
    return cid


def notified(make_ctx) -> list[str]:
    """Who has been told that the report is overdue."""
    with make_ctx().transaction() as session:
        return sorted(session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                      .where(Notification.kind == "report_overdue")))


def test_report_tasks_carry_the_working_day_due_date(make_ctx, reporting) -> None:
    [view] = [t for t in tasks.ready_tasks(make_ctx(), "pelaksana") if t.campaign_id == reporting]
    assert view.bpmn_id == "susun_laporan" and view.due_at == DEADLINE and not view.overdue


@pytest.mark.parametrize("now", [
    datetime(2026, 3, 24, 9, 1, tzinfo=timezone.utc),   # 5 working days if holidays were ignored
    datetime(2026, 3, 30, 9, 1, tzinfo=timezone.utc),   # 4th working day
    datetime(2026, 3, 31, 8, 59, tzinfo=timezone.utc),  # a minute before the deadline
])
def test_no_escalation_before_the_deadline(make_ctx, clock, reporting, now) -> None:
    clock.set(now)
    assert tick(make_ctx()) == 0
    assert "tindak_lanjut_keterlambatan" not in ready(make_ctx, "kepala", reporting)
    assert notified(make_ctx) == []


def test_escalation_fires_after_five_working_days_without_interrupting(make_ctx, clock, reporting) -> None:
    clock.set(datetime(2026, 3, 31, 9, 1, tzinfo=timezone.utc))
    assert tick(make_ctx()) == 1
    assert tick(make_ctx()) == 0  # fired once only
    assert ready(make_ctx, "kepala", reporting) == ["tindak_lanjut_keterlambatan"]
    assert ready(make_ctx, "pelaksana", reporting) == ["susun_laporan"]  # the report is still to be made
    assert [t.overdue for t in tasks.ready_tasks(make_ctx(), "pelaksana")] == [True]
    assert notified(make_ctx) == ["kasi", "kepala"]
    with make_ctx().transaction() as session:
        [message] = session.scalars(select(Outbox).where(Outbox.message_name == "eskalasi_laporan")).all()
    assert message.payload["batas_laporan"] == DEADLINE.isoformat()
    do(make_ctx, "kepala", "tindak_lanjut_keterlambatan", reporting, {"tindak_lanjut": "Kasi diminta menyelesaikan."})
    assert ready(make_ctx, "kepala", reporting) == []


def test_report_signed_in_time_cancels_the_timer(make_ctx, clock, reporting) -> None:
    do(make_ctx, "pelaksana", "susun_laporan", reporting, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", reporting, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", reporting, {"keputusan": "tandatangani"})
    clock.set(datetime(2026, 4, 30, 9, 0, tzinfo=timezone.utc))
    assert tick(make_ctx()) == 0
    assert notified(make_ctx) == []
    assert ready(make_ctx, "pkl", reporting) == ["sampaikan_laporan"]
