"""The flowchart as a Permenpan-RB 35/2012 table: one column per actor, one row per step, Mutu Baku.

Consecutive steps are joined by lines (down a column, or bent along the bottom of the row into the next
actor's column); returns and other jumps go through numbered off-page connectors; messages to the
Pengguna Layanan are dashed lines to its column. Symbols are drawn by :mod:`engine.sop_docs_symbols`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import PROCESS_ENDS, Deadline, SopDocument, Step
from .symbols import symbol_box

MARKS = {"terminator": "⬭", "process": "▭", "decision": "◇"}
ESCALATION_GROUP = "Jangka Waktu Penyelesaian — bila batas waktu terlampaui"


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
    group: str = ""


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


def keterangan(step: Step) -> tuple[str, ...]:
    """Notes for the Keterangan column: messages to/from other units, decisions, parallel work."""
    notes = [f"{'Diterima dari' if m.incoming else 'Dikirim kepada'} {m.partner}: {m.label}." for m in step.messages]
    notes += [branch_text(b.label, b.target, b.is_return) for b in step.branches]
    if step.parallel:
        notes.append("Dilaksanakan paralel, satu tugas untuk setiap agen.")
    return tuple(notes)


def build_rows(doc: SopDocument) -> tuple[Row, ...]:
    """One row per step of G in flow order, then the escalation tasks of Jangka Waktu Penyelesaian."""
    steps = doc.steps
    linked = [i + 1 < len(steps) and s.next_step == steps[i + 1].number for i, s in enumerate(steps)]
    arriving: dict[str, list[str]] = {}
    for step, adjacent in zip(steps, linked, strict=True):
        for target in _side_targets(step, adjacent):
            arriving.setdefault(target, []).append(step.number)
    rows = [_step_row(doc, i, linked, arriving.get(step.number, [])) for i, step in enumerate(steps)]
    rows += [_escalation_row(doc, deadline, task) for deadline in doc.deadlines for task in deadline.escalation]
    return tuple(rows)


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
        _route_message(grid, col[step.actor], col[message.partner], message.incoming, message.label)
    return _row(step, grid, keterangan(step))


def _escalation_row(doc: SopDocument, deadline: Deadline, task: Step) -> Row:
    grid = [_Draft() for _ in doc.actors]
    cell = grid[doc.actors.index(task.actor)]
    span = f"{deadline.covers[0]}-{deadline.covers[-1]}" if deadline.covers else ""
    cell.parts, cell.side_in = ["process"], [span] if span else []
    note = f"Bila {deadline.name[:1].lower()}{deadline.name[1:]} (langkah {span.replace('-', '–')})."
    return _row(task, grid, (note,) + keterangan(task), ESCALATION_GROUP)


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


def _row(step: Step, grid: list[_Draft], notes: tuple[str, ...], group: str = "") -> Row:
    return Row(step.number, step.sentence, tuple(d.done() for d in grid), step.kelengkapan, step.waktu,
               step.output, notes, group)
