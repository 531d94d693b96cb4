"""The analysts' pages through the test client: process list, visual diff, upload → findings → deploy, modeler."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from engine import drafts
from engine.users import create_user

from sop_helpers import do, instance_of, new_campaign, setup_sop
from web_helpers import login_as, page_tree

ROOT = Path(__file__).resolve().parents[1]
MODEL = (ROOT / "bpmn" / "lip20-0008.bpmn").read_bytes()


@pytest.fixture
def analyst(app, make_ctx):
    setup_sop(make_ctx)
    create_user(make_ctx(), "ana", ["analis"], full_name="Analis Proses")
    return login_as(app.test_client(), "ana")


def upload(client, *files: tuple[str, bytes]):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/analis/unggah", data=data, content_type="multipart/form-data")


def moved(model: bytes, element: str, dx: int) -> bytes:
    """The model with one shape moved ``dx`` to the right (its BPMNShape's Bounds)."""
    text = model.decode()
    at = text.index(f'bpmnElement="{element}"')
    x_at = text.index(' x="', at) + 4
    end = text.index('"', x_at)
    return (text[:x_at] + str(float(text[x_at:end]) + dx) + text[end:]).encode()


def test_process_list_shows_every_process_and_version(analyst) -> None:
    tree = page_tree(analyst.get("/analis"))
    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//main//h2")]
    assert any("lip20_0008" in h for h in headings) and any("penilaian" in h for h in headings)
    rows = tree.xpath("//table//tbody/tr")
    assert len(rows) == 2 and all("versi aktif" in r.text_content() for r in rows)
    assert tree.xpath("//a[contains(@href, '/dokumentasi/versi/1/sop')]")


def test_upload_with_an_error_is_marked_on_the_diagram_and_cannot_be_deployed(analyst) -> None:
    broken = MODEL.replace(b'name="sopStep" value="1"', b'name="sopStep" value="9"', 1)
    response = upload(analyst, ("lip20-0008.bpmn", broken))
    assert response.status_code == 302
    page = analyst.get(response.headers["Location"])
    tree = page_tree(page)
    finding = tree.xpath("//li[contains(@class, 'finding-error')]")[0]
    element = finding.xpath(".//span[@class='mono']")[-1].text
    marked = tree.xpath(f"//*[@data-element-id='{element}']")[0]
    assert "lint-error" in marked.get("class")
    badge = marked.xpath(".//*[@class='bpmn-badge-text']")[0].text
    assert badge.startswith("!") and finding.get("value") in badge[1:].split(",")
    assert not tree.xpath("//form[contains(@action, '/deploy')]")  # no deploy form while there is an error
    draft_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    refused = analyst.post(f"/analis/draf/{draft_id}/deploy", data={"note": "coba"})
    assert refused.status_code == 422


def test_a_bad_upload_names_why_and_stores_nothing(analyst) -> None:
    response = upload(analyst, ("model.bpmn", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"))
    assert response.status_code == 422
    tree = page_tree(response)
    assert "DOCTYPE" in tree.xpath("//*[@role='alert']")[0].text_content()
    assert tree.xpath("//input[@id='files']")[0].get("aria-invalid") == "true"
    assert "root:" not in response.get_data(as_text=True)


def test_upload_deploy_and_visual_diff(analyst, make_ctx) -> None:
    changed = moved(MODEL, "tugaskan_pelaksana", 40).replace(b'name="sopStep" value="1"', b'name="sopStep" value="1"')
    changed = changed.replace(b"<bpmn:documentation>", b"<bpmn:documentation>Diperbarui. ", 1)
    response = upload(analyst, ("lip20-0008.bpmn", changed))
    draft_url = response.headers["Location"]
    assert "lint bersih" in analyst.get(draft_url).get_data(as_text=True) or "tanpa kesalahan" in \
        analyst.get(draft_url).get_data(as_text=True)
    deployed = analyst.post(draft_url + "/deploy", data={"note": "Langkah 1 dipindah"}, follow_redirects=True)
    text = deployed.get_data(as_text=True)
    assert deployed.status_code == 200 and "v2" in text and "Langkah 1 dipindah" in text
    diff = page_tree(analyst.get("/analis"))
    link = diff.xpath("//a[contains(@href, '/analis/beda')]")[0].get("href")
    tree = page_tree(analyst.get(link))
    changes = tree.xpath("//li[contains(@class, 'change-changed')]")
    assert changes, "the changed element is listed"
    ids = {c.get("data-element-ref") for c in changes}
    assert "tugaskan_pelaksana" in ids
    shape = tree.xpath("//*[@data-element-id='tugaskan_pelaksana']")[0]
    assert "diff-changed" in shape.get("class")
    assert shape.xpath(".//*[@class='bpmn-badge-text']")[0].text.startswith("~")
    assert tree.xpath("//ul[contains(@class, 'diff-legend')]/li")  # the legend in words


def test_unchanged_upload_deploys_nothing_and_says_so(analyst) -> None:
    response = upload(analyst, ("lip20-0008.bpmn", MODEL))
    page = analyst.get(response.headers["Location"]).get_data(as_text=True)
    assert "deploy tidak akan membuat versi baru" in page
    deployed = analyst.post(response.headers["Location"] + "/deploy", data={"note": "sama"}, follow_redirects=True)
    assert "Tidak ada perubahan" in deployed.get_data(as_text=True)
    assert len(page_tree(analyst.get("/analis")).xpath("//table//tbody/tr")) == 2


def test_modeler_save_returns_findings_and_deploy_link(analyst) -> None:
    page = analyst.get("/analis/modeler?proses=lip20_0008")
    tree = page_tree(page)
    source = json.loads(tree.xpath("//script[@id='modeler-source']")[0].text)
    assert source["process_id"] == "lip20_0008" and "tugaskan-pelaksana.json" in source["forms"]
    bad_form = '{\n  "type": "object",\n  "properties": {\n    "x": {"type": 5}\n  }\n}'
    answer = analyst.post("/analis/modeler/simpan", json={"bpmn": source["bpmn"],
                                                          "forms": {"tugaskan-pelaksana.json": bad_form}})
    body = answer.get_json()
    assert answer.status_code == 200 and body["errors"] >= 1
    form_findings = [f for f in body["findings"] if f["file"] == "forms/tugaskan-pelaksana.json"]
    assert form_findings and "properties/x/type" in form_findings[0]["message"]
    assert any(f["element"] == "tugaskan_pelaksana" for f in body["findings"])
    fixed = analyst.post("/analis/modeler/simpan", json={"draft_id": body["draft_id"], "bpmn": source["bpmn"],
                                                         "forms": {"tugaskan-pelaksana.json": source["forms"][
                                                             "tugaskan-pelaksana.json"]}}).get_json()
    assert fixed["draft_id"] == body["draft_id"] and fixed["errors"] == 0 and fixed["same_as_version"] == 1
    assert fixed["deploy_url"].endswith(f"/analis/draf/{body['draft_id']}/deploy")


def test_modeler_save_of_not_xml_is_a_422_in_json(analyst) -> None:
    answer = analyst.post("/analis/modeler/simpan", json={"bpmn": "not xml"})
    assert answer.status_code == 422 and answer.get_json()["error"] == "invalid_input"


def test_modeler_without_bpmnjs_says_how_to_get_it(app, analyst, monkeypatch) -> None:
    monkeypatch.setattr("webapp.views.analyst.BPMNJS_DIR", "vendor/bpmn-js/0.0.0-missing")
    text = analyst.get("/analis/modeler").get_data(as_text=True)
    assert "make modeler" in text and "bpmn-modeler" not in text


def test_the_analyst_menu_is_shown_to_analysts_only(app, analyst, make_ctx) -> None:
    assert page_tree(analyst.get("/analis")).xpath("//nav[@class='mainnav']/a[contains(@href, '/analis')]")
    kasi = login_as(app.test_client(), "kasi")
    assert not page_tree(kasi.get("/")).xpath("//nav[@class='mainnav']/a[contains(@href, '/analis')]")
    assert kasi.get("/analis").status_code == 403
    assert drafts.FORM_FIELD == "files"


def test_migration_preview_and_move(analyst, make_ctx) -> None:
    """v2 changes step 1's SOP sentence: a campaign still at step 1 may move (the step has not run), one past it may
    not (the reason is shown); moving the eligible one puts it on v2."""
    waiting, done = new_campaign(make_ctx, 3), new_campaign(make_ctx, 3)
    do(make_ctx, "kasi", "tugaskan_pelaksana", done, {"pelaksana": "pelaksana"})
    step_1 = b"<bpmn:documentation>Setelah Kepala Seksi Operasional menerima"
    assert MODEL.count(step_1) == 1
    changed = MODEL.replace(step_1, step_1.replace(b"Setelah", b"Diperbarui. Setelah"))
    draft_url = upload(analyst, ("lip20-0008.bpmn", changed)).headers["Location"]
    analyst.post(draft_url + "/deploy", data={"note": "Kalimat langkah 1"})
    tree = page_tree(analyst.get("/analis/migrasi"))
    rows = {r.xpath("./th/a")[0].text.strip("#"): r for r in tree.xpath("//table//tbody/tr")}
    eligible, refused = rows[str(instance_of(make_ctx, waiting))], rows[str(instance_of(make_ctx, done))]
    assert "dapat dipindah" in eligible.text_content() and eligible.xpath(".//form//button")
    assert "tidak dapat dipindah" in refused.text_content() and not refused.xpath(".//form//button")
    assert "Menugaskan Pelaksana" in refused.text_content()  # the changed step that already ran
    moved = analyst.post("/analis/migrasi", data={"ke": tree.xpath("//select[@id='ke']/option[@selected]")[0]
                                                  .get("value"), "semua": "1"}, follow_redirects=True)
    assert "1 dari 2 instans dipindah" in moved.get_data(as_text=True)
    after = page_tree(moved).xpath("//table//tbody/tr/th/a/text()")
    assert after == [f"#{instance_of(make_ctx, done)}"]  # only the refused one still runs on v1


def test_migration_needs_a_target(analyst) -> None:
    assert analyst.post("/analis/migrasi", data={}).status_code == 422
