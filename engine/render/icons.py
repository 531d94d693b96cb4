"""Icons of the BPMN renderer: event definitions, task types and activity markers.

Event icons are drawn around (0, 0) for an event of radius 18 and placed with a transform; task-type icons
are drawn in a 30×30 box at the task's top-left corner; markers in 14×14 slots along the bottom edge.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from lxml import etree

from .svg import Point, circle, cross, path, place, points_d, polygon, polyline, rect, regular_polygon, sub

Icon = Callable[[etree._Element, str], None]
MARKER = 14.0
MARKER_GAP = 3.0


def envelope(g: etree._Element, css: str, x: float, y: float, w: float, h: float) -> None:
    """An envelope: a rectangle with its flap."""
    rect(g, x, y, w, h, css)
    polyline(g, [(x, y), (x + w / 2, y + h * 0.55), (x + w, y)], css)


def _message(g: etree._Element, css: str) -> None:
    """An envelope (black when thrown)."""
    envelope(g, "bpmn-icon-filled-light" if "filled" in css else css, -8.5, -6, 17, 12)


def _timer(g: etree._Element, css: str) -> None:
    """A clock face with twelve ticks and two hands."""
    circle(g, 0, 0, 11, "bpmn-icon bpmn-icon-clock")
    ticks = []
    for i in range(12):
        a = math.radians(i * 30)
        ticks.append(points_d([(8.5 * math.sin(a), -8.5 * math.cos(a)), (11 * math.sin(a), -11 * math.cos(a))]))
    path(g, " ".join(ticks), "bpmn-icon-line bpmn-icon-tick")
    polyline(g, [(0, -8.5), (0, 0), (5.5, 3)], "bpmn-icon-line")


def _shape(points: list[Point]) -> Icon:
    """An icon that is a single polygon."""
    def draw(g: etree._Element, css: str) -> None:
        """Draw the polygon."""
        polygon(g, points, css)
    return draw


def _conditional(g: etree._Element, css: str) -> None:
    """A ruled sheet."""
    rect(g, -7, -9, 14, 18, "bpmn-icon")
    path(g, " ".join(points_d([(-4.5, y), (4.5, y)]) for y in (-5, -1.5, 2, 5.5)), "bpmn-icon-line bpmn-icon-tick")


def _compensate(g: etree._Element, css: str) -> None:
    """Two rewind triangles."""
    polygon(g, [(-9, 0), (0, -6), (0, 6)], css)
    polygon(g, [(0, 0), (9, -6), (9, 6)], css)


def _terminate(g: etree._Element, css: str) -> None:
    """A filled disc."""
    circle(g, 0, 0, 11, "bpmn-icon-filled")


EVENT_ICONS: dict[str, Icon] = {
    "message": _message,
    "timer": _timer,
    "error": _shape([(-9, 9), (-4, -7), (2, 1), (8, -9), (3, 8), (-3, 0)]),
    "escalation": _shape([(0, -10), (7, 8), (0, 1.5), (-7, 8)]),
    "signal": _shape([(0, -10), (9, 7), (-9, 7)]),
    "conditional": _conditional,
    "compensate": _compensate,
    "link": _shape([(-8, -3.5), (1, -3.5), (1, -8), (9, 0), (1, 8), (1, 3.5), (-8, 3.5)]),
    "cancel": _shape(cross(10, 2.5, 45)),
    "terminate": _terminate,
    "multiple": _shape([(x, y + 1) for x, y in regular_polygon(5, 10)]),
    "parallelMultiple": _shape(cross(10, 3)),
}


def event_icon(parent: etree._Element, kinds: list[str], *, throw: bool, parallel: bool, cx: float, cy: float,
               scale: float) -> None:
    """Draw the icon of an event's definitions (several make 'multiple' or 'parallel multiple')."""
    if not kinds:
        return
    kind = kinds[0] if len(kinds) == 1 else ("parallelMultiple" if parallel else "multiple")
    draw = EVENT_ICONS.get(kind)
    if draw is None:
        return
    css = "bpmn-icon-filled" if throw and kind != "parallelMultiple" else "bpmn-icon"
    g = sub(parent, "g", {"class": f"bpmn-event-icon bpmn-icon-{kind}", "transform": place(cx, cy, scale)})
    draw(g, css)


def _gear(cx: float, cy: float, outer: float, inner: float) -> list[Point]:
    """Outline of an eight-tooth gear."""
    points: list[Point] = []
    for i in range(8):
        for offset, radius in ((-14, inner), (-8, outer), (8, outer), (14, inner)):
            a = math.radians(i * 45 + offset)
            points.append((cx + radius * math.cos(a), cy + radius * math.sin(a)))
    return points


def _user(g: etree._Element) -> None:
    """Head and shoulders."""
    path(g, "M7 27 C7 20 10 18.5 15 18.5 C20 18.5 23 20 23 27 Z", "bpmn-icon")
    circle(g, 15, 12.5, 4.5, "bpmn-icon")


def _manual(g: etree._Element) -> None:
    """A hand."""
    polygon(g, [(10, 13.5), (14.5, 8.5), (17, 9.8), (14, 13.5)], "bpmn-icon")
    for y, length in ((13, 12), (16, 13), (19, 12), (22, 9)):
        rect(g, 13, y, length, 3, "bpmn-icon", 1.5)
    rect(g, 7, 13, 8, 12, "bpmn-icon", 2)


def _service(g: etree._Element) -> None:
    """Two gears."""
    for cx, cy in ((13, 13), (19, 19)):
        polygon(g, _gear(cx, cy, 7, 5), "bpmn-icon")
        circle(g, cx, cy, 2.2, "bpmn-icon")


def _script(g: etree._Element) -> None:
    """A scroll with lines."""
    path(g, "M11 8 H24 C20 11 20 14 23 17 C26 20 26 23 22 26 H9 C13 23 13 20 10 17 C7 14 7 11 11 8 Z",
         "bpmn-icon")
    path(g, "M12.5 12 H20 M13.5 15.5 H21 M15.5 19 H22.5 M15 22.5 H21.5", "bpmn-icon-line bpmn-icon-tick")


def _business_rule(g: etree._Element) -> None:
    """A table with a dark header row."""
    rect(g, 8, 10, 18, 13, "bpmn-icon")
    rect(g, 8, 10, 18, 4, "bpmn-icon-filled")
    path(g, "M8 18.5 H26 M13 14 V23", "bpmn-icon-line bpmn-icon-tick")


TASK_ICONS: dict[str, Callable[[etree._Element], None]] = {
    "userTask": _user,
    "manualTask": _manual,
    "serviceTask": _service,
    "scriptTask": _script,
    "businessRuleTask": _business_rule,
    "sendTask": lambda g: envelope(g, "bpmn-icon-filled-light", 8, 10, 18, 12),
    "receiveTask": lambda g: envelope(g, "bpmn-icon", 8, 10, 18, 12),
}


def task_icon(parent: etree._Element, kind: str, x: float, y: float, instantiate: bool = False) -> None:
    """Draw the task-type icon in the top-left corner of a task at (x, y)."""
    draw = TASK_ICONS.get(kind)
    if draw is None:
        return
    g = sub(parent, "g", {"class": f"bpmn-task-icon bpmn-icon-{kind}", "transform": place(x + 2, y + 2, 0.85)})
    if kind == "receiveTask" and instantiate:
        circle(g, 16, 16, 11, "bpmn-icon")
        envelope(g, "bpmn-icon", 10, 12, 12, 8.5)
        return
    draw(g)


def _loop(g: etree._Element) -> None:
    """A circular arrow."""
    path(g, "M3.1 10.9 A5.5 5.5 0 1 1 10.9 10.9", "bpmn-marker")
    polyline(g, [(14.4, 10.9), (10.9, 10.9), (10.9, 7.4)], "bpmn-marker")


# A drawer's return value is ignored: some lambdas below return the tuple of elements they append.
MARKERS: dict[str, Callable[[etree._Element], object]] = {
    "loop": _loop,
    "parallel": lambda g: path(g, "M2.5 1 V13 M7 1 V13 M11.5 1 V13", "bpmn-marker bpmn-marker-bars"),
    "sequential": lambda g: path(g, "M1 2.5 H13 M1 7 H13 M1 11.5 H13", "bpmn-marker bpmn-marker-bars"),
    "compensation": lambda g: (polygon(g, [(0, 7), (7, 2), (7, 12)], "bpmn-marker-box"),
                               polygon(g, [(7, 7), (14, 2), (14, 12)], "bpmn-marker-box")),
    "adhoc": lambda g: path(g, "M1 9 C3 4 5.5 4 7 7 S11 10 13 5", "bpmn-marker bpmn-marker-tilde"),
    "subprocess": lambda g: (rect(g, 0, 0, 14, 14, "bpmn-marker-box"),
                             path(g, "M7 3 V11 M3 7 H11", "bpmn-marker")),
}


def activity_markers(parent: etree._Element, markers: list[str], cx: float, bottom: float) -> None:
    """Draw markers side by side, the row centred on ``cx`` and ending 4 px above ``bottom``."""
    if not markers:
        return
    width = len(markers) * MARKER + (len(markers) - 1) * MARKER_GAP
    x, y = cx - width / 2, bottom - 4 - MARKER
    for marker in markers:
        g = sub(parent, "g", {"class": f"bpmn-activity-marker bpmn-marker-{marker}", "transform": place(x, y)})
        MARKERS[marker](g)
        x += MARKER + MARKER_GAP
