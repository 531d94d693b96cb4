"""Section H: the flowchart as a Permenpan-RB 35/2012 table, one column per party of section D, one row per
step, Mutu Baku (Kelengkapan, Waktu, Output) and Keterangan, split into pages that fit A4 landscape.

Consecutive steps are joined by lines (down a column, or bent along the bottom of the row into the next
actor's column); returns, other jumps and the step that continues on the next page go through numbered off-page
connectors; messages to another party are dashed lines to its column. Symbols are drawn by :mod:`.symbols`.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from .model import PROCESS_ENDS, SopDocument, Step
from .symbols import symbol_box

MARKS = {"terminator": "⬭", "process": "▭", "decision": "◇"}

# Page geometry of section H in millimetres (A4 landscape, the DJP header in the top margin; see sop.css.j2).
TABLE_MM, BODY_MM = 257.0, 152.0  # the printable width; the height below the header block (46 + 12 mm margins)
NO_MM, ACTOR_MM = 7.0, 20.0
CELL_PT, HEAD_PT, LINE = 7.5, 7.0, 1.25  # text sizes (never under 7 pt) and line height
CHAR_EM, BOLD_EM = 0.5, 0.58  # generous average glyph widths of Liberation Sans / Arial (regular, bold)
SYMBOL_ROW_MM = 17.0  # the least height of a row: the symbol box and its lines
HEADING_MM, LEGEND_MM, HEAD_ROW_MM = 9.0, 16.0, 6.0  # "H. Bagan Arus" above the first page; legend below the last
PT_MM = 25.4 / 72


@dataclass(frozen=True)
class Layout:
    """Column widths (mm) of the table for a number of actors."""

    kegiatan: float
    mutu_baku: float
    keterangan: float
    actors: int

    @property
    def actor(self) -> float:
        return ACTOR_MM


def layout(actors: int) -> Layout:
    rest = TABLE_MM - NO_MM - ACTOR_MM * actors
    return Layout(round(rest * 0.36, 1), round(rest * 0.14, 1), round(rest * 0.22, 1), actors)


@dataclass(frozen=True)
class Cell:
    svg: str = ""
    runs: tuple[str, ...] = ()
    caption: str = ""
    mark: str = ""


@dataclass(frozen=True)
class Row:
    number: str
    kegiatan: str
    cells: tuple[Cell, ...]
    kelengkapan: str
    waktu: str
    output: str
    keterangan: tuple[str, ...]
    waktu_rows: int = 1  # >1: the Waktu cell spans this many rows (a time the SOP gives for several steps); 0: covered


@dataclass
class _Draft:
    """A cell while its row is laid out."""

    parts: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    side_in: list[str] = field(default_factory=list)
    side_out: list[str] = field(default_factory=list)
    caption: str = ""

    def done(self) -> Cell:
        svg = symbol_box(self.parts, self.side_in, self.side_out) if self.parts else ""
        return Cell(svg, tuple(self.runs), self.caption, self.mark())

    def mark(self) -> str:
        """The cell as text for Markdown: ``⬠7,8 → ▭ → ⬠2`` (connectors in and out), ✉ for messages."""
        if not self.parts:
            return ""
        if self.parts[0] not in MARKS:
            return "✉"
        found = [f"⬠{','.join(self.side_in)} →"] if self.side_in else []
        found.append(MARKS[self.parts[0]] + (" ✉" if any(p.startswith("msg-") for p in self.parts) else ""))
        return " ".join(found + [f"→ ⬠{target}" for target in self.side_out])


def symbol_of(step: Step, first: bool) -> str:
    """Terminator for the first and the last step, decision when a gateway follows, else process."""
    if step.branches:
        return "decision"
    return "terminator" if first or step.kind == "endEvent" else "process"


def branch_text(label: str, target: str, is_return: bool) -> str:
    if target == PROCESS_ENDS:
        return f"{label}: proses selesai."
    return f"{label}: {'kembali' if is_return else 'lanjut'} ke langkah {target}."


def keterangan(step: Step, actors: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Notes for the Keterangan column: messages (to a party with a column of its own, the dashed line says who),
    decisions."""
    notes = [f"{'Diterima dari' if m.incoming else 'Dikirim kepada'} {m.partner}: {m.label}." if m.partner not in
             actors else f"{'Diterima' if m.incoming else 'Dikirim'} (pesan, garis putus-putus): {m.label}."
             for m in step.messages]
    notes += [branch_text(b.label, b.target, b.is_return) for b in step.branches]
    return tuple(notes)


def build_rows(doc: SopDocument) -> tuple[Row, ...]:
    """One row per step of G in flow order (the pages of :func:`build_pages` put together)."""
    return tuple(row for page in build_pages(doc) for row in page)


def build_pages(doc: SopDocument) -> tuple[tuple[Row, ...], ...]:
    """The rows of section H split into pages that fit A4 landscape; a line that would cross a page break ends in
    an off-page connector naming the next step, and the next page starts from one naming the step before."""
    steps, cols = doc.steps, layout(len(doc.actors))
    breaks = _page_breaks(steps, doc.actors, cols)
    linked = [i + 1 < len(steps) and s.next_step == steps[i + 1].number and i + 1 not in breaks
              for i, s in enumerate(steps)]
    arriving: dict[str, list[str]] = {}
    for step, adjacent in zip(steps, linked, strict=True):
        for target in _side_targets(step, adjacent):
            arriving.setdefault(target, []).append(step.number)
    rows = [_step_row(doc, i, linked, arriving.get(step.number, [])) for i, step in enumerate(steps)]
    bounds = [0, *sorted(breaks), len(rows)]
    return tuple(tuple(rows[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if b > a)


def header_height(actors: tuple[str, ...]) -> float:
    """The table head: the group row, and the actors' names as section D writes them, wrapped in their column."""
    return HEAD_ROW_MM + max([_text_height(a, ACTOR_MM - 1.2, HEAD_PT, BOLD_EM) for a in actors] + [2 * HEAD_ROW_MM])


def row_height(step: Step, cols: Layout, actors: tuple[str, ...]) -> float:
    """A generous estimate of a row's printed height: the tallest of its texts, at least the symbol box."""
    texts = [(step.sentence.replace("*", ""), cols.kegiatan), (" ".join(keterangan(step, actors)), cols.keterangan),
             (step.kelengkapan, cols.mutu_baku), (step.waktu, cols.mutu_baku), (step.output, cols.mutu_baku)]
    return max([SYMBOL_ROW_MM] + [_text_height(text, width - 2.2, CELL_PT) for text, width in texts])


def _text_height(text: str, width_mm: float, size_pt: float, em: float = CHAR_EM) -> float:
    chars = max(4, int(width_mm / (size_pt * PT_MM * em)))
    lines = sum(len(textwrap.wrap(part, chars, break_long_words=True)) or 1 for part in text.split("\n")) if text else 0
    return lines * size_pt * PT_MM * LINE + 1.8


def _page_breaks(steps: tuple[Step, ...], actors: tuple[str, ...], cols: Layout) -> set[int]:
    """Indexes of the rows that start a new page: fill each page, never split the steps that share a Waktu."""
    head = header_height(actors)
    heights = [row_height(s, cols, actors) for s in steps]
    units: list[list[int]] = []  # rows that stay together
    for i, step in enumerate(steps):
        if units and step.shared_by and step.shared_by == steps[units[-1][-1]].shared_by:
            units[-1].append(i)
        else:
            units.append([i])
    breaks: set[int] = set()
    room = BODY_MM - HEADING_MM - head
    for unit in units:
        need = sum(heights[i] for i in unit)
        if need > room and unit[0] > 0 and unit[0] not in breaks and room < BODY_MM - head:
            breaks.add(unit[0])
            room = BODY_MM - head
        room -= need
    return breaks


def _step_row(doc: SopDocument, i: int, linked: list[bool], arriving: list[str]) -> Row:
    col = {actor: n for n, actor in enumerate(doc.actors)}
    step = doc.steps[i]
    grid = [_Draft() for _ in doc.actors]
    here = grid[col[step.actor]]
    here.parts.append(symbol_of(step, i == 0))
    if i > 0 and linked[i - 1]:
        here.parts.append("in")
        here.runs.append("run-top")
    if linked[i]:
        _route_down(grid, col[step.actor], col[doc.steps[i + 1].actor])
    here.side_out, here.side_in = _side_targets(step, linked[i]), arriving
    for message in step.messages:
        if message.partner in col:
            _route_message(grid, col[step.actor], col[message.partner], message.incoming, message.label)
    return _row(step, grid, keterangan(step, doc.actors), _waktu_rows(step))


def _waktu_rows(step: Step) -> int:
    if not step.shared_by:
        return 1
    return len(step.shared_by) if step.number == step.shared_by[0] else 0


def _side_targets(step: Step, adjacent: bool) -> list[str]:
    """Steps this one leads to through an off-page connector instead of a drawn line."""
    targets = [b.target for b in step.branches
               if b.target != PROCESS_ENDS and (b.is_return or b.target != step.next_step)]
    if step.next_step and not adjacent and step.next_step not in targets:
        targets.append(step.next_step)
    return targets


def _route_down(grid: list[_Draft], src: int, dst: int) -> None:
    """Line from the symbol down to the next row: straight, or bent along the bottom of the cells."""
    grid[src].parts.append("out")
    if src == dst:
        grid[src].runs.append("run-bottom")
        return
    toward, back = ("r", "l") if dst > src else ("l", "r")
    grid[src].runs += ["run-bend", f"bend-{toward}"]
    for between in range(min(src, dst) + 1, max(src, dst)):
        grid[between].runs.append("bend-full")
    grid[dst].runs += [f"bend-{back}", "drop"]


def _route_message(grid: list[_Draft], src: int, dst: int, incoming: bool, label: str) -> None:
    """Dashed message line between the step and the other unit's column."""
    toward, back = ("r", "l") if dst > src else ("l", "r")
    grid[src].parts.append(f"msg-{toward}-{'in' if incoming else 'out'}")
    for between in range(min(src, dst) + 1, max(src, dst)):
        grid[between].runs.append("msg-full")
    grid[dst].parts = [f"pool-{back}-{'out' if incoming else 'in'}"]
    grid[dst].caption = label


def _row(step: Step, grid: list[_Draft], notes: tuple[str, ...], waktu_rows: int) -> Row:
    waktu = step.shared_waktu or step.waktu
    return Row(step.number, step.sentence, tuple(d.done() for d in grid), step.kelengkapan, waktu,
               step.output, notes, waktu_rows)
