"""The SOP document generated from the model (``make docs``): content, Permenpan table, determinism, staleness."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree, html

from engine import cli
from engine.errors import InvalidBpmn
from engine.settings import model_files
from engine.sopdoc import generate_docs, render_html, render_markdown
from engine.sopdoc.model import build_document, load_document, read_metadata

ROOT = Path(__file__).resolve().parents[1]
BPMN_FILE = ROOT / "bpmn" / "lip20-0008.bpmn"
SIDECAR = ROOT / "bpmn" / "lip20-0008.sop.json"
DOCS = ROOT / "docs"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
SECTIONS = ["A. Deskripsi :", "B. Dasar Hukum :", "C. Surat Edaran Terkait :", "D. Pihak yang terkait :",
            "E. Input :", "F. Output :", "G. Prosedur Kerja :", "Jangka Waktu Penyelesaian",
            "H. Bagan Arus (Flowchart) :"]
STUB_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-stub="flowchart"></svg>'


def squash(text: str) -> str:
    return " ".join(text.split())


def plain(text: str) -> str:
    """A sentence as it reads on paper: the SOP's *emphasis* marks are italics, not characters."""
    return squash(text.replace("*", ""))


@pytest.fixture(scope="module")
def bpmn_steps() -> dict[str, dict[str, str]]:
    """sopStep → documentation, lane and Mutu Baku, read straight from the BPMN (independently of the code)."""
    root = etree.parse(str(BPMN_FILE)).getroot()
    lanes = {ref.text.strip(): lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    steps = {}
    for prop in root.iterfind(".//spiffworkflow:property[@name='sopStep']", NS):
        element = prop.getparent().getparent().getparent()
        props = {p.get("name"): p.get("value") for p in prop.getparent()}
        steps[prop.get("value")] = {
            "id": element.get("id"), "lane": lanes[element.get("id")],
            "documentation": squash(element.findtext("bpmn:documentation", "", NS)),
            "kelengkapan": props["mutuBakuKelengkapan"], "waktu": props["mutuBakuWaktu"],
            "output": props["mutuBakuOutput"]}
    return steps


@pytest.fixture(scope="module")
def meta() -> dict:
    return read_metadata(SIDECAR)


@pytest.fixture(scope="module")
def doc():
    return load_document(BPMN_FILE)


@pytest.fixture(scope="module")
def page(doc) -> html.HtmlElement:
    return html.fromstring(render_html(doc, STUB_SVG))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    generate_docs(BPMN_FILE, out)
    return out


def sidecar_texts(meta: dict) -> list[str]:
    lists = [item for key in ("dasar_hukum", "surat_edaran", "pihak_terkait", "input", "output", "jangka_waktu")
             for item in meta[key]]
    sign = meta["pengesahan"]
    return ([meta[k] for k in ("kementerian", "direktorat", "judul", "deskripsi")] + lists
            + [f"Revisi : {meta['revisi']}", f"Nomor : {meta['nomor']}", f"Tanggal : {meta['tanggal']}",
               sign["disahkan_oleh"], sign["jabatan"], sign["nama"], f"NIP {sign['nip']}"])


# ---------------------------------------------------------------- the document model
def test_steps_are_in_flow_order_with_the_sop_sentence_of_each_task(doc, bpmn_steps) -> None:
    numbers = [s.number for s in doc.steps]
    assert numbers == [str(n) for n in range(1, 11)]
    for step in doc.steps:
        expected = bpmn_steps[step.number]
        assert (step.element_id, step.actor, step.sentence) == (expected["id"], expected["lane"],
                                                               expected["documentation"])
    assert doc.steps[4].parallel and doc.steps[-1].kind == "endEvent"


def test_decisions_say_where_a_return_goes(doc) -> None:
    by_number = {s.number: s for s in doc.steps}
    assert [(b.label, b.target, b.is_return) for b in by_number["3"].branches] == [
        ("Kembalikan", "2", True), ("Setuju", "4", False)]
    assert {(b.target, b.is_return) for b in by_number["8"].branches} == {("6", True), ("7", True), ("9", False)}
    assert by_number["5"].next_step == "6"  # through the script task and into the expanded subprocess


def test_the_escalation_path_is_kept_apart_as_jangka_waktu(doc, bpmn_steps) -> None:
    [deadline] = doc.deadlines
    assert deadline.covers == ("6", "7", "8")
    [task] = deadline.escalation
    assert (task.element_id, task.actor) == (bpmn_steps["Jangka Waktu"]["id"], "Kepala Kantor")
    assert "Jangka Waktu" not in [s.number for s in doc.steps]


def test_a_sop_step_number_that_contradicts_the_flow_is_refused(meta) -> None:
    content = BPMN_FILE.read_bytes()
    swapped = content.replace(b'name="sopStep" value="2"', b'name="sopStep" value="TMP"')
    swapped = swapped.replace(b'name="sopStep" value="3"', b'name="sopStep" value="2"')
    swapped = swapped.replace(b'name="sopStep" value="TMP"', b'name="sopStep" value="3"')
    with pytest.raises(InvalidBpmn, match="sopStep numbers do not follow the flow"):
        build_document(swapped, meta, source="bpmn/x.bpmn", sidecar="bpmn/x.sop.json")


def test_a_sidecar_without_a_header_field_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "x.sop.json"
    broken.write_text(SIDECAR.read_text(encoding="utf-8").replace('"nomor"', '"nomer"'), encoding="utf-8")
    with pytest.raises(InvalidBpmn, match="missing field nomor"):
        read_metadata(broken)


# ---------------------------------------------------------------- the HTML document
def test_html_has_the_sections_in_the_seed_order(page) -> None:
    headings = [squash(h.text_content()) for h in page.iter("h2")]
    assert headings[:len(SECTIONS)] == SECTIONS
    assert len(headings) == len(SECTIONS) + 1 and headings[-1].startswith("Lampiran. Bagan Arus")


def test_html_carries_every_header_field_of_the_sidecar(page, meta) -> None:
    text = squash(page.text_content())
    for expected in sidecar_texts(meta):
        assert squash(expected) in text, expected


def test_prosedur_kerja_is_numbered_from_the_bpmn_with_every_step_sentence(page, bpmn_steps) -> None:
    items = page.xpath("//section[@id='g']//ol[@class='steps']/li")
    assert [li.get("value") for li in items] == [str(n) for n in range(1, 11)]
    for li in items:
        assert plain(bpmn_steps[li.get("value")]["documentation"]) in squash(li.text_content())
    assert "kembali ke langkah 2" in squash(items[2].text_content())
    escalation = plain(bpmn_steps["Jangka Waktu"]["documentation"])
    assert escalation in squash(page.get_element_by_id("jangka-waktu").text_content())


def test_every_printed_page_repeats_the_header_with_page_x_of_y(page, doc) -> None:
    [css] = page.xpath("//style/text()")
    assert 'content: "Halaman : " counter(page) " dari " counter(pages);' in css
    # The header is an SVG drawing in a CSS data URI; the regex reads the stylesheet, not markup.
    headers = [unquote(uri) for uri in re.findall(r'url\("data:image/svg\+xml,([^"]+)"\)', css)]
    assert len(headers) == 2  # portrait and landscape pages
    for svg in headers:
        texts = [squash(t.xpath("string()")) for t in etree.fromstring(svg).xpath("//*[local-name()='text']")]
        assert "Standard Operating Procedure" in texts
        assert {"Revisi : 1", "Nomor : LIP20-0008", "Tanggal : 24 November 2014"} <= set(texts)
        assert squash(" ".join(t for t in texts if t.isupper())) == doc.meta["judul"]


def test_the_flowchart_is_inlined_and_nothing_is_fetched(page) -> None:
    assert page.xpath("//section[@id='h']//svg[@data-stub='flowchart']")
    assert not page.xpath("//link | //script | //img | //*[@src]")


# ---------------------------------------------------------------- the Permenpan-RB table
def test_permenpan_table_has_one_column_per_actor_and_a_row_per_step(page, doc, bpmn_steps) -> None:
    table = page.xpath("//table[contains(@class, 'pr')]")[0]
    actors = [squash(th.text_content()) for th in table.xpath(".//th[@class='actor']")]
    lanes = [squash(lane) for lane in dict.fromkeys(s["lane"] for s in bpmn_steps.values())]
    assert set(lanes) < set(actors) and "Pengguna Layanan" in actors
    rows = table.xpath(".//tr[@data-step]")
    assert [r.get("data-step") for r in rows] == [str(n) for n in range(1, 11)] + ["Jangka Waktu"]
    for row in rows:
        expected = bpmn_steps[row.get("data-step")]
        cells = row.xpath("./td")
        lane_cells = cells[2:2 + len(actors)]
        symbols = [i for i, c in enumerate(lane_cells) if c.xpath(".//*[local-name()='rect' or "
                                                                   "(local-name()='path' and contains(@d, 'Z'))]")]
        assert actors[symbols[0]] == expected["lane"]
        mutu_baku = [squash(c.text_content()) for c in cells[2 + len(actors):5 + len(actors)]]
        assert mutu_baku == [expected["kelengkapan"], expected["waktu"], expected["output"]]


def test_permenpan_table_uses_decision_and_terminator_symbols(page) -> None:
    rows = {r.get("data-step"): r for r in page.xpath("//tr[@data-step]")}
    assert rows["3"].xpath(".//*[local-name()='path' and starts-with(@d, 'M80 ') and contains(@d, 'Z')]")
    assert rows["1"].xpath(".//*[local-name()='rect' and @rx!='0']")
    assert rows["10"].xpath(".//*[local-name()='rect' and @rx!='0']")
    assert rows["4"].xpath(".//*[local-name()='rect' and @rx='0']")


# ---------------------------------------------------------------- the Markdown
def test_markdown_has_the_same_content(doc, meta, bpmn_steps) -> None:
    markdown = render_markdown(doc)
    text = squash(markdown.replace("\\", "").replace("**", ""))
    positions = [markdown.index(f"## {heading}") for heading in SECTIONS]
    assert positions == sorted(positions)
    for expected in sidecar_texts(meta):
        assert squash(expected) in text, expected
    for number in [str(n) for n in range(1, 11)]:
        assert f"{number}. {bpmn_steps[number]['documentation']}" in text
    table = [line for line in markdown.splitlines() if line.startswith("| ") and line.count("|") == 13]
    assert len(table) == 1 + 10 + 1  # header, steps 1–10, the Jangka Waktu escalation
    assert markdown.startswith("<!-- GENERATED from bpmn/lip20-0008.bpmn")


# ---------------------------------------------------------------- the files, staleness
def test_generated_files_embed_the_rendered_flowchart(generated: Path) -> None:
    assert sorted(p.name for p in generated.iterdir()) == ["LIP20-0008.html", "LIP20-0008.md", "flowchart.svg"]
    flowchart = (generated / "flowchart.svg").read_text(encoding="utf-8")
    document = (generated / "LIP20-0008.html").read_text(encoding="utf-8")
    assert etree.fromstring(flowchart.encode("utf-8")).xpath("//*[@data-element-id='tugaskan_pelaksana']")
    assert flowchart.strip() in document
    assert "](flowchart.svg)" in (generated / "LIP20-0008.md").read_text(encoding="utf-8")


def test_generation_is_deterministic(generated: Path, tmp_path: Path) -> None:
    generate_docs(BPMN_FILE, tmp_path)
    for path in sorted(generated.iterdir()):
        content = path.read_bytes()
        assert content == (tmp_path / path.name).read_bytes(), path.name
        assert b"\r" not in content and content.endswith(b"\n")
        assert str(ROOT).encode() not in content and str(tmp_path).encode() not in content


def test_klip_docs_writes_the_documents_of_every_model_in_a_folder_of_its_own(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["docs", "--out", str(tmp_path)]) == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["lip20-0008/LIP20-0008.html", "lip20-0008/LIP20-0008.md", "lip20-0008/flowchart.svg",
                       "penilaian-kualitas-agen/flowchart.svg",
                       "penilaian-kualitas-agen/penilaian-kualitas-agen.html",  # a draft: no Nomor yet
                       "penilaian-kualitas-agen/penilaian-kualitas-agen.md"]
    assert "LIP20-0008.md" in capsys.readouterr().out
    draft = (tmp_path / "penilaian-kualitas-agen" / "penilaian-kualitas-agen.md").read_text(encoding="utf-8")
    assert "| Revisi : 0 (draf) | Nomor : (belum ditetapkan) |" in draft
    assert "*Keputusan — Ya: lanjut ke langkah 2. Tidak: proses selesai.*" in draft


@pytest.mark.parametrize("model", model_files(), ids=lambda p: p.stem)
def test_committed_docs_are_not_stale(model: Path, tmp_path: Path) -> None:
    """docs/<model>/ is what ``make docs`` writes now (the SOP document of LIP20-0008 included: adding the second
    process changed none of its bytes)."""
    generate_docs(model, tmp_path)
    committed = DOCS / model.stem
    stale = [p.name for p in sorted(tmp_path.iterdir())
             if not (committed / p.name).exists() or (committed / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"docs/{model.stem}/ is stale: run make docs (differs: {', '.join(stale)})"
