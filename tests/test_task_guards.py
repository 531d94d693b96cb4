"""Double completion, concurrent completion and invalid data: named errors and nothing changed."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from engine import campaign as campaigns
from engine import tasks
from engine.errors import Conflict, InvalidInput, NotFound, TaskNotReady
from engine.models import AuditEvent, Instance, Notification, TaskIndex
from engine.walkthrough import WORK_PLAN, task_for

from sop_helpers import at_step_5, do, new_campaign, setup_sop


@pytest.fixture
def step1(make_ctx):
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    return cid, task_for(make_ctx(), "kasi", "tugaskan_pelaksana", cid).id


def snapshot(make_ctx, cid: int) -> tuple[str, int, int]:
    with make_ctx().transaction() as session:
        row = session.scalars(select(Instance).where(Instance.campaign_id == cid)).one()
        return row.state_json, row.lock_version, session.scalar(select(func.count(AuditEvent.id)))


def test_second_completion_of_the_same_task_is_refused(make_ctx, step1) -> None:
    cid, task_id = step1
    tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "pelaksana"})
    before = snapshot(make_ctx, cid)
    with pytest.raises(TaskNotReady):
        tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "pelaksana"})
    assert snapshot(make_ctx, cid) == before


def test_concurrent_completions_give_one_success_and_one_conflict(make_ctx, step1, monkeypatch) -> None:
    """Thread A loads the instance and pauses; B completes the same task; then A resumes."""
    cid, task_id = step1
    a_loaded, b_done = threading.Event(), threading.Event()
    real_validate = tasks.validate_form

    def pausing_validate(session, schema, data, functions=None, key=None):
        if threading.current_thread().name == "A":
            a_loaded.set()
            b_done.wait(timeout=3)  # PostgreSQL: B is blocked on A's row lock, so A goes on after 3 s
        return real_validate(session, schema, data, functions, key)

    monkeypatch.setattr(tasks, "validate_form", pausing_validate)
    results: dict[str, object] = {}

    def complete(name: str) -> None:
        try:
            tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "pelaksana"})
            results[name] = "ok"
        except (Conflict, TaskNotReady) as exc:
            results[name] = exc
        finally:
            if name == "B":
                b_done.set()

    a = threading.Thread(target=complete, args=("A",), name="A")
    a.start()
    assert a_loaded.wait(10)
    b = threading.Thread(target=complete, args=("B",), name="B")
    b.start()
    a.join(15)
    b.join(15)
    if make_ctx().engine.dialect.name == "sqlite":  # optimistic lock: B wins, A's stale save is refused
        assert results["B"] == "ok" and isinstance(results["A"], Conflict)
    else:  # row lock: A wins, B waits for it and then finds the task no longer READY
        assert results["A"] == "ok" and isinstance(results["B"], TaskNotReady)
    with make_ctx().transaction() as session:
        done = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.task_id == task_id))
    assert done == 1


def test_a_stale_save_is_a_conflict_and_stores_nothing(make_ctx, step1, monkeypatch) -> None:
    """The optimistic lock holds on both databases, also where the audit row and the task index's row are written by
    the state's own UPDATE (PostgreSQL): the instance changed under the completion (here by the completion's own
    transaction, since on PostgreSQL the row lock keeps others out) → Conflict, and none of it is stored."""
    cid, task_id = step1
    before = snapshot(make_ctx, cid)
    with make_ctx().transaction() as session:
        index_before = session.execute(select(TaskIndex.task_id, TaskIndex.bpmn_id)
                                       .join(Instance).where(Instance.campaign_id == cid)).all()
        notices_before = session.scalar(select(func.count(Notification.id)))
    real_validate = tasks.validate_form

    def changing_validate(session, schema, data, functions=None, key=None):
        session.execute(update(Instance).where(Instance.campaign_id == cid)
                        .values(lock_version=Instance.lock_version + 1))
        return real_validate(session, schema, data, functions, key)

    monkeypatch.setattr(tasks, "validate_form", changing_validate)
    with pytest.raises(Conflict):
        tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "pelaksana"})
    assert snapshot(make_ctx, cid) == before
    with make_ctx().transaction() as session:
        assert session.execute(select(TaskIndex.task_id, TaskIndex.bpmn_id)
                               .join(Instance).where(Instance.campaign_id == cid)).all() == index_before
        assert session.scalar(select(func.count(Notification.id))) == notices_before


def test_a_call_being_recorded_holds_off_the_completion_of_the_agent_s_step_5(make_ctx) -> None:
    """Recording a call share-locks the instance that completing a task locks FOR UPDATE: the agent's step 5 cannot
    finish (and its figures be taken) in the middle of a call."""
    campaign_id = at_step_5(make_ctx)
    if make_ctx().engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite has one writer at a time)")
    contact = campaigns.list_contacts(make_ctx(), "agen1", campaign_id)[0].id
    seen: dict[str, bool] = {}

    def fields() -> dict[str, str]:  # read while the call's transaction is open
        with make_ctx().engine.connect() as other:
            try:
                other.execute(select(Instance.id).where(Instance.campaign_id == campaign_id)
                              .with_for_update(nowait=True)).all()
                seen["instance locked"] = False
            except OperationalError:
                seen["instance locked"] = True
        return {"outcome": "sibuk"}

    assert campaigns.record_call(make_ctx(), "agen1", contact, fields).attempts == 1
    assert seen == {"instance locked": True}


def test_invalid_form_data_gives_field_errors_and_changes_nothing(make_ctx, step1) -> None:
    cid, task_id = step1
    before = snapshot(make_ctx, cid)
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "kasi", task_id, {"catatan": 5, "tidak_ada": "x"})
    assert exc.value.fields == {"pelaksana": "wajib diisi", "catatan": "tipe isian harus string",
                                "tidak_ada": "isian tidak dikenal pada formulir ini"}
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "agen9"})
    assert "agen9" in exc.value.fields["pelaksana"]
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "kasi", task_id, {"pelaksana": "kepala"})  # not a pelaksana
    assert "Pelaksana Seksi Operasional" in exc.value.fields["pelaksana"]  # the role's label, not its code
    assert snapshot(make_ctx, cid) == before


def test_return_without_notes_is_refused(make_ctx, step1) -> None:
    cid, _ = step1
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    review = task_for(make_ctx(), "kasi", "teliti_rencana_kerja", cid).id
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "kasi", review, {"keputusan": "kembalikan"})
    assert exc.value.fields == {"catatan": "wajib diisi"}
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "kasi", review, {"keputusan": "mungkin"})
    assert "setuju" in exc.value.fields["keputusan"]


def test_unknown_task_is_not_found(make_ctx, step1) -> None:
    with pytest.raises(NotFound):
        tasks.complete_task(make_ctx(), "kasi", "00000000-0000-0000-0000-000000000000", {})


def test_every_missing_required_field_is_named(make_ctx, step1) -> None:
    cid, _ = step1
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    plan = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", cid).id
    with pytest.raises(InvalidInput) as exc:
        tasks.complete_task(make_ctx(), "pelaksana", plan, {"rencana_mulai": "2026-13-01"})
    assert exc.value.fields["rencana_mulai"] == "harus berupa tanggal (YYYY-MM-DD)"
    assert {"rencana_selesai", "materi", "naskah"} <= set(exc.value.fields)
