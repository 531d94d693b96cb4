"""Labels of the BPMN renderer: inside a shape, below it, on a flow, or where the modeller put BPMNLabel."""
from __future__ import annotations

import math

from lxml import etree

from .model import Bounds, Ctx, Item, Point
from .svg import num
from .text import EXTERNAL_FONT_SIZE, FONT_SIZE, LINE_HEIGHT, block_height, text_block, text_width, wrap_words

DEFAULT_LABEL_WIDTH = 90.0
DEFAULT_LABEL_HEIGHT = 20.0
FLOW_LABEL_INDENT = 15.0
PADDING = 7.0
ICON_FALLBACK_SIZES = (FONT_SIZE, 11.0, 10.0)  # px: a label below a task's icon, largest that fits


def inside(ctx: Ctx, g: etree._Element, box: Bounds, text: str, *, valign: str = "middle", icon: float = 0.0,
           markers: float = 0.0) -> None:
    """A label wrapped to the box, centred horizontally; vertically centred or at the top.

    ``icon``: the size of a type icon's square in the box's top-left corner; ``markers``: the height of the marker
    row at its bottom. The label keeps off the markers, and a label reaching into the icon's square moves down below
    it — in a smaller type (11, then 10 px) when the box is too low for it otherwise — so that neither is ever drawn
    over its text."""
    width = max(box.w - 2 * PADDING, 10)
    lines, spaced = wrap_words(text, width)
    size, top = FONT_SIZE, _top(box, block_height(lines), valign, markers)
    if icon and _under_icon(lines, box, top, icon, size):
        bottom = box.y + box.h - (markers or PADDING / 4)
        for size in ICON_FALLBACK_SIZES:
            lines, spaced = wrap_words(text, width, size)
            if box.y + icon + block_height(lines, size) <= bottom:
                break
        top = max(box.y + icon, _top(box, block_height(lines, size), valign, markers))
    css = "bpmn-label" if size == FONT_SIZE else f"bpmn-label bpmn-label-{size:.0f}"  # the CSS has 11 and 10 px
    text_block(g, lines, box.cx, top, size=size, css=css, spaced=spaced)
    _extend(ctx, lines, box.cx, top, size)


def _top(box: Bounds, height: float, valign: str, markers: float) -> float:
    """Where a block of ``height`` starts: at the top or centred, and above the marker row."""
    top = box.y + PADDING if valign == "top" else box.cy - height / 2
    return min(top, box.y + box.h - markers - height) if markers else top


def _under_icon(lines: list[str], box: Bounds, top: float, icon: float, size: float) -> bool:
    """Whether a line of a centred block starting at ``top`` reaches into the icon's square in the corner."""
    line_height = size * LINE_HEIGHT
    return any(top + i * line_height < box.y + icon and box.cx - text_width(line, size) / 2 < box.x + icon
               for i, line in enumerate(lines))


def left_top(ctx: Ctx, g: etree._Element, box: Bounds, text: str, padding: float = 5.0) -> None:
    """A left-aligned label at the top of the box (text annotations)."""
    lines, spaced = wrap_words(text, max(box.w - 2 * padding, 10))
    text_block(g, lines, box.x + padding, box.y + padding, css="bpmn-label bpmn-label-left", spaced=spaced)
    width = max((text_width(line) for line in lines), default=0)
    ctx.extend(box.x, box.y, box.x + padding + width, box.y + padding + block_height(lines))


def rotated(ctx: Ctx, g: etree._Element, cx: float, cy: float, length: float, text: str) -> None:
    """A label turned -90° (read bottom to top), centred on (cx, cy), wrapped to ``length``."""
    lines, spaced = wrap_words(text, max(length - 2 * PADDING, 10))
    height = block_height(lines)
    text_block(g, lines, cx, cy - height / 2, transform=f"rotate(-90 {num(cx)} {num(cy)})", spaced=spaced)


def _extend(ctx: Ctx, lines: list[str], cx: float, top: float, size: float) -> None:
    """Grow the drawing's extent by a centred block of text."""
    if not lines:
        return
    half = max(text_width(line, size) for line in lines) / 2
    ctx.extend(cx - half, top, cx + half, top + block_height(lines, size))


def _flow_label_mid(points: tuple[Point, ...]) -> Point:
    """Where bpmn.io puts a flow's label by default: beside the middle of the middle segment."""
    mid = len(points) / 2 - 1
    first, second = points[math.floor(mid)], points[math.ceil(mid + 0.01)]
    x, y = (first[0] + second[0]) / 2, (first[1] + second[1]) / 2
    if second[0] == first[0] and second[1] != first[1]:
        return x + FLOW_LABEL_INDENT, y
    return x, y - FLOW_LABEL_INDENT


def external_box(item: Item) -> Bounds:
    """The label box: the BPMNLabel bounds when given, else below the shape / beside the flow."""
    if item.label is not None and (item.label.w > 0 or item.label.h > 0):
        b = item.label
        width = max(DEFAULT_LABEL_WIDTH, b.w)
        return Bounds(b.cx - width / 2, b.y, width, b.h)
    if item.bounds is None:
        x, y = _flow_label_mid(item.waypoints)
    elif item.kind == "group":
        x, y = item.bounds.cx, item.bounds.y + DEFAULT_LABEL_HEIGHT / 2
    else:
        x, y = item.bounds.cx, item.bounds.y + item.bounds.h + DEFAULT_LABEL_HEIGHT / 2
    return Bounds(x - DEFAULT_LABEL_WIDTH / 2, y - DEFAULT_LABEL_HEIGHT / 2, DEFAULT_LABEL_WIDTH, DEFAULT_LABEL_HEIGHT)


def external(ctx: Ctx, g: etree._Element, item: Item, text: str) -> None:
    """A label outside the shape (events, gateways, data, flows, groups), top-centred in its box."""
    if not text:
        return
    box = external_box(item)
    lines, spaced = wrap_words(text, box.w, EXTERNAL_FONT_SIZE)
    text_block(g, lines, box.cx, box.y, size=EXTERNAL_FONT_SIZE, css="bpmn-label bpmn-external-label", spaced=spaced)
    _extend(ctx, lines, box.cx, box.y, EXTERNAL_FONT_SIZE)
