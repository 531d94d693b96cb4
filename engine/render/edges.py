"""Edges of the BPMN renderer: sequence flows, message flows, associations, data associations.

Arrowheads and flow markers are drawn as ordinary paths inside the edge's own group (no ``<marker>``), so
they take the edge's CSS state and several diagrams can share one HTML page without id clashes.
"""
from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

from lxml import etree

from . import labels
from .icons import envelope
from .model import Bounds, Ctx, Item, Point, local, name_of
from .svg import circle, place, polygon, polyline, sub

GATEWAY_SUFFIX = "Gateway"
ACTIVITIES = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
              "businessRuleTask", "subProcess", "adHocSubProcess", "transaction", "callActivity"}


def _direction(points: tuple[Point, ...], at_end: bool) -> tuple[Point, Point]:
    """The end point and the unit direction pointing out of the line there (skipping zero-length segments)."""
    seq = points[::-1] if at_end else points
    tip = seq[0]
    for other in seq[1:]:
        dx, dy = tip[0] - other[0], tip[1] - other[1]
        length = math.hypot(dx, dy)
        if length > 1e-6:
            return tip, (dx / length, dy / length)
    return tip, (1.0, 0.0) if at_end else (-1.0, 0.0)


def _at(tip: Point, d: Point, back: float, side: float) -> Point:
    """A point ``back`` along the line from ``tip`` and ``side`` across it."""
    return tip[0] - d[0] * back - d[1] * side, tip[1] - d[1] * back + d[0] * side


def _arrowhead(g: etree._Element, points: tuple[Point, ...], css: str, at_end: bool = True) -> None:
    """A head at one end: filled (sequence flow), open white (message flow) or a plain V (association)."""
    tip, d = _direction(points, at_end)
    if css == "bpmn-arrowhead-line":
        polyline(g, [_at(tip, d, 9, -4.5), tip, _at(tip, d, 9, 4.5)], css)
    else:
        polygon(g, [tip, _at(tip, d, 10, -4.5), _at(tip, d, 10, 4.5)], css)


def _source_marker(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """Default-flow slash or conditional-flow diamond at the start of a sequence flow."""
    source = ctx.model.resolve(item.element.get("sourceRef"))
    if source is None:
        return
    start, d = _direction(item.waypoints, at_end=False)  # d points back into the source
    is_default = source.get("default") == item.element_id
    if is_default and (local(source) in ACTIVITIES or local(source).endswith(GATEWAY_SUFFIX)):
        polyline(g, [_at(start, d, 6, -5), _at(start, d, 11, 5)], "bpmn-line bpmn-default-marker")
    elif local(source) in ACTIVITIES and any(local(c) == "conditionExpression" for c in item.element):
        polygon(g, [_at(start, d, 1, 0), _at(start, d, 9, -4), _at(start, d, 17, 0), _at(start, d, 9, 4)],
                "bpmn-flow-marker bpmn-conditional-marker")


def _midpoint(points: tuple[Point, ...]) -> Point:
    """The point halfway along the polyline."""
    segments = [math.dist(a, b) for a, b in pairwise(points)]
    remaining = sum(segments) / 2
    for (a, b), length in zip(pairwise(points), segments, strict=True):
        if remaining <= length and length > 0:
            t = remaining / length
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        remaining -= length
    return points[-1]


def _message_flow(g: etree._Element, item: Item) -> Item:
    """Message flow: hollow circle at the source, hollow arrow at the target, optional envelope.

    Returns the item to label: with an envelope and no BPMNLabel, the name goes just below the envelope.
    """
    start = item.waypoints[0]
    circle(g, start[0], start[1], 4.5, "bpmn-arrowhead-open bpmn-message-start")
    _arrowhead(g, item.waypoints, "bpmn-arrowhead-open")
    kind = item.di.get("messageVisibleKind")
    if kind:
        x, y = _midpoint(item.waypoints)
        icon = sub(g, "g", {"class": "bpmn-message-envelope", "transform": place(x, y)})
        envelope(icon, "bpmn-icon-filled-light" if kind.strip() == "non_initiating" else "bpmn-icon", -10, -7, 20, 14)
        if item.label is None:
            return replace(item, label=Bounds(x - 45, y + 10, 90, 14))
    return item


def draw_edge(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """Any edge: its polyline, the heads and markers of its kind, and its label."""
    points, kind = item.waypoints, item.kind
    polyline(g, points, "bpmn-line")
    for x, y in points:
        ctx.extend(x, y, x, y)
    if kind == "sequenceFlow":
        _arrowhead(g, points, "bpmn-arrowhead")
        _source_marker(ctx, g, item)
    elif kind == "messageFlow":
        item = _message_flow(g, item)
    elif kind in ("dataInputAssociation", "dataOutputAssociation"):
        _arrowhead(g, points, "bpmn-arrowhead-line")
    elif kind == "association":
        direction = (item.element.get("associationDirection") or "None").strip()
        if direction in ("One", "Both"):
            _arrowhead(g, points, "bpmn-arrowhead-line")
        if direction == "Both":
            _arrowhead(g, points, "bpmn-arrowhead-line", at_end=False)
    elif kind == "conversationLink":
        polyline(g, points, "bpmn-line-inner")
    labels.external(ctx, g, item, name_of(item.element))
