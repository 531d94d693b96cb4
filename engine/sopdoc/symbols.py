"""SVG for one actor cell of the Permenpan-RB 35/2012 table: the five symbols and their connections.

A cell holds a fixed "symbol box" (20 × 14 mm, units of 0.1 mm, drawn at that size: texts of 25 units print at
7.1 pt), vertically centred; lines drawn here reach the box edges, and the CSS runs of the table continue them to
the cell edges.
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

BOX_W, BOX_H = 200, 140
CX, MID = BOX_W // 2, BOX_H // 2
HALF_W = {"terminator": 46, "process": 46, "decision": 40}
HALF_H = {"terminator": 22, "process": 24, "decision": 32}
STROKE = 'stroke="#000" stroke-width="3"'
FONT = 'font-family="Liberation Sans, Arial, Helvetica, sans-serif"'
PENTAGON_H, LABEL = 36, 25  # the off-page connector; the least text size (25 units = 2.5 mm = 7.1 pt)


def pentagon_width(label: str) -> int:
    return 14 * len(label) + 12


def symbol_box(parts: Sequence[str], side_in: Sequence[str] = (), side_out: Sequence[str] = ()) -> str:
    """``parts[0]`` is the symbol (or ``arrow``/``connector`` for the legend, ``pool-*`` for a message end);
    the other parts are ``in``/``out`` stubs and ``msg-<side>-<in|out>`` message stubs."""
    kind = parts[0]
    if kind in HALF_W:
        body = _flow_symbol(kind, parts, side_in, side_out)
    elif kind == "arrow":
        body = _line(f"M12 {MID}H{BOX_W - 18}") + _arrow(BOX_W - 12, MID, "right")
    elif kind == "connector":
        body = _pentagon(CX - pentagon_width("6") // 2, MID - PENTAGON_H // 2, "6")
    else:
        body = _pool_end(kind)
    return (f'<svg class="sym" viewBox="0 0 {BOX_W} {BOX_H}" preserveAspectRatio="none" '
            f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">{body}</svg>')


def _flow_symbol(kind: str, parts: Sequence[str], side_in: Sequence[str], side_out: Sequence[str]) -> str:
    top, bottom = MID - HALF_H[kind], MID + HALF_H[kind]
    body = [_symbol(kind)]
    if "in" in parts:
        body.append(_line(f"M{CX} 0V{top - 7}") + _arrow(CX, top, "down"))
    if "out" in parts:
        body.append(_line(f"M{CX} {bottom}V{BOX_H}"))
        if kind == "decision" and side_out:
            body.append(_text(CX + 5, bottom + 26, "Ya", "start", LABEL))
    body += [_connector_out(kind, k, target) for k, target in enumerate(side_out)]
    body += [_connector_in(kind, k, source) for k, source in enumerate(side_in)]
    body += [_message_stub(kind, p) for p in parts if p.startswith("msg-")]
    return "".join(body)


def _line(d: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="8 5"' if dashed else ""
    return f'<path d="{d}" {STROKE} fill="none"{dash}/>'


def _symbol(kind: str) -> str:
    w, h = HALF_W[kind], HALF_H[kind]
    if kind == "decision":
        return f'<path d="M{CX} {MID - h}L{CX + w} {MID}L{CX} {MID + h}L{CX - w} {MID}Z" {STROKE} fill="#fff"/>'
    radius = h if kind == "terminator" else 0
    return f'<rect x="{CX - w}" y="{MID - h}" width="{2 * w}" height="{2 * h}" rx="{radius}" {STROKE} fill="#fff"/>'


def _arrow(x: int, y: int, direction: str) -> str:
    points = {"down": f"{x - 4},{y - 7} {x + 4},{y - 7} {x},{y}",
              "right": f"{x - 7},{y - 4} {x - 7},{y + 4} {x},{y}",
              "left": f"{x + 7},{y - 4} {x + 7},{y + 4} {x},{y}"}[direction]
    return f'<polygon points="{points}" fill="#000"/>'


def _pentagon(x: int, y: int, label: str) -> str:
    """Off-page connector: a box with a pointed bottom, labelled with the step it links to."""
    w, h = pentagon_width(label), PENTAGON_H
    shape = (f'<path d="M{x} {y}h{w}v{h * 0.6:g}l{-w / 2:g} {h * 0.4:g}l{-w / 2:g} {-h * 0.4:g}Z" '
             f'{STROKE} fill="#fff"/>')
    return shape + _text(x + w / 2, y + 21, label, "middle", LABEL, bold=True)


def _connector_out(kind: str, k: int, target: str) -> str:
    """A path not drawn as a line (a return, or the next step on another page): to an off-page connector on the
    right naming the target step."""
    right, x = CX + HALF_W[kind], BOX_W - pentagon_width(target) - 2
    y = MID - 12 + 44 * k
    route = f"M{right} {MID}H{right + 5}V{y + 12}H{x - 7}" if k else f"M{right} {MID}H{x - 7}"
    label = _text(BOX_W - 2, MID - 16, "Tidak", "end", LABEL) if k == 0 and kind == "decision" else ""
    return _line(route) + _arrow(x, y + 12, "right") + _pentagon(x, y, target) + label


def _connector_in(kind: str, k: int, source: str) -> str:
    """Where a path arrives from another row or page: an off-page connector on the left naming the step it
    comes from."""
    left, y = CX - HALF_W[kind], MID - 12 - 44 * k
    start = 2 + pentagon_width(source)
    route = f"M{start} {y + 12}H{left - 5}V{MID}H{left - 7}" if k else f"M{start} {y + 12}H{left - 7}"
    return _pentagon(2, y, source) + _line(route) + _arrow(left, MID, "right")


def _message_stub(kind: str, part: str) -> str:
    """Dashed message line from the symbol's side to the box edge (arrowhead at the symbol if incoming)."""
    _, side, direction = part.split("-")
    edge, start = (BOX_W, CX + HALF_W[kind]) if side == "r" else (0, CX - HALF_W[kind])
    if direction == "in":
        tip_x = start + 7 if side == "r" else start - 7
        return _line(f"M{edge} {MID}H{tip_x}", dashed=True) + _arrow(start, MID, "left" if side == "r" else "right")
    return _line(f"M{start} {MID}H{edge}", dashed=True)


def _pool_end(part: str) -> str:
    """The other unit's end of a message line: a dot where it starts, an arrowhead where it ends."""
    _, side, direction = part.split("-")
    edge = 0 if side == "l" else BOX_W
    if direction == "out":
        return _line(f"M{edge} {MID}H{CX}", dashed=True) + f'<circle cx="{CX}" cy="{MID}" r="5" fill="#000"/>'
    tip_x = CX - 7 if side == "l" else CX + 7
    return _line(f"M{edge} {MID}H{tip_x}", dashed=True) + _arrow(CX, MID, "right" if side == "l" else "left")


def _text(x: float, y: float, text: str, anchor: str, size: float, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size:g}"{weight} text-anchor="{anchor}" {FONT}>'
            f'{escape(text)}</text>')
