"""Analysts' BPMN can never run code: malicious expressions are rejected at lint and deploy, naming the element."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidBpmn
from engine.models import ProcessVersion
from engine.process import deploy
from engine.settings import DEFAULT_BPMN

CONDITION = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
             'keputusan == "setuju"</bpmn:conditionExpression>')
TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">batas_laporan</bpmn:timeDate>'
SCRIPT = "<bpmn:script>penyampaian_selesai = now()"
PAYLOAD = '{"campaign_id": campaign_id, "nomor_surat": nomor_surat}'

MALICIOUS = [
    (CONDITION, "__import__('os').system('id')", "flow_laporan_kasi_setuju"),
    (CONDITION, "().__class__.__bases__", "flow_laporan_kasi_setuju"),
    (CONDITION, "open('/tmp/klip-canary', 'w')", "flow_laporan_kasi_setuju"),
    (CONDITION, "hitung_bonus(keputusan)", "flow_laporan_kasi_setuju"),
    (TIMER, "[c for c in ().__class__.__base__.__subclasses__()]", "batas_waktu_laporan"),
    (SCRIPT, "import os\npenyampaian_selesai = now()", "tetapkan_batas_laporan"),
    (SCRIPT, "exec('print(1)')\npenyampaian_selesai = now()", "tetapkan_batas_laporan"),
    (PAYLOAD, "{'x': (lambda: 1)()}", "kirim_laporan"),
]


def poisoned_copy(tmp_path: Path, anchor: str, evil: str) -> Path:
    """A copy of the real model (with its forms and sidecar) with one expression replaced."""
    shutil.copytree(DEFAULT_BPMN.parent / "forms", tmp_path / "forms")
    shutil.copy(DEFAULT_BPMN.with_suffix(".sop.json"), tmp_path / "model.sop.json")
    text = DEFAULT_BPMN.read_text(encoding="utf-8")
    assert anchor in text
    if anchor == CONDITION:
        replacement = anchor.replace('keputusan == "setuju"', evil.replace("<", "&lt;"))
        text = text.replace(anchor, replacement, 1)
    elif anchor == TIMER:
        text = text.replace(anchor, anchor.replace("batas_laporan", evil))
    elif anchor == SCRIPT:
        text = text.replace(anchor, "<bpmn:script>" + evil)
    else:
        text = text.replace(anchor, evil)
    path = tmp_path / "model.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_model_lints_clean(klip) -> None:
    result = klip("lint", str(DEFAULT_BPMN))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("OK")


@pytest.mark.parametrize(("anchor", "evil", "element"), MALICIOUS)
def test_lint_rejects_malicious_expressions_naming_the_element(klip, tmp_path, anchor, evil, element) -> None:
    path = poisoned_copy(tmp_path, anchor, evil)
    result = klip("lint", str(path))
    assert result.returncode == 1
    assert f"[{element}]" in result.stdout and f"{path}:" in result.stdout
    assert not Path("/tmp/klip-canary").exists()


@pytest.mark.parametrize(("anchor", "evil", "element"), MALICIOUS[:3])
def test_deploy_rejects_malicious_model_and_stores_nothing(make_ctx, tmp_path, anchor, evil, element) -> None:
    path = poisoned_copy(tmp_path, anchor, evil)
    with pytest.raises(InvalidBpmn) as exc:
        deploy(make_ctx(), "system", path, system=True)
    assert any(element in p for p in exc.value.problems)
    with make_ctx().transaction() as session:
        assert session.scalar(select(func.count(ProcessVersion.id))) == 0


def test_entities_and_doctype_are_refused(klip, tmp_path) -> None:
    path = tmp_path / "xxe.bpmn"
    path.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
    result = klip("lint", str(path))
    assert result.returncode == 1 and "DOCTYPE" in result.stdout and "root:" not in result.stdout


def test_malformed_xml_reports_file_and_line(klip, tmp_path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text('<?xml version="1.0"?>\n'
                    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n'
                    '<bpmn:process id="p">\n'
                    '</bpmn:definitions>\n')
    result = klip("lint", str(path))
    assert result.returncode == 1 and f"{path}:4:20: xml: XML tidak dapat dibaca: malformed XML" in result.stdout


def test_xsd_errors_report_the_line(klip, tmp_path) -> None:
    path = poisoned_copy(tmp_path, SCRIPT, "penyampaian_selesai = now()")
    path.write_text(path.read_text()
                    .replace("<bpmn:userTask id=\"tugaskan_pelaksana\"", "<bpmn:userTsk id=\"tugaskan_pelaksana\"", 1)
                    .replace("</bpmn:userTask>", "</bpmn:userTsk>", 1))
    result = klip("lint", str(path))
    assert result.returncode == 1 and "userTsk" in result.stdout and f"{path}:" in result.stdout


def test_redeploying_identical_content_is_a_no_op(make_ctx) -> None:
    first = deploy(make_ctx(), "system", system=True)
    second = deploy(make_ctx(), "system", system=True)
    assert first.created and not second.created and first.id == second.id


def test_redeploying_an_older_version_makes_it_current_again(make_ctx, tmp_path) -> None:
    from engine.process import current_version

    first = deploy(make_ctx(), "system", system=True)
    changed = poisoned_copy(tmp_path, SCRIPT, "penyampaian_selesai = now()\n")
    second = deploy(make_ctx(), "system", changed, system=True)
    assert second.created and second.id != first.id
    with make_ctx().transaction() as session:
        assert current_version(session, "lip20_0008").id == second.id
    again = deploy(make_ctx(), "system", system=True)
    assert not again.created and again.id == first.id
    with make_ctx().transaction() as session:
        assert current_version(session, "lip20_0008").id == first.id
