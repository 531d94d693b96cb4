"""Documentation pages: the model per version, the printable SOP, the BPMN download, the live instance diagram,
process performance as a heat map and a table."""
from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from engine.process import deploy
from webapp.views.docs import step_hours

from sop_helpers import finished_campaign, instance_of, new_campaign, setup_sop, to_distribution
from web_helpers import login_as

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "bpmn" / "lip20-0008.bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
OLD_NAME, NEW_NAME = "Menyusun konsep rencana kerja", "Menyusun rencana kerja (revisi 2)"
OLD_TEXT = "Pelaksana Seksi Operasional menyusun konsep rencana kerja"
NEW_TEXT = "Pelaksana Seksi Operasional menyusun rencana kerja revisi kedua"
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 2 Mar 2026, 09:00 WIB


def task_ids() -> list[str]:
    tree = etree.parse(str(MODEL))
    return [el.get("id") for kind in ("userTask", "scriptTask") for el in tree.iter(BPMN + kind)]


def classes_of(html: str, element_id: str) -> str:
    match = re.search(r'<g class="([^"]*)" data-element-id="%s"' % element_id, html)
    assert match, element_id
    return match.group(1)


def sop_notes(html: str) -> dict[str, dict[str, str]]:
    match = re.search(r'<script type="application/json" id="sop-text">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def deploy_renamed_model(make_ctx, tmp_path: Path) -> None:
    """A second version in which step 2 has a new name and SOP sentence."""
    folder = tmp_path / "bpmn"
    shutil.copytree(MODEL.parent, folder)
    model = folder / MODEL.name
    text = model.read_text(encoding="utf-8")
    assert f'name="{OLD_NAME}"' in text and OLD_TEXT in text
    model.write_text(text.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"').replace(OLD_TEXT, NEW_TEXT),
                     encoding="utf-8")
    assert deploy(make_ctx(), "system", model, system=True).created


def test_docs_page_shows_the_flowchart_header_and_versions(client, make_ctx) -> None:
    setup_sop(make_ctx)
    html = login_as(client, "kasi").get("/dokumentasi").get_data(as_text=True)
    assert 'class="bpmn-diagram"' in html
    for element_id in task_ids():
        assert f'data-element-id="{element_id}"' in html
    assert "LIP20-0008" in html and "TATA CARA PELAKSANAAN LAYANAN PENYAMPAIAN INFORMASI PERPAJAKAN" in html
    assert "24 November 2014" in html and "versi aktif" in html
    assert 'href="/dokumentasi/versi/1"' in html and 'href="/dokumentasi/versi/1/sop"' in html
    assert 'href="/dokumentasi/versi/1/lip20-0008.bpmn"' in html
    notes = sop_notes(html)
    assert "menugaskan agen" in notes["distribusi_pekerjaan"]["text"]
    assert notes["hubungi_wajib_pajak"]["step"] == "5" and notes["hubungi_wajib_pajak"]["actor"] == "Agen"
    assert 'src="/static/diagram.js"' in html
    script = client.get("/static/diagram.js")
    assert script.status_code == 200 and b"data-element-id" in script.data
    script.close()
    assert 'href="/dokumentasi"' in client.get("/").get_data(as_text=True)  # the nav link


def test_a_new_deployment_lists_both_versions_and_keeps_the_old_one_readable(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    current = client.get("/dokumentasi").get_data(as_text=True)
    assert 'href="/dokumentasi/versi/1"' in current and 'href="/dokumentasi/versi/2"' in current
    assert NEW_NAME in sop_notes(current)["susun_rencana_kerja"]["name"]
    assert "Anda melihat versi lama" not in current
    old = client.get("/dokumentasi/versi/1")
    assert old.status_code == 200
    old_html = old.get_data(as_text=True)
    assert sop_notes(old_html)["susun_rencana_kerja"]["name"] == OLD_NAME
    assert NEW_NAME not in old_html and "Anda melihat versi lama (versi #1)" in old_html
    assert client.get("/dokumentasi/versi/99").status_code == 404


def test_each_version_has_its_own_printable_sop_document(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    response = client.get("/dokumentasi/versi/1/sop")
    assert response.status_code == 200 and response.mimetype == "text/html"
    old = response.get_data(as_text=True)
    assert "G. Prosedur Kerja" in old and "TATA CARA PELAKSANAAN" in old and "<svg" in old
    assert OLD_TEXT in old and NEW_TEXT not in old
    assert NEW_TEXT in client.get("/dokumentasi/versi/2/sop").get_data(as_text=True)


def test_bpmn_download_is_the_deployed_file_of_that_version(client, make_ctx, tmp_path) -> None:
    setup_sop(make_ctx)
    deploy_renamed_model(make_ctx, tmp_path)
    login_as(client, "kasi")
    response = client.get("/dokumentasi/versi/1/lip20-0008.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == MODEL.read_bytes()
    assert f'name="{NEW_NAME}"' in client.get("/dokumentasi/versi/2/lip20-0008.bpmn").get_data(as_text=True)


def test_instance_page_shows_the_live_diagram_with_state_colours(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    to_distribution(make_ctx, cid)
    instance_id = instance_of(make_ctx, cid)
    html = login_as(client, "kasi").get(f"/proses/{instance_id}").get_data(as_text=True)
    assert "Diagram proses" in html and "Sedang berjalan" in html and "Selesai dikerjakan" in html
    assert "state-active" in classes_of(html, "distribusi_pekerjaan")
    assert "state-completed" in classes_of(html, "tugaskan_pelaksana")
    assert "state-completed" in classes_of(html, "teliti_rencana_kerja")
    assert "state-" not in classes_of(html, "susun_laporan")
    assert "menugaskan agen" in sop_notes(html)["distribusi_pekerjaan"]["text"]


def test_the_campaign_requester_sees_the_diagram_of_their_own_process(client, make_ctx) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)  # uploaded by "unit" (pengguna_layanan)
    instance_id = instance_of(make_ctx, cid)
    html = login_as(client, "unit").get(f"/proses/{instance_id}").get_data(as_text=True)
    assert "state-active" in classes_of(html, "tugaskan_pelaksana")


def test_performance_page_is_empty_until_a_campaign_finishes(client, make_ctx) -> None:
    setup_sop(make_ctx)
    to_distribution(make_ctx, new_campaign(make_ctx))
    response = login_as(client, "kasi").get("/dokumentasi/kinerja")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Belum ada kampanye yang selesai." in html
    assert "heat-" not in html and "Persentil ke-90" not in html


def row_of(html: str, element_id: str) -> list[str]:
    match = re.search(r'<tr data-step="%s">(.*?)</tr>' % element_id, html, re.S)
    assert match, element_id
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_performance_page_shows_step_times_heat_map_and_deadline_share(client, make_ctx, clock) -> None:
    setup_sop(make_ctx)
    finished_campaign(make_ctx, clock, START, timedelta(days=1))  # report on time
    finished_campaign(make_ctx, clock, START + timedelta(days=35), timedelta(days=12))  # late
    html = login_as(client, "admin").get("/dokumentasi/kinerja").get_data(as_text=True)
    assert "1 dari 2 kampanye (50%)" in html
    assert "heat-4" in classes_of(html, "susun_laporan") and "heat-0" in classes_of(html, "tugaskan_pelaksana")
    assert "heat-" not in classes_of(html, "tetapkan_batas_laporan")  # a script task: no time measured
    assert row_of(html, "tugaskan_pelaksana") == ["1", "Menugaskan Pelaksana menyusun konsep rencana kerja",
                                                   "Kepala Seksi Operasional", "1 hari kerja", "2",
                                                   "1,0 jam", "1,0 jam"]
    report = row_of(html, "susun_laporan")
    assert report[0] == "6" and report[3].startswith("3 hari kerja") and report[4:] == ["2", "6,5 hari", "10,9 hari"]
    assert row_of(html, "susun_rencana_kerja")[5] == "2,0 jam"
    assert sop_notes(html)["susun_laporan"]["facts"][1] == ["Median", "6,5 hari"]


@pytest.mark.parametrize("hours, lang, text", [
    (None, "id", "—"), (0.01, "id", "36 detik"), (0.5, "id", "30 menit"), (3.5, "id", "3,5 jam"),
    (50.4, "id", "2,1 hari"), (3.5, "en", "3.5 h"), (50.4, "en", "2.1 d")])
def test_step_times_read_as_minutes_hours_or_days(app, hours, lang, text) -> None:
    with app.test_request_context():
        from flask import session

        session["lang"] = lang
        assert step_hours(hours) == text


@pytest.mark.parametrize("path", ["/dokumentasi", "/dokumentasi/versi/1", "/dokumentasi/versi/1/sop",
                                  "/dokumentasi/versi/1/lip20-0008.bpmn", "/dokumentasi/kinerja"])
def test_docs_pages_are_for_klip_staff_only(client, make_ctx, path) -> None:
    setup_sop(make_ctx)
    login_as(client, "unit")
    assert client.get(path).status_code == 403
    assert 'href="/dokumentasi"' not in client.get("/kampanye").get_data(as_text=True)
