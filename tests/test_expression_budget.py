"""Expressions have a budget (issue 11): size blow-ups are refused at lint and deploy, evaluation counts its
operations, each run of an instance has a time limit, and on PostgreSQL the timer loop's statements and lock waits
are bounded by the database, so one bad instance cannot hold a lock or stall the others."""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from engine.context import limit_statements
from engine.errors import InvalidBpmn
from engine.models import AuditEvent, Instance
from engine.process import deploy, expressions, tick, timers
from engine.process.expressions import (
    PURE_FUNCTIONS,
    BudgetExceeded,
    ExpressionRejected,
    SafeEnvironment,
    check_expression,
    check_script,
    time_limit,
)

from sop_helpers import edited_model, overdue_campaign, ready, setup_sop

BOMB = "len([[[1]*999]*999]*999)"  # the reviewer's: passed the allow-list and ran 95 s
NESTED = "nested sequence repetition"
ESCALATION = '"untuk_peran": ["kasi", "kepala_kantor"]}'
SCRIPT = "<bpmn:script>penyampaian_selesai = now()"


@pytest.fixture
def env() -> SafeEnvironment:
    return SafeEnvironment(dict(PURE_FUNCTIONS))


# --- refused in the source -----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [BOMB, "[[0] * 999] * 999", '(("ab" * 9,),) * n', '[{"k": [1] * 3}] * 2'])
def test_a_repetition_of_a_sequence_holding_a_repetition_is_refused(source: str) -> None:
    assert any(NESTED in reason for reason in check_expression(source)), check_expression(source)
    assert any(NESTED in reason for reason in check_script(f"x = {source}"))


@pytest.mark.parametrize(("source", "items"), [("[0] * 99999", "99,999"), ('"x" * 100000000', "100,000,000"),
                                               ("50000 * (1, 2)", "100,000")])
def test_a_written_out_repetition_over_the_item_limit_is_refused(source: str, items: str) -> None:
    assert check_expression(source) == (f"sequence repetition makes {items} items (at most 10,000)",)


@pytest.mark.parametrize("source", ["[1] * 3", '"-" * 20 + judul', "agen * 2", "[x] * n * 2", "[[1] * 2, [3]]",
                                    "[0] * 10000", "a * b * c"])
def test_plain_repetitions_are_still_allowed(source: str) -> None:
    assert check_expression(source) == ()


def test_lint_and_deploy_refuse_a_nested_repetition_naming_the_element(klip, make_ctx, tmp_path: Path) -> None:
    path = edited_model(tmp_path, SCRIPT, f"{SCRIPT}\nukuran = {BOMB}")
    result = klip("lint", str(path))
    assert result.returncode == 1
    assert NESTED in result.stdout and "[tetapkan_batas_laporan]" in result.stdout
    with pytest.raises(InvalidBpmn) as info:
        deploy(make_ctx(), "system", path, system=True)
    assert any(NESTED in p and "tetapkan_batas_laporan" in p for p in info.value.problems)


# --- counted while evaluating --------------------------------------------------------------------------------

def test_the_reviewers_expression_is_refused_at_run_time_too(env: SafeEnvironment) -> None:
    """A spec stored before this check (or tampered with) is checked again when it runs."""
    with pytest.raises(ExpressionRejected, match=NESTED):
        env.evaluate(BOMB, {})


@pytest.mark.parametrize(("source", "names"), [
    ("len(x)", {"x": [[1] * 999] * 999}),      # a million items reached through task data
    ("len([a] * 9999)", {"a": [0] * 100}),     # 10,000 items, each a list of 100
    ("[a * 5000] * 50", {"a": [1]}),           # no repetition visible in the source
    ("x == y", {"x": [[1] * 999] * 999, "y": [[1] * 999] * 999}),
])
def test_evaluation_over_its_operation_budget_fails(env: SafeEnvironment, source: str, names: dict) -> None:
    with pytest.raises(BudgetExceeded, match="budget of 100,000 operations"):
        env.evaluate(source, names)


def test_a_script_over_budget_stores_nothing(env: SafeEnvironment) -> None:
    context = {"a": [1]}
    with pytest.raises(BudgetExceeded):
        env.execute("b = 1\nc = [a * 5000] * 50", context)
    assert "c" not in context


def test_everyday_expressions_stay_well_within_the_budget(env: SafeEnvironment) -> None:
    agents = [f"agen{i}" for i in range(500)]  # a form's longest list
    assert env.evaluate('len(agen) >= 2 and keputusan == "setuju" and "agen1" in agen',
                        {"agen": agents, "keputusan": "setuju"}) is True
    assert env.evaluate("sorted(agen)[0]", {"agen": agents}) == "agen0"


def test_a_time_limit_stops_evaluation_and_nested_limits_keep_the_sooner(env: SafeEnvironment) -> None:
    with time_limit(0.0), pytest.raises(BudgetExceeded, match="time limit"):
        env.evaluate("1 + 1", {})
    with time_limit(0.0), time_limit(3600), pytest.raises(BudgetExceeded, match="time limit"):
        env.evaluate("1 + 1", {})
    with time_limit(3600):
        assert env.evaluate("1 + 1", {}) == 2
    assert env.evaluate("1 + 1", {}) == 2  # no limit outside the block


# --- the timer loop ------------------------------------------------------------------------------------------

def budget_model(tmp_path: Path) -> Path:
    """The real model whose overdue-report escalation builds a value far over the budget from the agents' list."""
    return edited_model(tmp_path, ESCALATION, '"untuk_peran": ["kasi", "kepala_kantor"], "x": [agen * 5000] * 50}')


REPORT_OVERDUE = datetime(2026, 4, 20, 3, 0, tzinfo=timezone.utc)


def timer_failures(make_ctx) -> list[AuditEvent]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "timer_failed")))


def state_of(make_ctx, campaign_id: int) -> tuple[str, datetime | None]:
    with make_ctx().transaction() as session:
        row = session.scalars(select(Instance).where(Instance.campaign_id == campaign_id)).one()
        return row.state_json, row.next_timer_at


def test_a_timer_over_budget_fails_naming_the_element_and_the_others_fire(make_ctx, clock, tmp_path: Path) -> None:
    setup_sop(make_ctx)
    deploy(make_ctx(), "system", budget_model(tmp_path), system=True)  # lint cannot see the size: it is data
    bad = overdue_campaign(make_ctx, clock)
    deploy(make_ctx(), "system", system=True)
    good = overdue_campaign(make_ctx, clock)
    before = state_of(make_ctx, bad)[0]
    clock.set(REPORT_OVERDUE)
    assert tick(make_ctx()) == 1
    assert "tindak_lanjut_keterlambatan" in ready(make_ctx, "kepala", good)
    (failed,) = timer_failures(make_ctx)
    assert failed.campaign_id == bad and "budget of 100,000 operations" in failed.data["error"]
    assert "elemen '?'" not in failed.data["error"] and "elemen '" in failed.data["error"]
    state, next_at = state_of(make_ctx, bad)
    assert state == before and next_at is not None and next_at > clock()  # rolled back, retried in an hour


def test_an_instance_past_its_time_limit_is_rolled_back_and_retried_later(make_ctx, settings, clock,
                                                                          monkeypatch) -> None:
    setup_sop(make_ctx)
    cid = overdue_campaign(make_ctx, clock)
    before = state_of(make_ctx, cid)[0]
    clock.set(REPORT_OVERDUE)
    # The limit's clock: seven seconds pass at every look, so the run passes its 20 s within the engine's steps.
    seconds = iter(range(0, 10**6, 7))
    monkeypatch.setattr(expressions, "monotonic", lambda: float(next(seconds)))
    assert tick(make_ctx()) == 0
    monkeypatch.undo()
    (failed,) = timer_failures(make_ctx)
    assert "time limit exceeded" in failed.data["error"] and failed.campaign_id == cid
    assert state_of(make_ctx, cid)[0] == before
    clock.set(REPORT_OVERDUE.replace(hour=5))
    assert tick(make_ctx()) == 1  # the normal limit: it runs


def postgres_only(settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("statement and lock timeouts are PostgreSQL's (SQLite has one writer and busy_timeout)")


def test_statements_are_bounded_on_postgresql(ctx, settings) -> None:
    postgres_only(settings)
    with pytest.raises(OperationalError, match="statement timeout"):
        with ctx.transaction() as session:
            limit_statements(session, 0.2)
            session.execute(text("SELECT pg_sleep(3)"))
    with ctx.transaction() as session:  # SET LOCAL: the next transaction on the same connection is unbounded
        assert session.scalar(text("SHOW statement_timeout")) == "0"


def test_a_locked_instance_does_not_stall_the_timer_loop(make_ctx, settings, clock, monkeypatch) -> None:
    """A request holding an instance's row lock used to keep the timer thread waiting (and every instance after
    it): now the timer gives up after its lock wait and the next tick retries."""
    postgres_only(settings)
    monkeypatch.setattr(timers, "LOCK_WAIT", 0.5)
    setup_sop(make_ctx)
    locked, other = overdue_campaign(make_ctx, clock), overdue_campaign(make_ctx, clock)
    clock.set(REPORT_OVERDUE)
    holder = make_ctx().engine.connect()
    transaction = holder.begin()
    holder.execute(select(Instance.id).where(Instance.campaign_id == locked).with_for_update())
    fired: list[int] = []
    worker = threading.Thread(target=lambda: fired.append(tick(make_ctx())), daemon=True)
    worker.start()
    try:
        worker.join(timeout=20)
        assert not worker.is_alive(), "the timer loop waited for the locked instance"
    finally:
        transaction.rollback()
        holder.close()
        worker.join()
    assert fired == [1] and "tindak_lanjut_keterlambatan" in ready(make_ctx, "kepala", other)
    assert timer_failures(make_ctx) == []  # busy is not broken: no failure, no hour's wait
    assert tick(make_ctx()) == 1 and "tindak_lanjut_keterlambatan" in ready(make_ctx, "kepala", locked)
