"""``klip backup`` and ``klip restore`` (issue 11): a round trip on SQLite and on PostgreSQL keeps a finished
campaign and a running one, the running one can be finished afterwards, the audit trail stays append-only; a
restore goes into an empty database only, and a backup never overwrites a file."""
from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DatabaseError

from engine import campaign as campaigns
from engine.context import Context, make_engine
from engine.migrate import upgrade
from engine.models import AuditEvent, AuditEventContact, CallAttempt, Campaign, Contact, Instance, Report
from engine.settings import Settings
from engine.walkthrough import run_through

from sop_helpers import CliResult, do, finish_calls, new_campaign, send_report, setup_sop, to_distribution


@pytest.fixture
def klip_on(klip: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """The ``klip`` fixture, with KLIP_DATABASE_URL set to ``url`` for the call."""

    def run(url: str, *args: str) -> CliResult:
        monkeypatch.setenv("KLIP_DATABASE_URL", url)
        return klip(*args)

    return run


@pytest.fixture
def contexts(clock) -> Iterator[Callable[[str], Callable[[], Context]]]:
    """A Context factory for a database URL (one engine per database, disposed at the end)."""
    engines: dict[str, Any] = {}

    def factory(url: str) -> Callable[[], Context]:
        engine = engines.setdefault(url, make_engine(url))
        return lambda: Context(settings=Settings(database_url=url), engine=engine, clock=clock)

    yield factory
    for engine in engines.values():
        engine.dispose()


def summary(make_ctx: Callable[[], Context]) -> dict[str, Any]:
    """What a restore must bring back: campaigns, their instances' state, contacts, calls, reports, the trail."""
    with make_ctx().transaction() as session:
        count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return {
            "campaigns": session.execute(select(Campaign.id, Campaign.title, Campaign.status)
                                         .order_by(Campaign.id)).all(),
            "instances": [(i.id, i.status, i.lock_version, hashlib.sha256(i.state_json.encode()).hexdigest())
                          for i in session.scalars(select(Instance).order_by(Instance.id))],
            "reports": [(r.campaign_id, r.number, r.sha256, hashlib.sha256(r.pdf or b"").hexdigest())
                        for r in session.scalars(select(Report).order_by(Report.campaign_id))],
            "contacts": count(Contact), "calls": count(CallAttempt), "audit": count(AuditEvent),
            "accessed": count(AuditEventContact),
        }


def status_of(make_ctx: Callable[[], Context], campaign_id: int) -> str:
    return campaigns.get_campaign(make_ctx(), "kasi", campaign_id).status


def test_backup_and_restore_round_trip(databases, contexts, klip_on, tmp_path: Path) -> None:
    source = databases.empty()
    upgrade(source)  # as `klip init-db` makes it
    on_source = contexts(source)
    setup_sop(on_source)
    finished = new_campaign(on_source, 4)
    run_through(on_source, finished, agents=("agen1", "agen2"))
    running = new_campaign(on_source, 6)
    to_distribution(on_source, running)
    do(on_source, "kasi", "distribusi_pekerjaan", running, {"agen": ["agen1", "agen2"]})
    first = campaigns.list_contacts(on_source(), "agen1", running)[0]
    campaigns.record_call(on_source(), "agen1", first.id, "sibuk")
    assert (status_of(on_source, finished), status_of(on_source, running)) == ("selesai", "penyampaian")
    before = summary(on_source)

    out = tmp_path / "klip.backup"
    made = klip_on(source, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert str(out) in made.stdout and stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds personal data
    target = databases.empty()
    restored = klip_on(target, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "2 kampanye" in restored.stdout
    on_target = contexts(target)
    assert summary(on_target) == before

    # The running campaign goes on where it stood: the agents finish, the report is drafted, signed and sent.
    for agent in ("agen1", "agen2"):
        finish_calls(on_target, running, agent)
    do(on_target, "pelaksana", "susun_laporan", running, {"ringkasan_pelaksanaan": "Selesai setelah pemulihan."})
    do(on_target, "kasi", "teliti_laporan", running, {"keputusan": "setuju"})
    do(on_target, "kepala", "tandatangani_laporan", running, {"keputusan": "tandatangani"})
    send_report(on_target, running)
    assert status_of(on_target, running) == "selesai"
    assert summary(on_source) == before  # the source was only read

    with pytest.raises(DatabaseError, match="append-only"):  # the triggers came back with the tables
        with on_target().transaction() as session:
            session.execute(update(AuditEvent).values(username="someone"))


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(databases, contexts, klip_on,
                                                                          tmp_path: Path) -> None:
    source = databases.empty()
    upgrade(source)
    setup_sop(contexts(source))
    out = tmp_path / "klip.backup"
    assert klip_on(source, "backup", "--out", str(out)).returncode == 0
    target = databases.empty()
    upgrade(target)  # `klip init-db` was run there: its tables exist, empty or not
    before = summary(contexts(target))
    refused = klip_on(target, "restore", str(out))
    assert refused.returncode == 1
    assert "Basis data tujuan tidak kosong" in refused.stderr and "basis data kosong" in refused.stderr
    assert summary(contexts(target)) == before
    again = klip_on(source, "backup", "--out", str(out))
    assert again.returncode == 1 and "sudah ada" in again.stderr  # never overwrites a backup


def test_restore_names_what_is_wrong_with_the_file(databases, klip_on, tmp_path: Path) -> None:
    target = databases.empty()
    missing = klip_on(target, "restore", str(tmp_path / "none.backup"))
    assert missing.returncode == 1 and "tidak ada" in missing.stderr
    other = tmp_path / "notes.txt"
    other.write_text("bukan cadangan")
    wrong = klip_on(target, "restore", str(other))
    assert wrong.returncode == 1 and "bukan cadangan KLIP" in wrong.stderr
    foreign = tmp_path / "other.db"  # a SQLite database that is not KLIP's, into a SQLite target
    foreign.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    if target.startswith("sqlite"):
        assert "bukan cadangan KLIP yang utuh" in klip_on(target, "restore", str(foreign)).stderr
    else:
        assert "cadangan sqlite" in klip_on(target, "restore", str(foreign)).stderr


def test_the_postgresql_tools_are_found(settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("pg_dump and pg_restore serve PostgreSQL")
    from engine.backup import pg_tool
    for tool in ("pg_dump", "pg_restore"):
        assert Path(pg_tool(tool)).name == tool
