"""The printed SOP: the committed documents printed to PDF by headless Debian Chromium (what a reviewer gets from the
browser's Print), read back with pypdf. The SOP counts "Halaman x dari y" over its own pages, the appendix over its
own; section H prints on its own pages, each table page whole, no text under 7 pt; no Mutu Baku value the model does
not hold; the approval block alone on the last page. Page images: test-artifacts/sopdoc/ (pdftoppm, when present)."""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from engine.sopdoc import load_document
from engine.sopdoc.permenpan import build_pages

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "lip20-0008"
ARTIFACTS = ROOT / "test-artifacts" / "sopdoc"
LEAST_PT = 7.0
HEADER = re.compile(r"Halaman : (\d+) dari (\d+)")
APPENDIX_HEADER = re.compile(r"Halaman : Lampiran (\d+) dari (\d+)")


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Path], dict[str, list[str]]]]:
    """Each document printed to PDF, and what axe-core (WCAG 2.1 A/AA and best practice) finds on screen."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (make system-deps)")
    axe = sorted((ROOT / ".cache" / "axe-core").glob("*/axe.min.js"))
    if not axe:
        pytest.fail(".cache/axe-core/<version>/axe.min.js not found: run `make axe` (`make test` fetches it)")
    out = tmp_path_factory.mktemp("print")
    pdfs, found = {}, {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        for name in ("LIP20-0008.html", "LIP20-0008-lampiran.html"):
            page.goto((DOCS / name).as_uri())
            pdfs[name] = out / name.replace(".html", ".pdf")
            pdfs[name].write_bytes(page.pdf(prefer_css_page_size=True))
            page.add_script_tag(content=axe[-1].read_text(encoding="utf-8"))
            found[name] = page.evaluate("async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
                                        "'wcag21a', 'wcag21aa', 'best-practice']})).violations.map(v => v.id)")
        browser.close()
    _page_images(pdfs)
    yield pdfs, found


@pytest.fixture(scope="module")
def pdfs(printed) -> dict[str, Path]:
    return printed[0]


def test_axe_finds_nothing_on_the_documents(printed) -> None:
    assert printed[1] == {"LIP20-0008.html": [], "LIP20-0008-lampiran.html": []}


def _page_images(printed: dict[str, Path]) -> None:
    """PNGs of every printed page, for people to look at (test-artifacts/ is not committed)."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    for pdf in printed.values():
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / pdf.stem)], check=True)


def texts(pdf: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


def text_sizes(pdf: Path, number: int) -> list[tuple[float, str]]:
    """Each text run of a page with its printed size in points (font size × the text and drawing matrices)."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            found.append((size * math.hypot(c, d), text.strip()))

    PdfReader(pdf).pages[number].extract_text(visitor_text=visit)
    return found


def test_the_sop_counts_its_own_pages_on_every_page(pdfs) -> None:
    pages = texts(pdfs["LIP20-0008.html"])
    table_pages = len(build_pages(load_document(ROOT / "bpmn" / "lip20-0008.bpmn")))
    # A–G and Jangka Waktu on two portrait pages (as the original), section H, the approval block on its own page.
    assert len(pages) == 2 + table_pages + 1
    for number, text in enumerate(pages, start=1):
        assert HEADER.findall(text) == [(str(number), str(len(pages)))], text[:300]
        assert "Revisi : 1" in text and "Nomor : LIP20-0008" in text and "Tanggal : 24 November 2014" in text
    assert "Halaman : 1 dari 3" not in pages[0] or len(pages) == 3


def test_section_h_prints_whole_on_its_own_pages(pdfs) -> None:
    """Each page of the table prints on one sheet: the head repeats (a table running over would add a page with
    its head repeated, or rows without one), every step appears once, in order, and the legend closes it."""
    pages = texts(pdfs["LIP20-0008.html"])
    table = [n for n, text in enumerate(pages) if "Kelengkapan" in text]
    planned = build_pages(load_document(ROOT / "bpmn" / "lip20-0008.bpmn"))
    assert table == list(range(2, 2 + len(planned)))
    assert "H. Bagan Arus (Flowchart) :" in pages[2] and "H. Bagan Arus" not in pages[1]
    for n, rows in zip(table, planned, strict=True):
        text = pages[n]
        for actor in ("Kepala Kantor Layanan Informasi dan Pengaduan", "Kepala Seksi Operasional",
                      "Seksi Penjaminan Kualitas Layanan"):
            assert actor in text
        for row in rows:
            assert " ".join(row.kegiatan.replace("*", "").split()[:4]) in text, (n, row.number)
    assert "Terminator" in pages[table[-1]] and "Penghubung" in pages[table[-1]]


def test_section_h_has_no_text_under_7_pt(pdfs) -> None:
    pages = texts(pdfs["LIP20-0008.html"])
    for n, text in enumerate(pages):
        if "Kelengkapan" not in text:
            continue
        sizes = text_sizes(pdfs["LIP20-0008.html"], n)
        assert len(sizes) > 50
        small = [(round(size, 2), run) for size, run in sizes if size < LEAST_PT - 0.01]
        assert small == [], f"page {n + 1}: {small[:5]}"
        assert any(run in ("Tidak", "Ya") for _, run in sizes) or n != 2  # the symbols' own labels are text too


def test_no_mutu_baku_value_the_model_does_not_hold(pdfs) -> None:
    """The SOP states no working days but the report's 5; the system's own due dates are in the appendix only."""
    pages = texts(pdfs["LIP20-0008.html"])
    body = " ".join(pages)
    assert re.findall(r"(\d+)(?: \([a-z]+\))? hari kerja", body) == ["5", "5"]  # Jangka Waktu 2 and Mutu Baku 6–8
    for invented in ("Nota dinas", "surat pengantar", "Catatan tindak lanjut", "sesuai rencana kerja",
                     "eskalasi", "Catatan sistem"):
        assert invented.casefold() not in body.casefold(), invented
    assert "Disesuaikan dengan kebutuhan" in body
    appendix = " ".join(texts(pdfs["LIP20-0008-lampiran.html"]))
    assert "1 hari kerja sejak tugas tersedia" in appendix and "Catatan sistem" in appendix


def test_the_approval_block_is_alone_on_the_last_page(pdfs) -> None:
    last = texts(pdfs["LIP20-0008.html"])[-1]
    body = HEADER.sub("", last.split("Tanggal : 24 November 2014", 1)[1])
    assert body.strip().startswith("Disahkan oleh:")
    assert "Awan Nurmawan Nuh" in body and "NIP 196809261993101001" in body
    assert "Kelengkapan" not in body and "Prosedur" not in body


def test_the_appendix_is_numbered_on_its_own_and_its_diagram_is_legible(pdfs) -> None:
    pdf = pdfs["LIP20-0008-lampiran.html"]
    pages = texts(pdf)
    for number, text in enumerate(pages, start=1):
        assert APPENDIX_HEADER.findall(text) == [(str(number), str(len(pages)))]
    tiles = [n for n, text in enumerate(pages) if "Bagian " in text and " dari " in text and "baris" in text]
    assert len(tiles) >= 2
    for n in tiles:
        diagram = [(size, run) for size, run in text_sizes(pdf, n) if size < 9]  # the header is larger
        assert diagram and min(size for size, _ in diagram) >= LEAST_PT - 0.01
    names = " ".join(pages[n] for n in tiles)
    assert "Menugaskan" in names and "Menindaklanjuti" in names
