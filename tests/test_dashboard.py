"""The dashboard's read model: campaigns by status, progress and reach, calls per day, agents' load, overdue tasks,
the report deadline and its breaches, agents' approved quality scores — and who sees which part."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from engine import campaign as campaigns
from engine import pages
from engine.campaign.figures import compute_figures
from engine.errors import InvalidInput, NotAllowed
from engine.models import Instance, QaResult
from engine.pages.dashboard import DayCalls
from engine.process import tick

from sop_helpers import do, finish_calls, instance_of, new_campaign, setup_sop, to_distribution

MONDAY = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # the clock fixture's start: Mon 9 Mar 2026 09:00 WIB
FINISHED = datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc)  # Tue 17 Mar 2026 10:00 WIB (see test_sla)
DEADLINE = datetime(2026, 3, 31, 9, 0, tzinfo=timezone.utc)  # Tue 31 Mar 2026 16:00 WIB: 5 working days later


def calling(make_ctx, n: int = 9) -> int:
    """A campaign at step 5, its contacts split among agen1, agen2 and agen3 (three each for nine)."""
    cid = new_campaign(make_ctx, n)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2", "agen3"]})
    return cid


def call(make_ctx, agent: str, cid: int, index: int, outcome: str) -> None:
    """Record a call on the agent's ``index``-th contact (row order)."""
    mine = sorted(campaigns.list_contacts(make_ctx(), agent, cid), key=lambda c: c.row_number)
    campaigns.record_call(make_ctx(), agent, mine[index].id, outcome)


def test_campaigns_by_status_with_progress_and_the_reports_reach_rate(make_ctx) -> None:
    setup_sop(make_ctx)
    cid = calling(make_ctx)
    planning = new_campaign(make_ctx, 4)
    for i in range(3):
        call(make_ctx, "agen1", cid, i, "tersampaikan")  # closed, reached
    call(make_ctx, "agen2", cid, 0, "sibuk")  # still open
    call(make_ctx, "agen2", cid, 1, "bukan_yang_bersangkutan")  # closed, not reached
    ops = pages.dashboard_page(make_ctx(), "kasi").operations
    assert ops is not None
    statuses = {s.status: (s.campaigns, s.contacts, s.final) for s in ops.statuses}
    assert statuses == {"perencanaan": (1, 4, 0), "penyampaian": (1, 9, 4), "pelaporan": (0, 0, 0),
                        "pengiriman": (0, 0, 0), "selesai": (0, 0, 0)}
    assert [s.status for s in ops.statuses] == ["perencanaan", "penyampaian", "pelaporan", "pengiriman", "selesai"]
    shown = {c.id: c for c in ops.campaigns}
    assert [c.id for c in ops.campaigns] == [planning, cid] and ops.campaigns_total == 2  # process order
    row = shown[cid]
    assert (row.contacts, row.final, row.reached, row.attempts) == (9, 4, 3, 5)
    assert row.progress == pytest.approx(4 / 9)
    with make_ctx().transaction() as session:
        assert row.reach_rate == compute_figures(session, cid)["reach_rate"] == round(3 / 9, 4)  # one definition
    assert shown[planning].reach_rate == 0.0 and shown[planning].progress == 0.0


def test_calls_per_office_day_and_the_agents_load(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = calling(make_ctx)
    clock.set(MONDAY - timedelta(hours=2, minutes=30))  # Mon 06:30 WIB is still Monday: office days, not UTC days
    call(make_ctx, "agen1", cid, 0, "tersampaikan")
    clock.set(MONDAY + timedelta(days=1))  # Tuesday
    call(make_ctx, "agen1", cid, 1, "sibuk")
    call(make_ctx, "agen2", cid, 0, "tidak_diangkat")
    call(make_ctx, "agen2", cid, 0, "sudah_melaksanakan")
    ops = pages.dashboard_page(make_ctx(), "kepala", days=7).operations
    assert ops is not None
    assert len(ops.calls_per_day) == 7 and ops.calls_per_day[-1].day.isoformat() == "2026-03-10"
    assert ops.calls_per_day[-2:] == (DayCalls(ops.calls_per_day[-2].day, 1), DayCalls(ops.calls_per_day[-1].day, 3))
    assert ops.calls_total == 4
    load = {a.username: (a.open_contacts, a.calls_today, a.campaigns) for a in ops.agents}
    assert load == {"agen1": (2, 1, 1), "agen2": (2, 2, 1), "agen3": (3, 0, 1)}  # idle agents are listed too
    assert [a.name for a in ops.agents] == ["Agen 1 (demo)", "Agen 2 (demo)", "Agen 3 (demo)"]
    clock.set(MONDAY + timedelta(days=30))  # a month later the calls have left a 14-day window
    later = pages.dashboard_page(make_ctx(), "kasi").operations
    assert later is not None and later.calls_total == 0 and len(later.calls_per_day) == 14


def test_overdue_tasks_link_to_the_task_or_to_the_process(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 3)
    assert pages.dashboard_page(make_ctx(), "kasi").operations.overdue_total == 0  # type: ignore[union-attr]
    clock.set(MONDAY + timedelta(days=20))
    kasi = pages.dashboard_page(make_ctx(), "kasi").operations
    assert kasi is not None and kasi.overdue_total == 1
    [task] = kasi.overdue
    assert (task.campaign_id, task.role, task.workable) == (cid, "kasi", True)
    assert task.instance_id == instance_of(make_ctx, cid) and task.due_at < clock()
    [seen_by_kepala] = pages.dashboard_page(make_ctx(), "kepala").operations.overdue  # type: ignore[union-attr]
    assert not seen_by_kepala.workable  # the Kepala Kantor is not in the Kasi's lane: the process page instead


@pytest.fixture
def reporting(make_ctx, clock) -> int:
    """A campaign whose last agent finished on Tue 17 Mar 2026 10:00 WIB: the report is due 31 Mar 16:00 WIB."""
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    clock.set(FINISHED)
    finish_calls(make_ctx, cid, "agen1")
    return cid


def sign(make_ctx, cid: int) -> None:
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})


def test_report_deadline_in_working_days_is_the_escalation_timer(make_ctx, clock, reporting) -> None:
    ops = pages.dashboard_page(make_ctx(), "kepala").operations
    assert ops is not None
    [deadline] = ops.deadlines
    assert (deadline.campaign_id, deadline.due_at, deadline.working_days_left, deadline.passed) == (
        reporting, DEADLINE, 5, False)
    with make_ctx().transaction() as session:
        timer = session.scalar(select(Instance.next_timer_at).where(Instance.campaign_id == reporting))
    assert timer == DEADLINE  # the same moment the boundary timer escalates at
    clock.set(datetime(2026, 3, 30, 2, 0, tzinfo=timezone.utc))  # Mon 30 Mar: one working day left
    [deadline] = pages.dashboard_page(make_ctx(), "kepala").operations.deadlines  # type: ignore[union-attr]
    assert (deadline.working_days_left, deadline.passed) == (1, False)
    clock.set(DEADLINE + timedelta(minutes=1))
    [deadline] = pages.dashboard_page(make_ctx(), "kepala").operations.deadlines  # type: ignore[union-attr]
    assert (deadline.working_days_left, deadline.passed) == (0, True)
    assert ops.breaches == ()


def test_breaches_this_month_unsigned_then_signed_late_and_not_next_month(make_ctx, clock, reporting) -> None:
    clock.set(DEADLINE + timedelta(minutes=1))
    assert tick(make_ctx()) == 1  # the boundary timer escalates
    [breach] = pages.dashboard_page(make_ctx(), "kasi").operations.breaches  # type: ignore[union-attr]
    assert (breach.campaign_id, breach.due_at, breach.signed_at) == (reporting, DEADLINE, None)
    clock.set(DEADLINE + timedelta(hours=2))
    sign(make_ctx, reporting)
    ops = pages.dashboard_page(make_ctx(), "kasi").operations
    assert ops is not None and ops.deadlines == ()
    [breach] = ops.breaches
    assert (breach.campaign_id, breach.signed_at) == (reporting, DEADLINE + timedelta(hours=2))  # signed late
    clock.set(datetime(2026, 4, 1, 2, 0, tzinfo=timezone.utc))  # April: March's breach is not April's
    assert pages.dashboard_page(make_ctx(), "kasi").operations.breaches == ()  # type: ignore[union-attr]


def test_a_report_signed_in_time_is_no_breach(make_ctx, clock, reporting) -> None:
    clock.set(DEADLINE - timedelta(hours=1))
    sign(make_ctx, reporting)
    clock.set(DEADLINE + timedelta(days=1))
    ops = pages.dashboard_page(make_ctx(), "kasi").operations
    assert ops is not None and ops.breaches == () and ops.deadlines == ()


def add_result(make_ctx, cid: int, agent: str, score: float | None, approved: bool, calls: int = 5) -> None:
    """A QA result as the quality-assessment process stores it (one per agent and assessment instance)."""
    at = datetime(2026, 3, 20, 3, 0, tzinfo=timezone.utc)
    with make_ctx().transaction() as session:
        instance = session.scalar(select(Instance.id).where(Instance.campaign_id == cid))
        session.add(QaResult(campaign_id=cid, instance_id=instance, agent=agent, score=score, calls=calls,
                             feedback="", scored_by="pkl", scored_at=at, approved_by="kasipkl" if approved else None,
                             approved_at=at if approved else None))


def test_quality_is_the_mean_of_approved_scores_per_agent(make_ctx) -> None:
    setup_sop(make_ctx)
    first, second, third = (new_campaign(make_ctx, 2) for _ in range(3))
    add_result(make_ctx, first, "agen1", 80.0, approved=True, calls=4)
    add_result(make_ctx, second, "agen1", 95.0, approved=True, calls=6)
    add_result(make_ctx, third, "agen1", 10.0, approved=False)  # not approved yet: not counted
    add_result(make_ctx, first, "agen2", 70.5, approved=True)
    add_result(make_ctx, second, "agen2", None, approved=True)  # no score: not counted
    add_result(make_ctx, first, "agen3", 99.0, approved=False)  # nothing approved: not listed
    quality = pages.dashboard_page(make_ctx(), "pkl").quality
    assert quality is not None
    assert [(q.username, q.name, q.average, q.results, q.calls) for q in quality] == [
        ("agen1", "Agen 1 (demo)", 87.5, 2, 10), ("agen2", "Agen 2 (demo)", 70.5, 1, 5)]


@pytest.mark.parametrize(("who", "operations", "quality"), [
    ("kasi", True, True), ("kepala", True, True), ("admin", True, True), ("pkl", False, True),
    ("kasipkl", False, True)])
def test_who_sees_which_part(make_ctx, who: str, operations: bool, quality: bool) -> None:
    setup_sop(make_ctx)
    board = pages.dashboard_page(make_ctx(), who)
    assert (board.operations is not None, board.quality is not None) == (operations, quality)


@pytest.mark.parametrize("who", ["pelaksana", "agen1", "unit", "kpp"])
def test_the_dashboard_is_refused_to_the_other_roles(make_ctx, who: str) -> None:
    setup_sop(make_ctx)
    with pytest.raises(NotAllowed):
        pages.dashboard_page(make_ctx(), who)


def test_an_unknown_period_is_refused(make_ctx) -> None:
    setup_sop(make_ctx)
    with pytest.raises(InvalidInput) as refused:
        pages.dashboard_page(make_ctx(), "kasi", days=5)
    assert "days" in refused.value.fields


def test_the_queries_do_not_grow_with_contacts_calls_or_campaigns(make_ctx) -> None:
    """Every figure is an aggregate: ten times the contacts and calls, and more campaigns, run the same statements."""
    setup_sop(make_ctx)

    def statements() -> int:
        ctx = make_ctx()
        seen: list[str] = []
        event.listen(ctx.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        pages.dashboard_page(ctx, "kasi")
        return len(seen)

    cid = calling(make_ctx, 3)
    call(make_ctx, "agen1", cid, 0, "tersampaikan")
    small = statements()
    for _ in range(2):
        more = calling(make_ctx, 30)
        for agent in ("agen1", "agen2", "agen3"):
            for i in range(5):
                call(make_ctx, agent, more, i, "tersampaikan")
    assert statements() == small
