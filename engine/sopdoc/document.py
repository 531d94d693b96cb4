"""The SOP document generated from the model: ``<Nomor>.html`` (print-ready A4), ``.md`` and the flowchart.

``make docs`` (``klip docs``) calls :func:`generate_docs`. Output is deterministic — same BPMN and sidecar,
same bytes — so a test can tell when the committed ``docs/`` is stale.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..errors import KlipError
from ..render import render_diagrams
from .model import SopDocument, load_document
from .permenpan import branch_text, build_rows
from .symbols import symbol_box

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLOWCHART_FILE = "flowchart.svg"
UNSET = "(belum ditetapkan)"  # a header field the SOP does not have yet (a draft's Nomor, Tanggal)
PORTRAIT_MM, LANDSCAPE_MM, LEFT_COL_MM = 170, 257, 60


class DocsError(KlipError):
    """The documentation cannot be generated (e.g. the model has no diagram)."""

    code = "docs_error"


def document_stem(doc: SopDocument) -> str:
    """The documents' file name: the SOP's Nomor, or (a draft without one) its model's file name."""
    return str(doc.meta["nomor"]) or Path(doc.source).stem


def generate_docs(bpmn_path: Path, out_dir: Path) -> list[Path]:
    """Write ``<Nomor>.html``, ``<Nomor>.md`` and ``flowchart.svg`` into ``out_dir``; return their paths."""
    doc = load_document(bpmn_path)
    svg = render_flowchart(bpmn_path.read_bytes(), title=doc.meta["judul"])
    stem = document_stem(doc)
    files = {f"{stem}.html": render_html(doc, svg), f"{stem}.md": render_markdown(doc), FLOWCHART_FILE: svg}
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


def render_html(doc: SopDocument, flowchart_svg: str) -> str:
    """The print-ready SOP: header on every page, A–H, approval block, Permenpan-RB table as appendix."""
    return _env().get_template("document.html.j2").render(
        doc=doc, meta=doc.meta, flowchart=Markup(_inline_svg(flowchart_svg)), rows=build_rows(doc),
        header_portrait=_header_uri(doc, PORTRAIT_MM), header_landscape=_header_uri(doc, LANDSCAPE_MM),
        legend=_legend())


def render_markdown(doc: SopDocument) -> str:
    """The same content as Markdown, for review in git."""
    return _env().get_template("document.md.j2").render(
        doc=doc, meta=doc.meta, rows=build_rows(doc), flowchart=FLOWCHART_FILE, stem=document_stem(doc))


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(sop_text=_sop_text, md=_md_text, md_cell=_md_cell)
    env.globals["UNSET"] = UNSET
    env.globals.update(branch_text=branch_text)
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
        ("connector", "Penghubung", "ke/dari langkah bernomor (mis. pengembalian)"),
    ]
    return [(name, Markup(symbol_box([kind])), meaning) for kind, name, meaning in meanings]
