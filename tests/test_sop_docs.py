"""The SOP document generated from the model (``make docs``): content, section H as the Permenpan-RB table, Mutu Baku
only from the model, the appendix (diagram, "Catatan sistem"), determinism, staleness. Printing: test_sop_print."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree, html

from engine import cli
from engine.errors import InvalidBpmn
from engine.settings import model_files
from engine.sopdoc import generate_docs, render_appendix, render_flowchart, render_html, render_markdown
from engine.sopdoc.model import build_document, load_document, read_metadata
from engine.sopdoc.permenpan import build_pages

ROOT = Path(__file__).resolve().parents[1]
BPMN_FILE = ROOT / "bpmn" / "lip20-0008.bpmn"
SIDECAR = ROOT / "bpmn" / "lip20-0008.sop.json"
DOCS = ROOT / "docs"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
SECTIONS = ["A. Deskripsi :", "B. Dasar Hukum :", "C. Surat Edaran Terkait :", "D. Pihak yang terkait :",
            "E. Input :", "F. Output :", "G. Prosedur Kerja :", "Jangka Waktu Penyelesaian",
            "H. Bagan Arus (Flowchart) :"]
DASH = "\u2013"  # an empty Mutu Baku cell
ESCALATION_TASK = "tindak_lanjut_keterlambatan"  # the follow-up of a late report: system behaviour, not the SOP


def squash(text: str) -> str:
    return " ".join(text.split())


def plain(text: str) -> str:
    """A sentence as it reads on paper: the SOP's *emphasis* marks are italics, not characters."""
    return squash(text.replace("*", ""))


def props_of(element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


@pytest.fixture(scope="module")
def bpmn_steps() -> dict[str, dict[str, str]]:
    """sopStep → documentation, actor (the lane's name, or the party of section D its documentation names) and Mutu
    Baku (a step's own, or the Waktu of the subprocess it is in), read straight from the BPMN, apart from the code."""
    root = etree.parse(str(BPMN_FILE)).getroot()
    actor = {lane.get("id"): squash(lane.findtext("bpmn:documentation", "", NS)) or lane.get("name")
             for lane in root.iterfind(".//bpmn:lane", NS)}
    lanes = {ref.text.strip(): actor[lane.get("id")] for lane in root.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    steps = {}
    for prop in root.iterfind(".//spiffworkflow:property[@name='sopStep']", NS):
        element = prop.getparent().getparent().getparent()
        if not prop.get("value").isdigit():
            continue
        props, parent = props_of(element), element.getparent()
        shared = props_of(parent).get("mutuBakuWaktu", "") if parent.tag.endswith("subProcess") else ""
        steps[prop.get("value")] = {
            "id": element.get("id"), "lane": lanes[element.get("id")],
            "documentation": squash(element.findtext("bpmn:documentation", "", NS)),
            "kelengkapan": props.get("mutuBakuKelengkapan", ""), "waktu": shared or props.get("mutuBakuWaktu", ""),
            "output": props.get("mutuBakuOutput", "")}
    return steps


@pytest.fixture(scope="module")
def meta() -> dict:
    return read_metadata(SIDECAR)


@pytest.fixture(scope="module")
def doc():
    return load_document(BPMN_FILE)


@pytest.fixture(scope="module")
def page(doc) -> html.HtmlElement:
    return html.fromstring(render_html(doc))


@pytest.fixture(scope="module")
def appendix(doc) -> html.HtmlElement:
    return html.fromstring(render_appendix(doc, render_flowchart(BPMN_FILE.read_bytes())))


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


def test_the_escalation_path_is_kept_apart_from_the_steps(doc) -> None:
    [deadline] = doc.deadlines
    assert deadline.covers == ("6", "7", "8")
    [task] = deadline.escalation
    assert (task.element_id, task.actor) == (ESCALATION_TASK, "Kepala Kantor Layanan Informasi dan Pengaduan")
    assert ESCALATION_TASK not in [s.element_id for s in doc.steps]


def test_actors_are_the_parties_of_section_d(doc, meta) -> None:
    """The table's columns are section D's parties in its order; a lane that names one (Agen) is printed by its
    section D name, and so is the requesting unit's pool."""
    assert doc.actors == tuple(meta["pihak_terkait"])
    assert {s.actor for s in doc.steps} <= set(meta["pihak_terkait"])
    by_number = {s.number: s for s in doc.steps}
    assert by_number["5"].actor == "Pelaksana Seksi Operasional yang ditunjuk sebagai agen"
    assert by_number["8"].actor == "Kepala Kantor Layanan Informasi dan Pengaduan"
    assert {m.partner for s in doc.steps for m in s.messages} == {meta["pihak_terkait"][-1]}


def test_a_lane_that_is_no_party_of_section_d_is_refused(meta) -> None:
    content = BPMN_FILE.read_bytes().replace(
        b"<bpmn:documentation>Pelaksana Seksi Operasional yang ditunjuk sebagai agen</bpmn:documentation>", b"")
    with pytest.raises(InvalidBpmn, match="lane 'Agen' .* is not a party of section D"):
        build_document(content, meta, source="bpmn/x.bpmn", sidecar="bpmn/x.sop.json")


def test_system_deadlines_are_read_from_the_model(doc) -> None:
    """What the system does about time (dueDate, dueDateVariable) is known to the document, for "Catatan sistem"."""
    rules = {d.element_id: (d.step, d.rule) for d in doc.system_deadlines}
    assert rules["tugaskan_pelaksana"] == ("1", "1 hari kerja sejak tugas tersedia")
    assert rules["susun_rencana_kerja"] == ("2", "2 hari kerja sejak tugas tersedia")
    assert rules["hubungi_wajib_pajak"][1] == "tanggal yang tercatat pada data proses \u201crencana_selesai\u201d"
    assert rules["tandatangani_laporan"][1] == "tanggal yang tercatat pada data proses \u201cbatas_laporan\u201d"
    assert rules[ESCALATION_TASK] == ("-", "1 hari kerja sejak tugas tersedia")


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
    assert headings == SECTIONS  # the appendix is a file of its own


def test_the_approval_block_is_on_a_page_of_its_own_after_section_h(page) -> None:
    [approval_page] = page.xpath("//div[contains(@class, 'approval-page')]")
    assert approval_page.getprevious().get("class") == "landscape h-page"
    assert squash(approval_page.text_content()).startswith("Disahkan oleh:")
    [css] = page.xpath("//style/text()")
    [rule] = [r for r in css.split("}") if ".approval-page" in r.split("{")[0]]
    assert "break-before: page" in rule  # what the print test sees: the last page holds it and nothing else


def test_html_carries_every_header_field_of_the_sidecar(page, meta) -> None:
    text = squash(page.text_content())
    for expected in sidecar_texts(meta):
        assert squash(expected) in text, expected


def test_prosedur_kerja_is_numbered_from_the_bpmn_with_every_step_sentence(page, bpmn_steps) -> None:
    items = page.xpath("//section[@id='g']//ol[@class='steps']/li")
    assert [li.get("value") for li in items] == [str(n) for n in range(1, 11)]
    for li in items:
        assert squash(li.text_content()) == plain(bpmn_steps[li.get("value")]["documentation"])  # nothing else


def test_nothing_the_sop_does_not_say_is_in_section_g_or_jangka_waktu(page, meta) -> None:
    """The escalation and the system's monitoring are in the appendix's "Catatan sistem", not in the SOP."""
    jangka = page.get_element_by_id("jangka-waktu")
    assert [squash(li.text_content()) for li in jangka.iter("li")] == [plain(t) for t in meta["jangka_waktu"]]
    text = squash(page.text_content())
    for absent in ("eskalasi", "dieskalasikan", "menindaklanjuti keterlambatan", "Pemantauan", "Catatan sistem"):
        assert absent not in text, absent


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


def test_nothing_is_fetched(page, appendix) -> None:
    for document in (page, appendix):
        assert not document.xpath("//link | //script | //img | //*[@src]")


def test_the_appendix_has_the_diagram_in_legible_tiles(appendix) -> None:
    """Every part of the diagram is drawn at a scale where its smallest text (10 units) prints at 7 pt or more."""
    tiles = appendix.xpath("//section[contains(@class, 'tile')]//*[local-name()='svg' and @viewbox]")
    assert len(tiles) >= 2
    ids = set()
    for tile in tiles:
        _, _, width, _ = (float(v) for v in tile.get("viewbox").split())
        mm_per_unit = float(tile.get("width").removesuffix("mm")) / width
        assert 10 * mm_per_unit / (25.4 / 72) >= 7.0
        ids |= {e.get("data-element-id") for e in tile.xpath(".//*[@data-element-id]")}
    assert {"tugaskan_pelaksana", "sampaikan_laporan", "end_selesai", ESCALATION_TASK} <= ids
    assert len(appendix.xpath("//*[@id='tugaskan_pelaksana']")) <= 1  # ids kept once


def test_the_appendix_carries_the_system_notes(appendix) -> None:
    notes = appendix.get_element_by_id("catatan-sistem")
    text = squash(notes.text_content())
    assert "bukan bagian SOP LIP20-0008" in text
    rows = {tr.get("data-element-id"): squash(tr.text_content()) for tr in notes.xpath(".//tr[@data-element-id]")}
    assert "1 hari kerja sejak tugas tersedia" in rows["tugaskan_pelaksana"]
    assert "(di luar SOP)" in rows[ESCALATION_TASK]
    assert "menindaklanjuti keterlambatan" in text  # the escalation, as system behaviour


# ---------------------------------------------------------------- the Permenpan-RB table
def test_section_h_is_the_permenpan_table_with_one_column_per_party_of_section_d(page, meta, bpmn_steps) -> None:
    tables = page.xpath("//section[contains(@class, 'h-page')]/table[contains(@class, 'pr')]")
    assert len(tables) >= 2  # split over pages, the head repeated on each
    for table in tables:
        assert [squash(th.text_content()) for th in table.xpath(".//th[@class='actor']")] == meta["pihak_terkait"]
    actors = meta["pihak_terkait"]
    rows = [row for table in tables for row in table.xpath(".//tr[@data-step]")]
    assert [r.get("data-step") for r in rows] == [str(n) for n in range(1, 11)]  # no escalation row
    spanned = 0
    for row in rows:
        expected = bpmn_steps[row.get("data-step")]
        cells = row.xpath("./td")
        assert squash(cells[1].text_content()) == plain(expected["documentation"])
        lane_cells = cells[2:2 + len(actors)]
        symbols = [i for i, c in enumerate(lane_cells) if c.xpath(".//*[local-name()='rect' or "
                                                                   "(local-name()='path' and contains(@d, 'Z') and "
                                                                   "contains(@d, 'L'))]")]
        assert actors[symbols[0]] == expected["lane"]
        mutu_baku = [squash(c.text_content()) for c in cells[2 + len(actors):-1]]
        wanted = [expected["kelengkapan"] or DASH] + ([expected["waktu"] or DASH] if not spanned else []) + [
            expected["output"] or DASH]
        assert mutu_baku == wanted, row.get("data-step")
        span = [c for c in cells if c.get("rowspan")]
        spanned = int(span[0].get("rowspan")) - 1 if span else max(0, spanned - 1)


def test_no_mutu_baku_value_the_model_does_not_hold(page, bpmn_steps) -> None:
    """Every Mutu Baku cell prints a value of the model or "–"; the shipped model holds only what the SOP states."""
    held = {v for s in bpmn_steps.values() for v in (s["kelengkapan"], s["waktu"], s["output"]) if v}
    printed = {squash(td.text_content()) for td in page.xpath("//td[contains(@class, 'mb')]")}
    assert printed - {DASH} <= held
    assert held == {"Laporan Penerimaan dan Pengolahan Data; Data Layanan Penyampaian Informasi",
                    "Disesuaikan dengan kebutuhan",
                    "Paling lama 5 (lima) hari kerja sejak Pekerjaan Penyampaian Informasi Perpajakan selesai",
                    "Laporan Pelaksanaan Layanan Penyampaian Informasi Perpajakan"}
    assert len([td for td in page.xpath("//td[contains(@class, 'mb')]") if td.text_content() == DASH]) > 20


def test_the_report_time_spans_steps_6_to_8(page) -> None:
    [cell] = page.xpath("//td[@rowspan]")
    assert cell.getparent().get("data-step") == "6" and cell.get("rowspan") == "3"
    assert squash(cell.text_content()).startswith("Paling lama 5 (lima) hari kerja")


def test_a_page_break_in_section_h_ends_in_off_page_connectors(doc) -> None:
    pages = build_pages(doc)
    assert len(pages) >= 2
    for before, after in zip(pages, pages[1:], strict=False):
        last, first = before[-1], after[0]
        step = next(s for s in doc.steps if s.number == last.number)
        if step.next_step == first.number:
            assert any(f">{first.number}</text>" in c.svg for c in last.cells), "connector to the next page"
            assert any(f">{last.number}</text>" in c.svg for c in first.cells), "connector from the page before"
            assert not any("run-bend" in c.runs or "run-bottom" in c.runs for c in last.cells)


def test_long_steps_give_more_pages_and_no_row_is_lost(meta) -> None:
    long = BPMN_FILE.read_bytes().replace(b"Proses selesai.</bpmn:documentation>",
                                          b"Proses selesai. " + b"Kalimat tambahan yang panjang. " * 60 +
                                          b"</bpmn:documentation>")
    doc = build_document(long, meta, source="bpmn/x.bpmn", sidecar="bpmn/x.sop.json")
    normal = build_pages(load_document(BPMN_FILE))
    pages = build_pages(doc)
    assert len(pages) == len(normal) + 1 and pages[-1][0].number == "10"
    assert [r.number for p in pages for r in p] == [str(n) for n in range(1, 11)]


def test_permenpan_table_uses_decision_and_terminator_symbols(page) -> None:
    rows = {r.get("data-step"): r for r in page.xpath("//tr[@data-step]")}
    assert rows["3"].xpath(".//*[local-name()='path' and starts-with(@d, 'M100 ') and contains(@d, 'Z')]")
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
    assert len(table) == 1 + 10  # header, steps 1–10
    assert markdown.index("## H. Bagan Arus") < markdown.index("Disahkan oleh:") < markdown.index(
        "## Lampiran 1. Bagan Arus BPMN") < markdown.index("## Lampiran 2. Catatan sistem")
    assert markdown.startswith("<!-- GENERATED from bpmn/lip20-0008.bpmn")


# ---------------------------------------------------------------- the files, staleness
def test_generated_files_put_the_rendered_flowchart_in_the_appendix(generated: Path) -> None:
    assert sorted(p.name for p in generated.iterdir()) == ["LIP20-0008-lampiran.html", "LIP20-0008.html",
                                                          "LIP20-0008.md", "flowchart.svg"]
    flowchart = (generated / "flowchart.svg").read_text(encoding="utf-8")
    assert etree.fromstring(flowchart.encode("utf-8")).xpath("//*[@data-element-id='tugaskan_pelaksana']")
    assert "data-element-id=\"tugaskan_pelaksana\"" in (generated / "LIP20-0008-lampiran.html").read_text("utf-8")
    assert "<svg class=\"bpmn-diagram\"" not in (generated / "LIP20-0008.html").read_text(encoding="utf-8")
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
    assert written == ["lip20-0008/LIP20-0008-lampiran.html", "lip20-0008/LIP20-0008.html",
                       "lip20-0008/LIP20-0008.md", "lip20-0008/flowchart.svg",
                       "penilaian-kualitas-agen/flowchart.svg",
                       "penilaian-kualitas-agen/penilaian-kualitas-agen-lampiran.html",  # a draft: no Nomor yet
                       "penilaian-kualitas-agen/penilaian-kualitas-agen.html",
                       "penilaian-kualitas-agen/penilaian-kualitas-agen.md"]
    assert "LIP20-0008.md" in capsys.readouterr().out
    draft = (tmp_path / "penilaian-kualitas-agen" / "penilaian-kualitas-agen.md").read_text(encoding="utf-8")
    assert "| Revisi : 0 (draf) | Nomor : (belum ditetapkan) |" in draft
    assert "Ya: lanjut ke langkah 2. Tidak: proses selesai." in draft  # in the Keterangan of section H


def test_klip_docs_previews_a_draft_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An analyst's draft, deployed or not, with its sidecar beside it, is written to the chosen folder only."""
    draft = tmp_path / "draf" / "lip20-0008-baru.bpmn"
    draft.parent.mkdir()
    draft.write_bytes(BPMN_FILE.read_bytes().replace(b"Proses selesai.</bpmn:documentation>",
                                                     b"Proses selesai dan diarsipkan.</bpmn:documentation>"))
    draft.with_suffix(".sop.json").write_bytes(SIDECAR.read_bytes())
    out = tmp_path / "pratinjau"
    assert cli.main(["docs", "--model", str(draft), "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "lip20-0008-baru").iterdir()) == [
        "LIP20-0008-lampiran.html", "LIP20-0008.html", "LIP20-0008.md", "flowchart.svg"]
    assert "Proses selesai dan diarsipkan." in (out / "lip20-0008-baru" / "LIP20-0008.html").read_text("utf-8")
    assert [p.name for p in out.iterdir()] == ["lip20-0008-baru"]
    capsys.readouterr()
    assert cli.main(["docs", "--model", str(tmp_path / "tidak-ada.bpmn"), "--out", str(out)]) == 1
    assert "tidak-ada.bpmn: tidak ada file model ini" in capsys.readouterr().err
    draft.with_suffix(".sop.json").unlink()
    assert cli.main(["docs", "--model", str(draft), "--out", str(out)]) == 1
    assert "lip20-0008-baru.sop.json: cannot read SOP metadata" in capsys.readouterr().err


@pytest.mark.parametrize("model", model_files(), ids=lambda p: p.stem)
def test_committed_docs_are_not_stale(model: Path, tmp_path: Path) -> None:
    """docs/<model>/ is what ``make docs`` writes now (the SOP document of LIP20-0008 included: adding the second
    process changed none of its bytes)."""
    generate_docs(model, tmp_path)
    committed = DOCS / model.stem
    stale = [p.name for p in sorted(tmp_path.iterdir())
             if not (committed / p.name).exists() or (committed / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"docs/{model.stem}/ is stale: run make docs (differs: {', '.join(stale)})"
