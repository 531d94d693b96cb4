"""What the BPMN renderer reads: the semantic elements by id and each diagram's shapes and edges (BPMNDI)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

from ..errors import KlipError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DI_NAMESPACES = {BPMNDI_NS, DC_NS, DI_NS}
Point = tuple[float, float]


class RenderError(KlipError):
    """The file cannot be drawn (not XML, no diagram, no diagram with anything drawable …)."""

    code = "render_error"


class Skipped(Exception):
    """One piece of diagram interchange that cannot be drawn (a shape without bounds, an edge without waypoints,
    a reference to a missing element, a diagram without a plane): it is left out with a warning and the rest is
    drawn, as other modellers' files often carry such leftovers."""


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return self.y + self.h / 2


@dataclass(frozen=True)
class Item:
    """One BPMNShape or BPMNEdge with the semantic element it draws."""

    element: etree._Element
    element_id: str
    kind: str
    di: etree._Element
    bounds: Bounds | None
    waypoints: tuple[Point, ...]
    label: Bounds | None


def local(node: etree._Element) -> str:
    """Local name of an element's tag (no namespace)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def ns(node: etree._Element) -> str:
    """Namespace URI of an element's tag."""
    return etree.QName(node).namespace or "" if isinstance(node.tag, str) else ""


class Model:
    """The semantic side of a BPMN file: every identified element, looked up by id."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.by_id: dict[str, etree._Element] = {}
        for node in root.iter():
            node_id = node.get("id") if isinstance(node.tag, str) else None
            if node_id and ns(node) not in DI_NAMESPACES:
                known = self.by_id.get(node_id)
                if known is None or (ns(known) != BPMN_NS and ns(node) == BPMN_NS):
                    self.by_id[node_id] = node

    def resolve(self, ref: str | None) -> etree._Element | None:
        """The element a reference names; ``prefix:id`` QNames are accepted."""
        if not ref:
            return None
        ref = ref.strip()
        found = self.by_id.get(ref)
        if found is None and ":" in ref:
            found = self.by_id.get(ref.split(":", 1)[1])
        return found

    def children(self, element: etree._Element, name: str) -> list[etree._Element]:
        """Direct BPMN children called ``name``."""
        return [c for c in element if local(c) == name and ns(c) == BPMN_NS]


def _number(di: etree._Element, node: etree._Element, attr: str) -> float:
    """A finite number from a DI attribute, or a RenderError naming the DI element."""
    raw = node.get(attr)
    try:
        value = float(raw) if raw is not None else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise Skipped(f"{_where(di)}: {local(node)} has no valid '{attr}' (got {raw!r})")
    return value


def _where(di: etree._Element) -> str:
    """How an error names a DI element: line, tag and id."""
    return f"line {di.sourceline}: {local(di)} '{di.get('id') or '?'}'"


def _bounds(di: etree._Element, holder: etree._Element) -> Bounds | None:
    """The dc:Bounds directly inside ``holder`` (None when absent)."""
    node = next((c for c in holder if ns(c) == DC_NS and local(c) == "Bounds"), None)
    if node is None:
        return None
    return Bounds(*(_number(di, node, a) for a in ("x", "y", "width", "height")))


def _label_bounds(di: etree._Element) -> Bounds | None:
    """The BPMNLabel's bounds, when the modeller placed the label."""
    label = next((c for c in di if ns(c) == BPMNDI_NS and local(c) == "BPMNLabel"), None)
    return None if label is None else _bounds(di, label)


def _waypoints(di: etree._Element) -> tuple[Point, ...]:
    """The edge's di:waypoint list (at least two)."""
    points = tuple((_number(di, w, "x"), _number(di, w, "y")) for w in di if local(w) == "waypoint")
    if len(points) < 2:
        raise Skipped(f"{_where(di)}: an edge needs at least two waypoints, found {len(points)}")
    return points


def make_item(model: Model, di: etree._Element) -> Item:
    """Resolve one BPMNShape/BPMNEdge against the model, checking what it needs to be drawn (else Skipped)."""
    ref = di.get("bpmnElement")
    element = model.resolve(ref) if ref else di  # bpmnElement is optional: draw such DI as a plain shape/line
    if element is None:
        raise Skipped(f"{_where(di)}: references missing element '{ref}'")
    if local(di) == "BPMNShape":
        bounds = _bounds(di, di)
        if bounds is None:
            raise Skipped(f"{_where(di)}: a shape needs dc:Bounds")
        waypoints: tuple[Point, ...] = ()
    else:
        bounds, waypoints = None, _waypoints(di)
    element_id = (element.get("id") or ref or "") if ref else ""
    kind = local(element) if ref else ""
    return Item(element, element_id, kind, di, bounds, waypoints, _label_bounds(di))


def plane_items(model: Model, diagram: etree._Element) -> tuple[list[Item], list[str]]:
    """Every drawable shape and edge of a BPMNDiagram's plane, in document order, and a warning for each left out
    (Skipped when the diagram has no plane at all)."""
    plane = next((c for c in diagram if ns(c) == BPMNDI_NS and local(c) == "BPMNPlane"), None)
    if plane is None:
        raise Skipped(f"{_where(diagram)}: has no BPMNPlane")
    items, warnings = [], []
    for di in (n for n in plane.iter() if ns(n) == BPMNDI_NS and local(n) in ("BPMNShape", "BPMNEdge")):
        try:
            items.append(make_item(model, di))
        except Skipped as skipped:
            warnings.append(f"{skipped} (left out)")
    return items, warnings


@dataclass
class Ctx:
    """Per-diagram drawing state: the model, which elements have shapes here, and the drawn extent."""

    model: Model
    shape_ids: frozenset[str]
    extent: list[float]  # min x, min y, max x, max y of everything drawn

    def extend(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Grow the drawn extent to include a box."""
        box = self.extent
        box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]


def name_of(element: etree._Element) -> str:
    """The element's display name (empty when it has none)."""
    return (element.get("name") or "").strip()


def event_definitions(model: Model, event: etree._Element) -> list[str]:
    """Kinds of an event's definitions ('message', 'timer', …), inline or by eventDefinitionRef."""
    found = [c for c in event if ns(c) == BPMN_NS and local(c).endswith("EventDefinition")]
    for ref in model.children(event, "eventDefinitionRef"):
        target = model.resolve(ref.text)
        if target is not None and local(target).endswith("EventDefinition"):
            found.append(target)
    return [local(d)[: -len("EventDefinition")] for d in found]


def loop_kind(element: etree._Element) -> str | None:
    """'loop', 'parallel' or 'sequential' for an activity's loop characteristics."""
    for child in element:
        if local(child) == "standardLoopCharacteristics":
            return "loop"
        if local(child) == "multiInstanceLoopCharacteristics":
            return "sequential" if child.get("isSequential", "false").strip() == "true" else "parallel"
    return None


def is_expanded(ctx: Ctx, item: Item) -> bool:
    """Whether a sub-process shape is drawn open; without isExpanded, open when its children are drawn."""
    flag = item.di.get("isExpanded")
    if flag is not None or item.kind == "callActivity":
        return (flag or "").strip() == "true"
    return any(c.get("id") in ctx.shape_ids for c in item.element if isinstance(c.tag, str))


def is_true(element: etree._Element, attr: str, default: bool = False) -> bool:
    """A boolean XML attribute."""
    raw = element.get(attr)
    return default if raw is None else raw.strip() == "true"
