"""Versions: a version's identity is its meaning, not its bytes; each version has its note and its instance counts;
`klip diff` says what changed between two versions."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import sqlalchemy as sa

from engine.bpmn_xml import canonical_bpmn
from engine.migrate import upgrade
from engine.process.deployment import content_identity
from engine.settings import MODELS_DIR

MODEL = "lip20-0008.bpmn"


def copy_models(tmp_path: Path) -> Path:
    folder = tmp_path / "bpmn"
    shutil.copytree(MODELS_DIR, folder)
    return folder


def as_another_modeller_saves_it(text: str) -> str:
    """What a round trip through bpmn.io or Camunda Modeler does to an unchanged model: another namespace prefix
    (also inside xsi:type values), no indentation, attributes in another order, its exporter stamp, a comment."""
    text = text.replace("xmlns:bpmn=", "xmlns:bpmn2=").replace("<bpmn:", "<bpmn2:").replace("</bpmn:", "</bpmn2:")
    text = text.replace('xsi:type="bpmn:', 'xsi:type="bpmn2:')
    text = re.sub(r">\s+<", "><", text)
    text = re.sub(r'<dc:Bounds x="([^"]*)" y="([^"]*)"', r'<dc:Bounds y="\2" x="\1"', text)
    text = re.sub(r'exporter="[^"]*"', 'exporter="Camunda Modeler"', text, count=1)
    text = re.sub(r'exporterVersion="[^"]*"', 'exporterVersion="5.31.0"', text, count=1)
    return text.replace("<bpmn2:definitions ", "<!-- saved by a modeller --><bpmn2:definitions ", 1)


def test_a_round_trip_through_a_modeller_without_a_change_deploys_nothing(klip, tmp_path: Path) -> None:
    klip("init-db")
    first = klip("deploy", str(MODELS_DIR / MODEL))
    assert "versi baru" in first.stdout
    folder = copy_models(tmp_path)
    (folder / MODEL).write_text(as_another_modeller_saves_it((folder / MODEL).read_text(encoding="utf-8")),
                                encoding="utf-8")
    again = klip("deploy", str(folder / MODEL))
    assert again.returncode == 0, again.stderr
    assert "sudah ada (tidak ada perubahan)" in again.stdout
    assert first.stdout.split()[1] == again.stdout.split()[1]  # the same version number


def test_a_real_change_is_a_new_version_with_its_note_and_the_diff_says_what_changed(klip, tmp_path: Path) -> None:
    klip("init-db")
    klip("deploy", str(MODELS_DIR / MODEL))
    folder = copy_models(tmp_path)
    text = (folder / MODEL).read_text(encoding="utf-8")
    text = text.replace('name="Menugaskan Pelaksana menyusun konsep rencana kerja"',
                        'name="Menugaskan Pelaksana menyusun rencana kerja"', 1)
    text = text.replace('<dc:Bounds x="330" y="330" width="120" height="80" />',
                        '<dc:Bounds x="340" y="330" width="120" height="80" />', 1)
    (folder / MODEL).write_text(text, encoding="utf-8")
    form = folder / "forms" / "rencana-kerja.json"
    form.write_text(form.read_text(encoding="utf-8").replace('"Naskah panggilan"', '"Naskah telepon"', 1),
                    encoding="utf-8")
    second = klip("deploy", str(folder / MODEL), "--note", "Nama langkah 1 dipersingkat")
    assert "versi baru" in second.stdout, second.stdout + second.stderr
    listed = klip("versions", "lip20_0008")
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("*#2") and "Nama langkah 1 dipersingkat" in lines[1]
    assert "berjalan    0  selesai    0" in lines[0]
    diff = klip("diff", "1", "2")
    assert diff.returncode == 0, diff.stderr
    assert ("~ userTask tugaskan_pelaksana 'Menugaskan Pelaksana menyusun rencana kerja': name: "
            "'Menugaskan Pelaksana menyusun konsep rencana kerja' → 'Menugaskan Pelaksana menyusun rencana kerja'"
            ) in diff.stdout
    assert "↔ tugaskan_pelaksana (dipindah pada diagram)" in diff.stdout
    assert "~ form rencana-kerja.json: ~ naskah" in diff.stdout
    assert "+ " not in diff.stdout.replace("~ ", "") and "\n- " not in diff.stdout  # nothing added or removed
    same = klip("diff", "2", "2")
    assert same.stdout.strip().endswith("tidak ada perbedaan")


def test_versions_deployed_before_get_their_meaning_as_identity(tmp_path: Path) -> None:
    """The migration: a version stored with the hash of its bytes is found again by the hash of its meaning."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "8ca573b72ccc")
    xml = (MODELS_DIR / MODEL).read_text(encoding="utf-8")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO process_versions (id, process_id, sha256, bpmn_xml, spec_json, forms, sop_metadata, "
            "deployed_by, deployed_at) VALUES (1, 'lip20_0008', 'bytes-hash', :xml, '{}', '{}', '{}', 'system', "
            "'2026-01-05 01:00:00')"), {"xml": xml})
    upgrade(url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT sha256, note FROM process_versions")).one()
    engine.dispose()
    assert stored == (content_identity(as_another_modeller_saves_it(xml).encode("utf-8"), {}, {}), None)


def as_bpmn_io_saves_it(text: str) -> str:
    """What bpmn-js 18 (seen in the browser test's round trip) also does: it leaves out an attribute holding the XSD's
    default (``isSequential="false"``) and writes the plane's shapes and edges in an order of its own."""
    text = text.replace(' isSequential="false"', "")
    plane = re.search(r"(<bpmndi:BPMNPlane[^>]*>)(.*)(</bpmndi:BPMNPlane>)", text, re.DOTALL)
    assert plane is not None
    items = re.findall(r"\s*<bpmndi:BPMN(?:Shape|Edge)\b.*?</bpmndi:BPMN(?:Shape|Edge)>|\s*<bpmndi:BPMN(?:Shape|Edge)\b"
                       r"[^>]*/>", plane.group(2), re.DOTALL)
    assert len(items) > 20 and "".join(items).strip() == plane.group(2).strip()
    return text[:plane.start(2)] + "".join(reversed(items)) + "\n" + text[plane.end(2):]


def test_bpmn_io_leaving_out_defaults_and_reordering_the_diagram_keeps_the_identity() -> None:
    original = (MODELS_DIR / MODEL).read_text(encoding="utf-8")
    assert ' isSequential="false"' in original
    saved = as_bpmn_io_saves_it(original)
    assert saved != original
    assert canonical_bpmn(saved.encode()) == canonical_bpmn(original.encode())
    sequential = original.replace(' isSequential="false"', ' isSequential="true"', 1)
    assert canonical_bpmn(sequential.encode()) != canonical_bpmn(original.encode())  # a real change stays one


def test_the_diff_does_not_report_a_default_attribute_left_out() -> None:
    from engine.process.versions import VersionDiff, _diff_elements, _elements

    original = (MODELS_DIR / MODEL).read_text(encoding="utf-8")
    result = VersionDiff(1, 2, "lip20_0008")
    _diff_elements(result, _elements(original), _elements(as_bpmn_io_saves_it(original)))
    assert result.changed == [] and result.added == [] and result.removed == []
