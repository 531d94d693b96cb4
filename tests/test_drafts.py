"""Model drafts (engine.drafts): upload → lint → deploy with a note, for role analis only, audited."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import drafts
from engine.errors import InvalidInput, NotAllowed
from engine.models import AuditEvent, ModelDraft, ProcessVersion
from engine.process import list_versions
from engine.users import create_user

from sop_helpers import setup_sop

ROOT = Path(__file__).resolve().parents[1]
MODEL = (ROOT / "bpmn" / "lip20-0008.bpmn").read_bytes()
FORMS = ROOT / "bpmn" / "forms"


@pytest.fixture
def analyst(make_ctx) -> str:
    setup_sop(make_ctx)
    create_user(make_ctx(), "ana", ["analis"], full_name="Analis Proses")
    return "ana"


def counts(make_ctx) -> tuple[int, int, int]:
    with make_ctx().transaction() as session:
        return (session.scalar(select(func.count()).select_from(ProcessVersion)) or 0,
                session.scalar(select(func.count()).select_from(ModelDraft)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def actions(make_ctx) -> list[str]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("model_%"))
                                    .order_by(AuditEvent.id)))


def changed_model() -> bytes:
    """The real model with one SOP sentence changed (a real change, lint-clean)."""
    return MODEL.replace(b"<bpmn:documentation>", b"<bpmn:documentation>Diperbarui. ", 1)


def test_an_unchanged_upload_lints_clean_and_deploys_nothing(make_ctx, analyst: str) -> None:
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", MODEL)])
    assert view.errors == 0 and view.process_id == "lip20_0008"
    assert view.same_as_version is not None  # the forms and the SOP header were taken from the current version
    before = counts(make_ctx)
    outcome = drafts.deploy(make_ctx(), analyst, view.id, "tidak ada perubahan")
    assert not outcome.created and outcome.version_id == view.same_as_version
    assert counts(make_ctx)[0] == before[0]
    assert actions(make_ctx) == ["model_uploaded", "model_deploy_unchanged"]


def test_a_changed_model_deploys_a_new_version_with_its_note(make_ctx, analyst: str) -> None:
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", changed_model())])
    assert view.errors == 0 and view.same_as_version is None
    outcome = drafts.deploy(make_ctx(), analyst, view.id, "  Kalimat SOP langkah 1 diperbarui ")
    assert outcome.created and outcome.number == 2
    rows = list_versions(make_ctx(), "lip20_0008")
    assert rows[-1].id == outcome.version_id and rows[-1].current
    assert rows[-1].note == "Kalimat SOP langkah 1 diperbarui"
    assert rows[-1].deployed_by == analyst
    assert drafts.draft(make_ctx(), analyst, view.id).deployed_version_id == outcome.version_id


def test_only_analis_may_upload_or_deploy(make_ctx, analyst: str) -> None:
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", changed_model())])
    before = counts(make_ctx)
    for who in ("kasi", "admin_only"):
        if who == "admin_only":
            create_user(make_ctx(), who, ["admin"])
        with pytest.raises(NotAllowed):
            drafts.upload(make_ctx(), who, [("lip20-0008.bpmn", MODEL)])
        with pytest.raises(NotAllowed):
            drafts.deploy(make_ctx(), who, view.id, "catatan")
        with pytest.raises(NotAllowed):
            drafts.draft(make_ctx(), who, view.id)
    assert counts(make_ctx)[:2] == before[:2]


@pytest.mark.parametrize(("files", "field_text"), [
    ([("model.bpmn", b"this is not XML")], "bukan model BPMN"),
    ([("model.bpmn", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;'
                     b'</bpmn:definitions>')], "DOCTYPE"),
    ([("model.bpmn", "é".encode("latin-1"))], "bukan teks UTF-8"),
    ([("a.bpmn", MODEL), ("b.bpmn", MODEL)], "tepat satu file .bpmn"),
    ([("forms.json", b"{}")], "tepat satu file .bpmn"),
    ([("lip20-0008.bpmn", MODEL), ("run.sh", b"echo")], "run.sh"),
    ([("lip20-0008.bpmn", MODEL), ("lip20-0008.sop.json", b"[1, 2")], "JSON tidak sah"),
])
def test_bad_uploads_are_refused_naming_why_and_store_nothing(make_ctx, analyst: str, files, field_text) -> None:
    before = counts(make_ctx)
    with pytest.raises(InvalidInput) as refused:
        drafts.upload(make_ctx(), analyst, files)
    assert field_text in str(refused.value)
    assert "files" in refused.value.fields
    assert counts(make_ctx) == before


def test_a_broken_form_is_a_finding_on_its_line_and_blocks_deploy(make_ctx, analyst: str) -> None:
    broken = '{\n  "type": "object",\n  "properties": {\n    "keputusan": {"type": "strin"}\n  }\n}\n'
    bad_json = '{\n  "type": "object",\n  "properties": {,}\n}\n'
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", MODEL),
                                               ("persetujuan-rencana-kerja.json", broken.encode()),
                                               ("distribusi.json", bad_json.encode())])
    by_file = {f.file: f for f in view.findings}
    assert by_file["forms/distribusi.json"].line == 3 and "JSON tidak sah" in by_file["forms/distribusi.json"].message
    assert "properties/keputusan/type" in by_file["forms/persetujuan-rencana-kerja.json"].message
    assert view.errors >= 2 and any(f.element_id for f in view.findings)  # the tasks naming the broken forms
    versions = counts(make_ctx)[0]
    with pytest.raises(InvalidInput, match="kesalahan"):
        drafts.deploy(make_ctx(), analyst, view.id, "coba")
    assert counts(make_ctx)[0] == versions


def test_a_lint_error_is_listed_with_its_element_and_blocks_deploy(make_ctx, analyst: str) -> None:
    text = MODEL.decode().replace('name="sopStep" value="1"', 'name="sopStep" value="9"', 1)
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", text.encode())])
    sop = [f for f in view.findings if f.rule == "sop-step"]
    assert sop and sop[0].severity == "error" and sop[0].element_id and sop[0].line
    with pytest.raises(InvalidInput):
        drafts.deploy(make_ctx(), analyst, view.id, "coba")
    assert "model_deployed" not in actions(make_ctx)


def test_a_deploy_needs_a_note(make_ctx, analyst: str) -> None:
    view = drafts.upload(make_ctx(), analyst, [("lip20-0008.bpmn", changed_model())])
    with pytest.raises(InvalidInput) as refused:
        drafts.deploy(make_ctx(), analyst, view.id, "   ")
    assert "note" in refused.value.fields


def test_modeler_save_updates_the_draft_until_it_is_deployed(make_ctx, analyst: str) -> None:
    source, processes = drafts.modeler_source(make_ctx(), analyst, None, "lip20_0008")
    assert processes == ("lip20_0008", "penilaian_kualitas_agen")
    assert source.id == 0 and "persetujuan-rencana-kerja.json" in source.forms
    first = drafts.save(make_ctx(), analyst, None, source.bpmn_xml, {})
    assert first.errors == 0 and first.same_as_version == source.same_as_version
    form = json.loads(source.forms["persetujuan-rencana-kerja.json"])
    form["properties"]["catatan"]["maxLength"] = 999
    second = drafts.save(make_ctx(), analyst, first.id, source.bpmn_xml,
                         {"persetujuan-rencana-kerja.json": json.dumps(form, indent=2)})
    assert second.id == first.id and second.same_as_version is None
    drafts.deploy(make_ctx(), analyst, second.id, "catatan boleh lebih panjang")
    third = drafts.save(make_ctx(), analyst, first.id, source.bpmn_xml, {})
    assert third.id != first.id  # a deployed draft is never changed afterwards
    assert actions(make_ctx) == ["model_saved", "model_saved", "model_deployed", "model_saved"]
