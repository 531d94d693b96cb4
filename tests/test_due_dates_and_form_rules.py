"""Every step has a due date from the model; forms check their cross-field rules (``x-rules``) with the rest."""
from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine import tasks
from engine.errors import InvalidInput
from engine.process import load_model_file
from engine.settings import DEFAULT_BPMN
from engine.walkthrough import WORK_PLAN, task_for
from engine.workdays import remove_override, set_override

from sop_helpers import do, finish_calls, new_campaign, setup_sop, to_distribution

WIB = ZoneInfo("Asia/Jakarta")


def due_of(make_ctx, username: str, bpmn_id: str, campaign_id: int) -> datetime | None:
    due = task_for(make_ctx(), username, bpmn_id, campaign_id).due_at
    return due.astimezone(WIB) if due else None


def test_every_step_is_due_by_its_time_standard_in_working_days(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)  # Monday 9 March 2026, 09:00 WIB
    assert due_of(make_ctx, "kasi", "tugaskan_pelaksana", cid) == datetime(2026, 3, 10, 16, tzinfo=WIB)  # 1 day
    clock.set(datetime(2026, 3, 13, 3, 0, tzinfo=timezone.utc))  # Friday 10:00 WIB
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    # 2 working days from Friday, over the weekend: Tuesday 17 March.
    assert due_of(make_ctx, "pelaksana", "susun_rencana_kerja", cid) == datetime(2026, 3, 17, 16, tzinfo=WIB)
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, {**WORK_PLAN, "rencana_mulai": "2026-03-13"})
    # 1 working day from Tuesday 17 March is Wednesday 25 March: 18–24 March are Nyepi, Idul Fitri, cuti bersama.
    clock.set(datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc))
    do(make_ctx, "kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    assert due_of(make_ctx, "kasi", "distribusi_pekerjaan", cid) == datetime(2026, 3, 25, 16, tzinfo=WIB)


def test_a_completion_after_a_calendar_correction_counts_with_the_corrected_calendar(make_ctx, clock) -> None:
    """A process keeps the calendar it built, but only for the overrides it was built from: the next completion
    after a correction (made by any process: nothing here tells this one) counts with the corrected calendar."""
    setup_sop(make_ctx)
    clock.set(datetime(2026, 3, 13, 3, 0, tzinfo=timezone.utc))  # Friday 13 March, 10:00 WIB

    def step_2_due() -> datetime | None:
        cid = new_campaign(make_ctx)
        do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})  # step 2: 2 working days
        return due_of(make_ctx, "pelaksana", "susun_rencana_kerja", cid)

    assert step_2_due() == datetime(2026, 3, 17, 16, tzinfo=WIB)  # Monday 16 and Tuesday 17
    set_override(make_ctx(), "admin", date(2026, 3, 16), False, "Kantor tutup")
    # Monday off, 18–24 March are Nyepi, Idul Fitri and cuti bersama: Tuesday 17 and Wednesday 25.
    assert step_2_due() == datetime(2026, 3, 25, 16, tzinfo=WIB)
    set_override(make_ctx(), "admin", date(2026, 3, 18), True, "Hari kerja pengganti")
    assert step_2_due() == datetime(2026, 3, 18, 16, tzinfo=WIB)
    remove_override(make_ctx(), "admin", date(2026, 3, 16))
    remove_override(make_ctx(), "admin", date(2026, 3, 18))
    assert step_2_due() == datetime(2026, 3, 17, 16, tzinfo=WIB)


def test_the_agents_step_is_due_at_the_plans_end_and_step_9_by_its_standard(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 3)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    assert due_of(make_ctx, "agen1", "hubungi_wajib_pajak", cid) == datetime(2026, 3, 19, 16, tzinfo=WIB)  # plan end
    finish_calls(make_ctx, cid, "agen1")
    do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    do(make_ctx, "kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    do(make_ctx, "kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    assert due_of(make_ctx, "pkl", "sampaikan_laporan", cid) == datetime(2026, 3, 10, 16, tzinfo=WIB)
    assert all(t.due_at for t in tasks.ready_tasks(make_ctx(), "pkl"))


def test_an_overdue_step_1_is_in_the_overdue_list(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    assert [t.bpmn_id for t in tasks.ready_tasks(make_ctx(), "kasi", "overdue")] == []
    clock.set(clock() + timedelta(days=2))
    overdue = tasks.ready_tasks(make_ctx(), "kasi", "overdue")
    assert [(t.bpmn_id, t.campaign_id, t.overdue) for t in overdue] == [("tugaskan_pelaksana", cid, True)]


# ---------------------------------------------------------------- cross-field rules
@pytest.fixture
def plan_task(make_ctx) -> str:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    return task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid).id


def test_the_work_plan_may_not_end_before_it_starts_nor_start_in_the_past(make_ctx, plan_task) -> None:
    with pytest.raises(InvalidInput) as caught:  # the clock says Monday 9 March 2026
        tasks.complete_task(make_ctx(), "pelaksana", plan_task,
                            {**WORK_PLAN, "rencana_mulai": "2026-03-06", "rencana_selesai": "2026-03-05"})
    assert caught.value.fields == {"rencana_mulai": "Tanggal mulai tidak boleh sebelum hari ini.",
                                   "rencana_selesai": "Tanggal selesai tidak boleh sebelum tanggal mulai."}
    tasks.complete_task(make_ctx(), "pelaksana", plan_task,
                        {**WORK_PLAN, "rencana_mulai": "2026-03-09", "rencana_selesai": "2026-03-09"})


def test_every_problem_of_a_form_is_reported_at_once(make_ctx, plan_task) -> None:
    """Schema errors and rule errors together; a rule waits until the fields it reads are filled in."""
    with pytest.raises(InvalidInput) as caught:
        tasks.complete_task(make_ctx(), "pelaksana", plan_task,
                            {"rencana_mulai": "2026-03-01", "naskah": "Halo", "target_kontak": 0})
    assert caught.value.fields == {"rencana_selesai": "wajib diisi", "materi": "wajib diisi",
                                   "target_kontak": "paling kecil 1",
                                   "rencana_mulai": "Tanggal mulai tidak boleh sebelum hari ini."}


def test_lint_checks_the_rules_of_the_forms(tmp_path: Path) -> None:
    model = tmp_path / "model" / DEFAULT_BPMN.name
    shutil.copytree(DEFAULT_BPMN.parent, model.parent)
    form = model.parent / "forms" / "rencana-kerja.json"
    schema = json.loads(form.read_text(encoding="utf-8"))
    schema["x-rules"] = [{"rule": "rencana_selesai.__class__", "field": "rencana_selesai", "message": "x"},
                         {"rule": "tanggal_akhir >= rencana_mulai", "field": "rencana_selesai", "message": "x"},
                         {"rule": "True", "field": "tidak_ada"}]
    form.write_text(json.dumps(schema), encoding="utf-8")
    loaded, problems = load_model_file(model)
    messages = [p.message for p in problems if p.file.endswith("rencana-kerja.json")]
    assert loaded is None
    assert any("x-rules #1: aturan ditolak: attribute access" in m for m in messages), messages
    assert "x-rules #2: menyebut field yang tidak dimiliki formulir: tanggal_akhir" in messages
    assert "x-rules #3: perlu teks 'rule', 'field', dan 'message'" in messages
    assert {p.rule for p in problems if p.file.endswith("rencana-kerja.json")} == {"form"}
