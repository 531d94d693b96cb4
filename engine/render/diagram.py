"""Draw BPMN 2.0 diagrams as SVG, exactly where the modeller placed every shape and edge (BPMNDI).

One SVG per ``bpmndi:BPMNDiagram``. Every shape and edge is a
``<g class="bpmn-element bpmn-<category> bpmn-<kind> [extra]" data-element-id="<BPMN id>">`` so callers can
find it and restyle it: ``styles`` adds an extra class per element id (``state-completed``, ``state-active``,
``state-overdue``, heat-map classes …); the look is the embedded ``<style>``, black on white like bpmn.io.
A shape with a state class also gets a state mark (a tick, a play sign, an exclamation mark in its top-right
corner), so that the state is not told by colour alone. The ``<svg>`` is an image named by its ``<title>``.
Output is deterministic: the same bytes in give the same SVG out.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from ..bpmn_xml import parse_xml
from . import edges, pools, shapes
from .model import (
    BPMNDI_NS,
    Ctx,
    Item,
    Model,
    RenderError,
    Skipped,
    is_expanded,
    local,
    name_of,
    ns,
    plane_items,
)
from .svg import CSS, SVG_NS, circle, num, path, place, rect, sub

MARGIN = 10.0
BIOC_NS = "http://bpmn.io/schema/bpmn/biocolor/1.0"
COLOR_NS = "http://www.omg.org/spec/BPMN/non-normative/color/1.0"
_SAFE_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,%\s]{5,40}\))$")
Draw = Callable[[Ctx, etree._Element, Item], None]
CONTAINERS = {"subProcess", "adHocSubProcess", "transaction", "subChoreography"}
EDGE_KINDS = {"sequenceFlow", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation",
              "conversationLink"}
# The state classes that get a mark, the strongest first, with the glyph drawn around (0, 0) in a 16 px circle:
# (path data, CSS class of the glyph).
STATE_MARKS = {
    "state-overdue": ("M0 -4.2 L0 0.8 M0 3.6 L0 3.7", "bpmn-state-glyph"),
    "state-active": ("M-2.4 -4 L4 0 L-2.4 4 Z", "bpmn-state-glyph bpmn-state-glyph-filled"),
    "state-completed": ("M-4 0.2 L-1.3 3 L4 -3.2", "bpmn-state-glyph"),
}
MARKED = {"activity", "event", "gateway", "data"}


@dataclass(frozen=True)
class RenderedDiagram:
    """One drawn BPMNDiagram: its DI id and name, the SVG text and its size in px, and what was left out of it
    (or, on the first diagram, of a diagram that could not be drawn at all), one warning each."""

    id: str
    name: str
    svg: str
    width: float
    height: float
    warnings: tuple[str, ...] = ()


def _category(kind: str) -> tuple[str, Draw]:
    """The CSS category of an element kind and the function that draws it."""
    table: list[tuple[set[str], str, Draw]] = [
        (shapes.TASKS, "activity", shapes.draw_task),
        (shapes.SUB_PROCESSES, "activity", shapes.draw_sub_process),
        (shapes.EVENTS, "event", shapes.draw_event),
        (shapes.GATEWAYS, "gateway", shapes.draw_gateway),
        (shapes.DATA_OBJECTS, "data", shapes.draw_data_object),
        (shapes.DATA_STORES, "data", shapes.draw_data_store),
        ({"participant"}, "swimlane", pools.draw_participant),
        ({"lane"}, "swimlane", pools.draw_lane),
        ({"textAnnotation"}, "artifact", pools.draw_text_annotation),
        ({"group"}, "artifact", pools.draw_group),
        ({"conversation", "subConversation", "callConversation"}, "conversation", pools.draw_conversation),
        ({"choreographyTask", "subChoreography", "callChoreography"}, "choreography", pools.draw_choreography),
        (EDGE_KINDS, "flow", edges.draw_edge),
    ]
    for kinds, category, draw in table:
        if kind in kinds:
            return category, draw
    return "unknown", pools.draw_unknown


def _kebab(kind: str) -> str:
    """userTask → user-task."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", kind).lower()


def _depth(element: etree._Element) -> int:
    """How many sub-processes enclose an element."""
    return sum(1 for a in element.iterancestors() if isinstance(a.tag, str) and local(a) in CONTAINERS)


def _layer(ctx: Ctx, item: Item) -> tuple[int, int]:
    """Paint order: pools, lanes, open sub-processes (outer first), shapes, edges, boundary events, groups."""
    kind = item.kind
    if kind == "participant":
        return (3, 0) if item.di.get("choreographyActivityShape") else (0, 0)
    if kind == "lane":
        return 1, 0
    if item.bounds is None:
        return 4, 0
    if (kind in CONTAINERS or kind == "callActivity") and (kind == "subChoreography" or is_expanded(ctx, item)):
        return 2, _depth(item.element)
    return {"boundaryEvent": (5, 0), "group": (6, 0)}.get(kind, (3, _depth(item.element)))


def _safe(value: str | None) -> str | None:
    """A colour value that is safe to put into a style attribute, or None."""
    value = (value or "").strip()
    return value if _SAFE_COLOR.match(value) else None


def _colour(item: Item, g: etree._Element) -> None:
    """Apply the modeller's colours (bpmn.io ``bioc:*`` or OMG ``color:*``) to outlines and lines."""
    fill = _safe(item.di.get(f"{{{BIOC_NS}}}fill") or item.di.get(f"{{{COLOR_NS}}}background-color"))
    if item.kind in ("group", "textAnnotation"):  # drawn unfilled, as bpmn.io does: a fill would hide what they frame
        fill = None
    stroke = _safe(item.di.get(f"{{{BIOC_NS}}}stroke") or item.di.get(f"{{{COLOR_NS}}}border-color"))
    outline = ";".join(f"{p}:{v}" for p, v in (("fill", fill), ("stroke", stroke)) if v)
    for node in g.iter(f"{{{SVG_NS}}}*"):
        classes = (node.get("class") or "").split()
        if outline and "bpmn-outline" in classes:
            node.set("style", outline)
        elif stroke and "bpmn-line" in classes:
            node.set("style", f"stroke:{stroke}")
        elif stroke and "bpmn-arrowhead" in classes:
            node.set("style", f"fill:{stroke};stroke:{stroke}")


def _draw_item(ctx: Ctx, svg: etree._Element, item: Item, styles: Mapping[str, str],
               badges: Mapping[str, str]) -> None:
    """One element group with everything of the shape or edge inside."""
    category, draw = _category(item.kind)
    classes = ["bpmn-element", f"bpmn-{category}"] + ([f"bpmn-{_kebab(item.kind)}"] if item.kind else [])
    extra = (styles.get(item.element_id) or "").strip()
    g = sub(svg, "g", {"class": " ".join(classes + ([extra] if extra else []))})
    if item.element_id:
        g.set("data-element-id", item.element_id)
    else:  # DI without bpmnElement: still drawn, named by its DI id
        g.set("data-di-id", item.di.get("id") or "")
    g.tail = "\n"
    draw(ctx, g, item)
    _colour(item, g)
    if category in MARKED:
        _state_mark(g, item, extra.split())
    if badges.get(item.element_id):
        _badge(g, item, badges[item.element_id])
    if item.bounds is not None:
        b = item.bounds
        ctx.extend(b.x, b.y, b.x + b.w, b.y + b.h)


def _state_mark(g: etree._Element, item: Item, extra: list[str]) -> None:
    """The mark of the strongest state among the element's classes, in the top-right corner of its bounds
    (inside a task's rounded corner; just off an event's circle or a gateway's diamond)."""
    state = next((s for s in STATE_MARKS if s in extra), None)
    if state is None or item.bounds is None:
        return
    b = item.bounds
    inset = 11.0 if item.kind not in shapes.EVENTS | shapes.GATEWAYS else 1.0
    cx, cy = b.x + b.w - inset, b.y + inset
    mark = sub(g, "g", {"class": f"bpmn-state-mark {state}-mark", "transform": place(cx, cy)})
    circle(mark, 0, 0, 8, "bpmn-state-disc")
    d, css = STATE_MARKS[state]
    path(mark, d, css)


def _badge(g: etree._Element, item: Item, text: str) -> None:
    """A short text in a box on the element's top-left corner (a shape) or its first segment's middle (an edge):
    what a visual diff or the lint says about it ("+3", "!1"), so it is never told by colour alone."""
    if item.bounds is not None:
        x, y = item.bounds.x - 6, item.bounds.y - 9
    elif len(item.waypoints) >= 2:
        (x1, y1), (x2, y2) = item.waypoints[0], item.waypoints[1]
        x, y = (x1 + x2) / 2 - 6, (y1 + y2) / 2 - 9
    else:
        return
    width = 8 + 7 * len(text)
    badge = sub(g, "g", {"class": "bpmn-badge"})
    rect(badge, x, y, width, 17, "bpmn-badge-box", 3)
    label = sub(badge, "text", {"class": "bpmn-badge-text", "x": num(x + width / 2), "y": num(y + 12.5)})
    label.text = text


def _parse(content: bytes) -> etree._Element:
    """Parse untrusted XML the project's hardened way, turning every problem into a RenderError."""
    if not isinstance(content, (bytes, bytearray)):
        raise RenderError("BPMN content must be bytes")
    tree, problems = parse_xml(bytes(content), "BPMN")
    if tree is None:
        problem = problems[0]
        where = f"line {problem.line}: " if problem.line else ""
        raise RenderError(f"not a BPMN 2.0 file: {where}{problem.message}")
    return tree.getroot()


def _svg_root(diagram: etree._Element, title: str | None) -> etree._Element:
    """The ``<svg>`` element with its title and stylesheet."""
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    for attr in ("width", "height", "viewBox"):  # placeholders keep these first; _frame fills them in
        svg.set(attr, "0")
    svg.set("class", "bpmn-diagram")
    svg.set("data-diagram-id", diagram.get("id") or "")
    if title:
        svg.set("role", "img")
    svg.text = "\n"
    if title:
        sub(svg, "title").text = title
        svg[-1].tail = "\n"
    style = sub(svg, "style")
    style.text = "\n" + CSS + "\n"
    style.tail = "\n"
    return svg


def _frame(svg: etree._Element, extent: list[float]) -> tuple[float, float]:
    """Size the SVG to everything drawn plus a margin; returns (width, height)."""
    if not all(math.isfinite(v) for v in extent):
        extent = [0.0, 0.0, 100.0, 100.0]
    x0, y0 = math.floor(extent[0] - MARGIN), math.floor(extent[1] - MARGIN)
    width, height = math.ceil(extent[2] + MARGIN) - x0, math.ceil(extent[3] + MARGIN) - y0
    svg.set("width", num(width))
    svg.set("height", num(height))
    svg.set("viewBox", f"{num(x0)} {num(y0)} {num(width)} {num(height)}")
    return float(width), float(height)


def _render(model: Model, diagram: etree._Element, styles: Mapping[str, str], title: str | None,
            badges: Mapping[str, str]) -> RenderedDiagram:
    """Draw one BPMNDiagram."""
    items, warnings = plane_items(model, diagram)
    ctx = Ctx(model, frozenset(i.element_id for i in items if i.bounds is not None),
              [math.inf, math.inf, -math.inf, -math.inf])
    name = (diagram.get("name") or "").strip()
    svg = _svg_root(diagram, title or name or name_of(model.root) or None)
    order = sorted(range(len(items)), key=lambda i: (*_layer(ctx, items[i]), i))
    for index in order:
        _draw_item(ctx, svg, items[index], styles, badges)
    width, height = _frame(svg, ctx.extent)
    text = etree.tostring(svg, encoding="unicode")
    return RenderedDiagram(diagram.get("id") or "", name, text + "\n", width, height, tuple(warnings))


def render_diagrams(content: bytes, *, styles: Mapping[str, str] | None = None, title: str | None = None,
                    badges: Mapping[str, str] | None = None) -> list[RenderedDiagram]:
    """Render every BPMNDiagram of a BPMN 2.0 file to SVG (raises RenderError with a clear message). ``styles``
    adds a class to elements by id, ``badges`` a short text drawn on them."""
    root = _parse(content)
    diagrams = [d for d in root if ns(d) == BPMNDI_NS and local(d) == "BPMNDiagram"]
    if not diagrams:
        raise RenderError("the file has no diagram to draw (no bpmndi:BPMNDiagram): save it from a BPMN "
                          "modeller so it carries its layout")
    model = Model(root)
    drawn, left_out = [], []
    for diagram in diagrams:
        try:
            drawn.append(_render_guarded(model, diagram, styles or {}, title, badges or {}))
        except Skipped as skipped:
            left_out.append(f"{skipped} (diagram left out)")
    if not drawn:
        raise RenderError("no diagram of the file can be drawn: " + "; ".join(left_out))
    if left_out:
        first = drawn[0]
        drawn[0] = RenderedDiagram(first.id, first.name, first.svg, first.width, first.height,
                                   (*left_out, *first.warnings))
    return drawn


def _render_guarded(model: Model, diagram: etree._Element, styles: Mapping[str, str], title: str | None,
                    badges: Mapping[str, str]) -> RenderedDiagram:
    """Render one diagram; odd third-party input must end in a RenderError, never a traceback."""
    try:
        return _render(model, diagram, styles, title, badges)
    except (RenderError, Skipped):
        raise
    except Exception as exc:  # deliberately broad: the input is untrusted and arbitrary
        where = f"diagram '{diagram.get('id') or '?'}' (line {diagram.sourceline})"
        raise RenderError(f"{where} could not be drawn: {type(exc).__name__}: {exc}") from exc
