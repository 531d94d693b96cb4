"""A model that fails at run time: a clear named error, nothing saved, and other instances unaffected."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import ProcessFailed
from engine.models import AuditEvent, Instance
from engine.process import deploy, tick
from engine.settings import DEFAULT_BPMN

from sop_helpers import do, overdue_campaign, ready, setup_sop

PAYLOAD = '"untuk_peran": ["kasi", "kepala_kantor"]}'


def broken_model(tmp_path: Path) -> Path:
    """The real model whose escalation payload fails at run time: every variable it reads is set (the lint passes:
    a variable read before it is set no longer deploys), but ``int()`` of a text that is no number raises."""
    shutil.copytree(DEFAULT_BPMN.parent / "forms", tmp_path / "forms")
    shutil.copy(DEFAULT_BPMN.with_suffix(".sop.json"), tmp_path / "model.sop.json")
    text = DEFAULT_BPMN.read_text(encoding="utf-8")
    assert PAYLOAD in text
    path = tmp_path / "model.bpmn"
    failing = '"untuk_peran": ["kasi", "kepala_kantor"], "x": int("x" + str(campaign_id))}'
    path.write_text(text.replace(PAYLOAD, failing))
    return path


def test_one_broken_instance_does_not_stop_the_other_timers(make_ctx, clock, tmp_path) -> None:
    setup_sop(make_ctx)
    deploy(make_ctx(), "system", broken_model(tmp_path), system=True)
    broken = overdue_campaign(make_ctx, clock)
    deploy(make_ctx(), "system", system=True)  # the good model again becomes current
    good = overdue_campaign(make_ctx, clock)
    clock.set(datetime(2026, 4, 20, 3, 0, tzinfo=timezone.utc))
    assert tick(make_ctx()) == 1
    assert "tindak_lanjut_keterlambatan" in ready(make_ctx, "kepala", good)
    assert "tindak_lanjut_keterlambatan" not in ready(make_ctx, "kepala", broken)
    with make_ctx().transaction() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "timer_failed")).one()
        row = session.scalars(select(Instance).where(Instance.campaign_id == broken)).one()
    assert failed.campaign_id == broken and "notifikasi_keterlambatan" in failed.data["error"]
    assert 'int("x" + str(campaign_id))' in failed.data["error"]
    assert row.next_timer_at > clock()  # retried later, not on every tick
    assert tick(make_ctx()) == 0


def test_a_failing_expression_is_a_named_error_and_nothing_is_saved(make_ctx, clock, tmp_path) -> None:
    setup_sop(make_ctx)
    deploy(make_ctx(), "system", broken_model(tmp_path), system=True)
    cid = overdue_campaign(make_ctx, clock)
    clock.set(datetime(2026, 4, 20, 3, 0, tzinfo=timezone.utc))
    with make_ctx().transaction() as session:
        before = session.scalars(select(Instance.state_json).where(Instance.campaign_id == cid)).one()
    with pytest.raises(ProcessFailed, match="hubungi analis"):
        do(make_ctx, "pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai."})
    with make_ctx().transaction() as session:
        assert session.scalars(select(Instance.state_json).where(Instance.campaign_id == cid)).one() == before
