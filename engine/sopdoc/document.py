"""The SOP document generated from the model: ``<Nomor>.html`` (the SOP, print-ready A4: header, A–H, approval),
``<Nomor>-lampiran.html`` (its appendix, numbered on its own: the BPMN diagram in legible tiles and the
"Catatan sistem"), ``<Nomor>.md`` (both, for review in git) and ``flowchart.svg``.

The SOP and its appendix are two files because a printed page counts "Halaman x dari y" with CSS ``counter(pages)``,
which counts every page of a file: the appendix would otherwise add to the SOP's own count.
``make docs`` (``klip docs``) calls :func:`generate_docs`. Output is deterministic — same BPMN and sidecar,
same bytes — so a test can tell when the committed ``docs/`` is stale.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from lxml import etree
from markupsafe import Markup, escape

from ..errors import KlipError
from ..render import render_diagrams
from .model import SopDocument, load_document
from .permenpan import CELL_PT, HEAD_PT, branch_text, build_pages, build_rows, layout
from .symbols import symbol_box

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLOWCHART_FILE = "flowchart.svg"
UNSET = "(belum ditetapkan)"  # a header field the SOP does not have yet (a draft's Nomor, Tanggal)
PORTRAIT_MM, LANDSCAPE_MM, LEFT_COL_MM = 170, 257, 60
APPENDIX = "lampiran"
# A tile of the BPMN diagram in the appendix: an A4 landscape page under the header block, less its caption.
TILE_W_MM, TILE_H_MM, TILE_OVERLAP = 257.0, 140.0, 40  # overlap in diagram units, so no label is cut in half
LEAST_TEXT_MM = 7.2 * 25.4 / 72  # the diagram's smallest text prints at 7.2 pt at least
SVG = "{http://www.w3.org/2000/svg}"


class DocsError(KlipError):
    """The documentation cannot be generated (e.g. the model has no diagram)."""

    code = "docs_error"


def document_stem(doc: SopDocument) -> str:
    """The documents' file name: the SOP's Nomor, or (a draft without one) its model's file name."""
    return str(doc.meta["nomor"]) or Path(doc.source).stem


@dataclass(frozen=True)
class Tile:
    """One page of the BPMN diagram in the appendix: a window on the diagram, printed at ``scale`` mm per unit."""

    number: int
    row: int
    col: int
    svg: Markup


def generate_docs(bpmn_path: Path, out_dir: Path) -> list[Path]:
    """Write ``<Nomor>.html``, ``<Nomor>-lampiran.html``, ``<Nomor>.md`` and ``flowchart.svg`` into ``out_dir``;
    return their paths."""
    doc = load_document(bpmn_path)
    svg = render_flowchart(bpmn_path.read_bytes(), title=doc.meta["judul"])
    stem = document_stem(doc)
    files = {f"{stem}.html": render_html(doc), f"{stem}-{APPENDIX}.html": render_appendix(doc, svg),
             f"{stem}.md": render_markdown(doc), FLOWCHART_FILE: svg}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(files):
        text = files[name].replace("\r\n", "\n").rstrip("\n") + "\n"
        (out_dir / name).write_bytes(text.encode("utf-8"))
        written.append(out_dir / name)
    return written


def render_flowchart(content: bytes, *, title: str | None = None) -> str:
    """The BPMN diagram as SVG (the first BPMNDiagram of the file)."""
    diagrams = render_diagrams(content, title=title)
    if not diagrams:
        raise DocsError("cannot draw the flowchart: the BPMN file has no diagram (BPMNDiagram)")
    return str(diagrams[0].svg)


def render_html(doc: SopDocument, appendix_href: str | None = None) -> str:
    """The print-ready SOP: the header block on every page, A–G, section H as the Permenpan-RB table on
    landscape pages, the approval block on a page of its own. (The diagram goes to :func:`render_appendix`.)"""
    return _env().get_template("document.html.j2").render(
        doc=doc, meta=doc.meta, pages=build_pages(doc), cols=layout(len(doc.actors)), cell_pt=CELL_PT,
        head_pt=HEAD_PT, legend=_legend(), appendix=appendix_href or f"{document_stem(doc)}-{APPENDIX}.html",
        part="sop",
        header_portrait=_header_uri(doc, PORTRAIT_MM), header_landscape=_header_uri(doc, LANDSCAPE_MM))


def render_appendix(doc: SopDocument, flowchart_svg: str, sop_href: str | None = None) -> str:
    """The appendix, numbered on its own: the BPMN diagram in tiles printed legibly, and the "Catatan sistem"
    (what the system does that the SOP does not say: due dates, deadline monitoring, escalation)."""
    return _env().get_template("appendix.html.j2").render(
        doc=doc, meta=doc.meta, tiles=diagram_tiles(flowchart_svg), part=APPENDIX,
        sop_file=sop_href or f"{document_stem(doc)}.html", parallel=[s for s in doc.steps if s.parallel],
        header_portrait=_header_uri(doc, PORTRAIT_MM), header_landscape=_header_uri(doc, LANDSCAPE_MM))


def render_markdown(doc: SopDocument) -> str:
    """The same content as Markdown, for review in git."""
    return _env().get_template("document.md.j2").render(
        doc=doc, meta=doc.meta, rows=build_rows(doc), flowchart=FLOWCHART_FILE, stem=document_stem(doc),
        parallel=[s for s in doc.steps if s.parallel])


def diagram_tiles(flowchart_svg: str) -> list[Tile]:
    """The diagram cut into A4-landscape tiles at a scale where its smallest text prints at 7.2 pt or more,
    overlapping a little; the first keeps the drawing's ids (markers), the others refer to them."""
    root = etree.fromstring(_inline_svg(flowchart_svg).encode("utf-8"))
    x0, y0, width, height = (float(v) for v in root.get("viewBox", "0 0 100 100").split())
    style = "".join(root.itertext(SVG + "style"))
    least = min((float(v) for v in re.findall(r"font-size:\s*([\d.]+)px", style)), default=10.0)
    scale = LEAST_TEXT_MM / least
    cols = max(1, math.ceil((width * scale - TILE_OVERLAP * scale) / (TILE_W_MM - TILE_OVERLAP * scale)))
    rows = max(1, math.ceil((height * scale - TILE_OVERLAP * scale) / (TILE_H_MM - TILE_OVERLAP * scale)))
    tile_w, tile_h = (width + (cols - 1) * TILE_OVERLAP) / cols, (height + (rows - 1) * TILE_OVERLAP) / rows
    scale = min(TILE_W_MM / tile_w, TILE_H_MM / tile_h)  # as large as the pages allow
    tiles = []
    for n in range(rows * cols):
        row, col = divmod(n, cols)
        copy = etree.fromstring(etree.tostring(root))
        if n:
            for element in copy.iter():
                element.attrib.pop("id", None)
        copy.set("viewBox", f"{x0 + col * (tile_w - TILE_OVERLAP):g} {y0 + row * (tile_h - TILE_OVERLAP):g} "
                            f"{tile_w:g} {tile_h:g}")
        copy.set("width", f"{tile_w * scale:.1f}mm")
        copy.set("height", f"{tile_h * scale:.1f}mm")
        copy.set("aria-label", f"Bagan arus BPMN, bagian {n + 1} dari {rows * cols}")
        tiles.append(Tile(n + 1, row + 1, col + 1, Markup(etree.tostring(copy, encoding="unicode"))))
    return tiles


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(sop_text=_sop_text, md=_md_text, md_cell=_md_cell)
    env.globals["UNSET"] = UNSET
    env.globals.update(branch_text=branch_text, DASH="\u2013")
    return env


def _sop_text(text: str) -> Markup:
    """Escape, then render the SOP's ``*emphasis*`` (e.g. *Call Recording*) as italics."""
    return Markup(re.sub(r"\*([^*]+)\*", r"<em>\1</em>", str(escape(text))))


def _md_text(text: str) -> str:
    return re.sub(r"([\\`<>\[\]|])", r"\\\1", text)


def _md_cell(text: str) -> str:
    return _md_text(" ".join(text.split())) or " "


def _inline_svg(svg: str) -> str:
    """An SVG file's text made fit for inlining: no XML declaration, doctype or leading comments."""
    return re.sub(r"^\s*(<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->|\s)*", "", svg, flags=re.S)


def _header_uri(doc: SopDocument, width_mm: int) -> str:
    """The DJP header block as an SVG data URI, drawn in the top margin of every printed page."""
    meta = doc.meta
    right = width_mm - LEFT_COL_MM
    svg = _env().get_template("header.svg.j2").render(
        width=width_mm, left=LEFT_COL_MM, meta=meta,
        org_lines=_wrap(f"{meta['kementerian']} {meta['direktorat']}", LEFT_COL_MM - 6, 3.4, 0.6,
                        breaks=(meta["kementerian"], meta["direktorat"])),
        title_lines=_wrap(meta["judul"], right - 8, 3.6, 0.68))
    svg = " ".join(svg.split()).replace('"', "'")
    return "data:image/svg+xml," + quote(svg, safe=" =:/,;'()")


def _wrap(text: str, width_mm: float, size_mm: float, em: float, breaks: tuple[str, ...] = ()) -> list[str]:
    """Greedy word wrap by an estimated character width (SVG text does not wrap by itself)."""
    chars = max(8, int(width_mm / (size_mm * em)))
    parts = breaks or (text,)
    return [line for part in parts for line in textwrap.wrap(part, chars)]


def _legend() -> list[tuple[str, Markup, str]]:
    """The five Permenpan-RB 35/2012 symbols with their meaning."""
    meanings = [
        ("terminator", "Terminator", "awal dan akhir proses"),
        ("process", "Proses", "kegiatan"),
        ("decision", "Keputusan", "keputusan: Ya / Tidak"),
        ("arrow", "Arah alur", "urutan kegiatan; putus-putus: pesan dengan unit lain"),
        ("connector", "Penghubung", "ke/dari langkah bernomor itu (pengembalian, lanjutan di halaman lain)"),
    ]
    return [(name, Markup(symbol_box([kind])), meaning) for kind, name, meaning in meanings]
