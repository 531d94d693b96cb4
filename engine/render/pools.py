"""Pools, lanes, artifacts, conversations and choreographies for the BPMN renderer."""
from __future__ import annotations

from lxml import etree

from . import labels
from .icons import activity_markers
from .model import Bounds, Ctx, Item, is_true, local, name_of
from .svg import polygon, polyline, rect

HEADER = 30.0


def _horizontal(item: Item) -> bool:
    """Pools and lanes lie horizontally unless the DI says isHorizontal="false" (bpmn.io's default)."""
    return is_true(item.di, "isHorizontal", True)


def _header_label(ctx: Ctx, g: etree._Element, b: Bounds, horizontal: bool, name: str) -> None:
    """A pool's or lane's name in its 30 px header: turned on the left, or flat on top."""
    if horizontal:
        labels.rotated(ctx, g, b.x + HEADER / 2, b.cy, b.h, name)
    else:
        labels.inside(ctx, g, Bounds(b.x, b.y, b.w, HEADER), name)


def draw_participant(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A pool: white box with a header band; a black-box pool shows only its name in the middle."""
    if item.di.get("choreographyActivityShape"):
        draw_band(ctx, g, item)
        return
    b, element, horizontal = item.bounds, item.element, _horizontal(item)
    assert b is not None
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline")
    expanded = element.get("processRef") is not None and item.di.get("isExpanded", "true").strip() != "false"
    if not expanded:
        if horizontal:
            labels.inside(ctx, g, b, name_of(element))
        else:
            labels.rotated(ctx, g, b.cx, b.cy, b.h, name_of(element))
    else:
        edge = [(b.x + HEADER, b.y), (b.x + HEADER, b.y + b.h)] if horizontal else [
            (b.x, b.y + HEADER), (b.x + b.w, b.y + HEADER)]
        polyline(g, edge, "bpmn-lane-header")
        _header_label(ctx, g, b, horizontal, name_of(element))
    if _multi_instance(element):
        activity_markers(g, ["parallel"], b.cx, b.y + b.h)


def _multi_instance(participant: etree._Element) -> bool:
    """A pool stands for several participants when its participantMultiplicity allows more than one (a maximum of
    1 is a single participant, drawn without the marker; no maximum reads as many, as bpmn.io draws it)."""
    multiplicity = next((c for c in participant if local(c) == "participantMultiplicity"), None)
    if multiplicity is None:
        return False
    maximum = (multiplicity.get("maximum") or "").strip()
    return not maximum.isdigit() or int(maximum) > 1


def draw_lane(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A lane: a box with its name in the header band (nested lanes draw their own)."""
    b = item.bounds
    assert b is not None
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline")
    _header_label(ctx, g, b, _horizontal(item), name_of(item.element))


def draw_band(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A participant band of a choreography activity (grey when not initiating)."""
    b = item.bounds
    assert b is not None
    kind = item.di.get("participantBandKind") or ""
    css = "bpmn-band" + (" bpmn-band-non-initiating" if "non_initiating" in kind else "")
    rect(g, b.x, b.y, b.w, b.h, css)
    labels.inside(ctx, g, b, name_of(item.element))


def draw_text_annotation(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A text annotation: an open bracket and left-aligned text."""
    b = item.bounds
    assert b is not None
    rect(g, b.x, b.y, b.w, b.h, "bpmn-annotation-box")
    arm = min(10.0, b.w)
    polyline(g, [(b.x + arm, b.y), (b.x, b.y), (b.x, b.y + b.h), (b.x + arm, b.y + b.h)], "bpmn-outline")
    text = next((c.text or "" for c in item.element if local(c) == "text"), "")
    labels.left_top(ctx, g, b, text.strip())


def draw_group(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A group: dashed rounded box, its category value as label on top."""
    b = item.bounds
    assert b is not None
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline", 10)
    value = ctx.model.resolve(item.element.get("categoryValueRef"))
    text = (value.get("value") or "").strip() if value is not None else name_of(item.element)
    labels.external(ctx, g, item, text)


def draw_conversation(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A conversation: hexagon (thick for a call conversation, with [+] for a sub-conversation)."""
    b = item.bounds
    assert b is not None
    q = b.w / 4
    points = [(b.x + q, b.y), (b.x + 3 * q, b.y), (b.x + b.w, b.cy), (b.x + 3 * q, b.y + b.h), (b.x + q, b.y + b.h),
              (b.x, b.cy)]
    polygon(g, points, "bpmn-outline" + (" bpmn-thick" if item.kind == "callConversation" else ""))
    if item.kind == "subConversation":
        activity_markers(g, ["subprocess"], b.cx, b.y + b.h)
    labels.external(ctx, g, item, name_of(item.element))


def draw_choreography(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A choreography task or sub-choreography: rounded box, name in the middle (bands drawn on top)."""
    b = item.bounds
    assert b is not None
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline" + (" bpmn-thick" if item.kind == "callChoreography" else ""), 10)
    labels.inside(ctx, g, b, name_of(item.element))


def draw_unknown(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """Anything else the DI shows: a dashed box or line with the element's name, so nothing goes missing."""
    if item.bounds is None:
        polyline(g, item.waypoints, "bpmn-line")
        return
    b = item.bounds
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline")
    labels.inside(ctx, g, b, name_of(item.element) or local(item.element))
