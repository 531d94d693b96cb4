"""SVG primitives and the embedded stylesheet of the BPMN renderer.

Every drawn part carries a class (``bpmn-outline``, ``bpmn-icon``, ``bpmn-line``, ``bpmn-label`` …) and the
look lives in one ``<style>`` block, so a caller can restyle a diagram (state colours, heat maps) with CSS.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
Point = tuple[float, float]

CSS = """
.bpmn-diagram{background:#fff}
.bpmn-outline,.bpmn-inner{fill:#fff;stroke:#000;stroke-width:2;stroke-linejoin:round}
.bpmn-inner{fill:none}
.bpmn-lane .bpmn-outline,.bpmn-participant .bpmn-outline,.bpmn-lane-header{stroke-width:1.5}
.bpmn-participant .bpmn-outline{fill:#fff}
.bpmn-lane .bpmn-outline{fill:none}
.bpmn-lane-header{fill:none;stroke:#000}
.bpmn-band{fill:#fff;stroke:#000;stroke-width:1.5}
.bpmn-band-non-initiating{fill:#d9d9d9}
.bpmn-thick{stroke-width:5}
.bpmn-end-event .bpmn-outline{stroke-width:4}
.bpmn-intermediate-catch-event .bpmn-outline,.bpmn-intermediate-throw-event .bpmn-outline,
.bpmn-boundary-event .bpmn-outline,.bpmn-intermediate-catch-event .bpmn-inner,
.bpmn-intermediate-throw-event .bpmn-inner,.bpmn-boundary-event .bpmn-inner{stroke-width:1.5}
.bpmn-non-interrupting{stroke-dasharray:6}
.bpmn-event-sub-process{stroke-dasharray:0 5.5;stroke-linecap:round;stroke-width:2.5}
.bpmn-group .bpmn-outline{fill:none;stroke-width:1.5;stroke-dasharray:10 6 0 6;stroke-linecap:round}
.bpmn-text-annotation .bpmn-outline{fill:none}
.bpmn-text-annotation .bpmn-annotation-box{fill:none;stroke:none}
.bpmn-icon{fill:#fff;stroke:#000;stroke-width:1;stroke-linejoin:round}
.bpmn-icon-filled{fill:#000;stroke:#000;stroke-width:1;stroke-linejoin:round}
.bpmn-icon-filled-light{fill:#000;stroke:#fff;stroke-width:1;stroke-linejoin:round}
.bpmn-icon-line{fill:none;stroke:#000;stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}
.bpmn-icon-bold{fill:none;stroke:#000;stroke-width:2.5;stroke-linecap:round}
.bpmn-marker{fill:none;stroke:#000;stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}
.bpmn-marker-box{fill:#fff;stroke:#000;stroke-width:1}
.bpmn-marker-bars{stroke-width:2.2;stroke-linecap:butt}
.bpmn-marker-tilde{stroke-width:2}
.bpmn-icon-clock{stroke-width:2}
.bpmn-icon-tick{stroke-width:1}
.bpmn-line{fill:none;stroke:#000;stroke-width:1.5;stroke-linejoin:round;stroke-linecap:round}
.bpmn-message-flow .bpmn-line{stroke-dasharray:10 6;stroke-linecap:butt}
.bpmn-association .bpmn-line,.bpmn-data-input-association .bpmn-line,
.bpmn-data-output-association .bpmn-line{stroke-dasharray:0.5 5}
.bpmn-conversation-link .bpmn-line{stroke-width:5}
.bpmn-conversation-link .bpmn-line-inner{fill:none;stroke:#fff;stroke-width:2}
.bpmn-arrowhead{fill:#000;stroke:#000;stroke-width:1;stroke-linejoin:round}
.bpmn-arrowhead-open{fill:#fff;stroke:#000;stroke-width:1.5;stroke-linejoin:round}
.bpmn-arrowhead-line{fill:none;stroke:#000;stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}
.bpmn-flow-marker{fill:#fff;stroke:#000;stroke-width:1.5}
.bpmn-unknown .bpmn-outline{fill:#fff;stroke:#888;stroke-dasharray:4 3}
.bpmn-label{font-family:Arial,sans-serif;font-size:12px;fill:#000;stroke:none;text-anchor:middle}
.bpmn-external-label{font-size:11px}
.bpmn-label-11{font-size:11px}
.bpmn-label-10{font-size:10px}
.bpmn-label-left{text-anchor:start}
.state-completed .bpmn-outline{fill:#dff3df}
.state-completed .bpmn-line{stroke:#2e7d32}
.state-active .bpmn-outline{fill:#fff4c2;stroke:#b26a00}
.state-overdue .bpmn-outline{fill:#fde0e0;stroke:#c62828}
.bpmn-state-disc{stroke:#fff;stroke-width:1.5}
.state-completed-mark .bpmn-state-disc{fill:#2e7d32}
.state-active-mark .bpmn-state-disc{fill:#8a5300}
.state-overdue-mark .bpmn-state-disc{fill:#c62828}
.bpmn-state-glyph{fill:none;stroke:#fff;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.bpmn-state-glyph-filled{fill:#fff;stroke-width:1}
""".strip()


def num(value: float) -> str:
    """Format a coordinate with at most two decimals (stable output)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sub(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    """Append an SVG child element."""
    return etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", attrs or {})


def rect(parent: etree._Element, x: float, y: float, w: float, h: float, css: str, r: float = 0) -> etree._Element:
    """Append a rectangle (rounded when ``r`` > 0)."""
    attrs = {"x": num(x), "y": num(y), "width": num(max(w, 0)), "height": num(max(h, 0)), "class": css}
    if r:
        attrs["rx"] = attrs["ry"] = num(r)
    return sub(parent, "rect", attrs)


def circle(parent: etree._Element, cx: float, cy: float, r: float, css: str) -> etree._Element:
    """Append a circle."""
    return sub(parent, "circle", {"cx": num(cx), "cy": num(cy), "r": num(max(r, 0)), "class": css})


def path(parent: etree._Element, d: str, css: str, transform: str | None = None) -> etree._Element:
    """Append a path."""
    attrs = {"d": d, "class": css}
    if transform:
        attrs["transform"] = transform
    return sub(parent, "path", attrs)


def points_d(points: Iterable[Point], closed: bool = False) -> str:
    """Path data through ``points``."""
    parts = [f"{'M' if i == 0 else 'L'}{num(x)} {num(y)}" for i, (x, y) in enumerate(points)]
    return " ".join(parts) + (" Z" if closed else "")


def polygon(parent: etree._Element, points: Sequence[Point], css: str, transform: str | None = None,
            ) -> etree._Element:
    """Append a closed polygon."""
    return path(parent, points_d(points, closed=True), css, transform)


def polyline(parent: etree._Element, points: Sequence[Point], css: str, transform: str | None = None,
             ) -> etree._Element:
    """Append an open polyline."""
    return path(parent, points_d(points), css, transform)


def place(cx: float, cy: float, scale: float = 1.0) -> str:
    """A transform that moves an icon drawn around (0, 0) to (cx, cy), scaled."""
    base = f"translate({num(cx)} {num(cy)})"
    return base if abs(scale - 1) < 1e-9 else f"{base} scale({num(scale)})"


def regular_polygon(sides: int, radius: float, rotation: float = -90.0) -> list[Point]:
    """Corners of a regular polygon around (0, 0); the first corner points up by default."""
    return [(radius * math.cos(math.radians(rotation + i * 360 / sides)),
             radius * math.sin(math.radians(rotation + i * 360 / sides))) for i in range(sides)]


def cross(arm: float, half: float, angle: float = 0.0) -> list[Point]:
    """Outline of a plus sign around (0, 0), arms ``arm`` long and ``2*half`` thick, rotated ``angle``°."""
    base = [(-half, -arm), (half, -arm), (half, -half), (arm, -half), (arm, half), (half, half),
            (half, arm), (-half, arm), (-half, half), (-arm, half), (-arm, -half), (-half, -half)]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(x * cos - y * sin, x * sin + y * cos) for x, y in base]
