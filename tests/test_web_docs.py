"""Documentation pages: the model per version, the printable SOP, the BPMN download, the live instance diagram,
process performance as a heat map and a table."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.process import deploy
from webapp.views.docs import step_hours

from sop_helpers import finished_campaign, instance_of, new_campaign, setup_sop, to_distribution
from web_helpers import has_class, login_as, one, page_tree, text_of, xml_tree

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "bpmn" / "lip20-0008.bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NS = {"bpmn": BPMN.strip("{}")}
OLD_NAME, NEW_NAME = "Menyusun konsep rencana kerja", "Menyusun rencana kerja (revisi 2)"
OLD_TEXT = "Pelaksana Seksi Operasional menyusun konsep rencana kerja"
NEW_TEXT = "Pelaksana Seksi Operasional menyusun rencana kerja revisi kedua"
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 Mar 2026, 09:00 WIB


def task_ids() -> list[str]:
    tree = etree.parse(str(MODEL))
    return [el.get("id") for kind in ("userTask", "scriptTask") for el in tree.iter(BPMN + kind)]


def get(client: Any, path: str) -> Any:
    return page_tree(client.get(path))


def classes_of(tree: Any, element_id: str) -> list[str]:
    """The CSS classes of the diagram shape (an SVG group) drawn for the BPMN element ``element_id``."""
    shape = one(tree, "//*[local-name()='g'][@data-element-id=$id]", id=element_id)
    return shape.get("class", "").split()


def sop_notes(tree: Any) -> dict[str, dict[str, str]]:
    return json.loads(one(tree, "//script[@type='application/json'][@id='sop-text']").text)


def page_text(tree: Any) -> str:
    """All the text of a page, the diagram's labels and the embedded SOP notes included."""
    return text_of(tree)


def deploy_renamed_model(make_ctx, tmp_path: Path) -> int:
    """A second version in which step 2 has a new name and SOP sentence; its version id."""
    folder = tmp_path / "bpmn"
    shutil.copytree(MODEL.parent, folder)
    model = folder / MODEL.name
    text = model.read_text(encoding="utf-8")
    assert f'name="{OLD_NAME}"' in text and OLD_TEXT in text
    model.write_text(text.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"').replace(OLD_TEXT, NEW_TEXT),
                     encoding="utf-8")
    version = deploy(make_ctx(), "system", model, system=True)
    assert version.created
    return version.id


def test_docs_page_shows_the_flowchart_header_and_versions(client, make_ctx) -> None:
    setup_sop(make_ctx)
    html = get(login_as(client, "kasi"), "/dokumentasi")
    diagram = one(html, f"//*[local-name()='svg'][{has_class('bpmn-diagram')}]")
    for element_id in task_ids():
        assert diagram.xpath(".//*[@data-element-id=$id]", id=element_id), element_id
    header = text_of(one(html, f"//section[{has_class('sop-header')}]"))
    assert "LIP20-0008" in header and "TATA CARA PELAKSANAAN LAYANAN PENYAMPAIAN INFORMASI PERPAJAKAN" in header
    assert "24 November 2014" in header and "versi aktif" in header
    links = html.xpath("//a/@href")
    assert "/dokumentasi/versi/1" in links and "/dokumentasi/versi/1/sop" in links
    assert "/dokumentasi/versi/1/model.bpmn" in links
    notes = sop_notes(html)
    assert "menugaskan agen" in notes["distribusi_pekerjaan"]["text"]
    assert notes["hubungi_wajib_pajak"]["step"] == "5" and notes["hubungi_wajib_pajak"]["actor"] == (
        "Pelaksana Seksi Operasional yang ditunjuk sebagai agen")  # as section D names the party
    assert html.xpath("//script[@src='/static/diagram.js']")
    script = client.get("/static/diagram.js")
    assert script.status_code == 200 and b"data-element-id" in script.data
    script.close()
    assert get(client, "/").xpath("//header//nav//a[@href='/dokumentasi']")  # the nav link


def test_a_new_deployment_lists_both_versions_and_keeps_the_old_one_readable(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    new = deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    current = get(client, "/dokumentasi")
    links = current.xpath("//a/@href")
    assert "/dokumentasi/versi/1" in links and f"/dokumentasi/versi/{new}" in links
    assert NEW_NAME in sop_notes(current)["susun_rencana_kerja"]["name"]
    assert "Anda melihat versi lama" not in page_text(current)
    old = client.get("/dokumentasi/versi/1")
    assert old.status_code == 200
    old_html = page_tree(old)
    assert sop_notes(old_html)["susun_rencana_kerja"]["name"] == OLD_NAME
    assert NEW_NAME not in page_text(old_html)
    assert "Anda melihat versi lama (versi #1)" in text_of(one(old_html, f"//div[{has_class('flash-warning')}]"))
    assert client.get("/dokumentasi/versi/99").status_code == 404


def test_each_version_has_its_own_printable_sop_document(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    new = deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    response = client.get("/dokumentasi/versi/1/sop")
    assert response.status_code == 200 and response.mimetype == "text/html"
    old = page_tree(response)
    assert any(text_of(h2).startswith("G. Prosedur Kerja") for h2 in old.iter("h2"))
    assert "TATA CARA PELAKSANAAN" in text_of(one(old, "//body")) and old.xpath("//body//*[local-name()='svg']")
    assert OLD_TEXT in text_of(one(old, "//section[@id='g']")) and NEW_TEXT not in page_text(old)
    assert NEW_TEXT in text_of(one(get(client, f"/dokumentasi/versi/{new}/sop"), "//section[@id='g']"))
    assert "/dokumentasi/versi/1/sop/lampiran" in old.xpath("//a/@href")


def test_each_version_has_its_sop_appendix(client, make_ctx) -> None:
    """The diagram and the system notes are the appendix, numbered on its own, linked both ways."""
    setup_sop(make_ctx)
    html = get(login_as(client, "kasi"), "/dokumentasi/versi/1/sop/lampiran")
    assert "Lampiran 2. Catatan sistem" in page_text(html) and "bukan bagian SOP LIP20-0008" in page_text(html)
    assert html.xpath("//section[contains(@class, 'tile')]//*[@data-element-id='tugaskan_pelaksana']")
    assert "/dokumentasi/versi/1/sop" in html.xpath("//a/@href")
    assert "/dokumentasi/versi/1/sop/lampiran" in get(client, "/dokumentasi/versi/1").xpath("//a/@href")
    assert client.get("/dokumentasi/versi/99/sop/lampiran").status_code == 404


def test_bpmn_download_is_the_deployed_file_of_that_version(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    new = deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    response = client.get("/dokumentasi/versi/1/model.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == MODEL.read_bytes()
    assert 'filename="lip20_0008-versi-1.bpmn"' in response.headers["Content-Disposition"]
    renamed = xml_tree(client.get(f"/dokumentasi/versi/{new}/model.bpmn").data)
    assert one(renamed, "//bpmn:userTask[@id='susun_rencana_kerja']/@name", namespaces=NS) == NEW_NAME


def test_instance_page_shows_the_live_diagram_with_state_colours(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    to_distribution(make_ctx, cid)
    instance_id = instance_of(make_ctx, cid)
    html = get(login_as(client, "kasi"), f"/proses/{instance_id}")
    card = one(html, "//section[@id='diagram']")
    assert text_of(one(card, ".//h2")) == "Diagram proses"
    legend = [text_of(item) for item in card.xpath(f".//ul[{has_class('legend')}]/li")]
    assert "Sedang berjalan" in legend and "Selesai dikerjakan" in legend
    assert "state-active" in classes_of(html, "distribusi_pekerjaan")
    assert "state-completed" in classes_of(html, "tugaskan_pelaksana")
    assert "state-completed" in classes_of(html, "teliti_rencana_kerja")
    assert not [css for css in classes_of(html, "susun_laporan") if css.startswith("state-")]
    assert "menugaskan agen" in sop_notes(html)["distribusi_pekerjaan"]["text"]


def test_the_campaign_requester_sees_the_diagram_of_their_own_process(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)  # uploaded by "unit" (pengguna_layanan)
    instance_id = instance_of(make_ctx, cid)
    html = get(login_as(client, "unit"), f"/proses/{instance_id}")
    assert "state-active" in classes_of(html, "tugaskan_pelaksana")


def test_performance_page_is_empty_until_a_campaign_finishes(client, make_ctx) -> None:
    setup_sop(make_ctx)
    to_distribution(make_ctx, new_campaign(make_ctx))
    response = login_as(client, "kasi").get("/dokumentasi/kinerja")
    html = page_tree(response)
    assert response.status_code == 200
    assert "Belum ada kampanye yang selesai." in text_of(one(html, f"//section[{has_class('empty-state')}]"))
    assert not html.xpath("//*[contains(@class, 'heat-')]") and "Persentil ke-90" not in page_text(html)


def row_of(tree: Any, element_id: str) -> list[str]:
    row = one(tree, "//tr[@data-step=$id]", id=element_id)
    return [text_of(cell) for cell in row.xpath("./td")]


def test_performance_page_shows_step_times_heat_map_and_deadline_share(client, make_ctx, clock) -> None:
    setup_sop(make_ctx)
    finished_campaign(make_ctx, clock, START, timedelta(days=1))  # report on time
    finished_campaign(make_ctx, clock, START + timedelta(days=35), timedelta(days=12))  # late
    html = get(login_as(client, "admin"), "/dokumentasi/kinerja")
    assert text_of(one(html, f"//div[{has_class('deadline-share')}]/b")) == "1 dari 2 kampanye (50%)"
    assert "heat-4" in classes_of(html, "susun_laporan") and "heat-0" in classes_of(html, "tugaskan_pelaksana")
    assert not [css for css in classes_of(html, "tetapkan_batas_laporan")  # a script task: no time measured
                if css.startswith("heat-")]
    assert row_of(html, "tugaskan_pelaksana") == ["1", "Menugaskan Pelaksana menyusun konsep rencana kerja",
                                                   "Kepala Seksi Operasional", "—", "2",  # the SOP states none
                                                   "1,0 jam", "1,0 jam"]
    report = row_of(html, "susun_laporan")
    # Working time: (1 + 9.5) / 2 working days; the 90th percentile 1 + 0.9 × 8.5 (see test_performance).
    assert report[0] == "6" and report[3].startswith("Paling lama 5 (lima) hari kerja")
    assert report[3].endswith("(langkah 6–8)")
    assert report[4:] == ["2", "5,2 hari kerja", "8,7 hari kerja"]
    assert row_of(html, "susun_rencana_kerja")[5] == "2,0 jam"
    assert sop_notes(html)["susun_laporan"]["facts"][1] == ["Median", "5,2 hari kerja"]
    note = text_of(one(html, f"//p[{has_class('working-time-note')}]"))
    assert note.startswith("Durasi dihitung dalam hari kerja") and "bukan 3 hari" in note


@pytest.mark.parametrize("hours, lang, text", [
    (None, "id", "—"), (0.01, "id", "36 detik"), (0.5, "id", "30 menit"), (3.5, "id", "3,5 jam"),
    (50.4, "id", "2,1 hari kerja"), (3.5, "en", "3.5 h"), (50.4, "en", "2.1 working days")])
def test_step_times_read_as_minutes_hours_or_days(app, hours, lang, text) -> None:
    with app.test_request_context():
        from flask import session

        session["lang"] = lang
        assert step_hours(hours) == text


@pytest.mark.parametrize("path", ["/dokumentasi", "/dokumentasi/versi/1", "/dokumentasi/versi/1/sop",
                                  "/dokumentasi/versi/1/sop/lampiran",
                                  "/dokumentasi/versi/1/model.bpmn", "/dokumentasi/kinerja"])
def test_docs_pages_are_for_klip_staff_only(client, make_ctx, path) -> None:
    setup_sop(make_ctx)
    login_as(client, "unit")
    assert client.get(path).status_code == 403
    assert not get(client, "/kampanye").xpath("//a[@href='/dokumentasi']")
