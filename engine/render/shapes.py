"""Shapes of the BPMN renderer: activities, events, gateways, data objects and data stores."""
from __future__ import annotations

from lxml import etree

from . import labels
from .icons import MARKER, TASK_ICONS, activity_markers, event_icon, task_icon
from .model import Bounds, Ctx, Item, event_definitions, is_expanded, is_true, local, loop_kind, name_of
from .svg import circle, cross, num, path, place, polygon, polyline, rect, regular_polygon, sub

TASKS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
         "businessRuleTask"}
SUB_PROCESSES = {"subProcess", "adHocSubProcess", "transaction", "callActivity"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
          "implicitThrowEvent"}
THROW_EVENTS = {"endEvent", "intermediateThrowEvent", "implicitThrowEvent"}
DOUBLE_RING_EVENTS = {"intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "implicitThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
            "gateway"}
DATA_OBJECTS = {"dataObjectReference", "dataObject", "dataInput", "dataOutput"}
DATA_STORES = {"dataStoreReference", "dataStore"}
TASK_RADIUS = 10.0


ICON_CORNER = 24.0  # px: the task-type icon's square in the top-left corner (drawn at +2, 0.85 × 26)
MARKER_ROW = 4.0 + MARKER + 2.0  # px: the marker row at the bottom, its gap to the edge and 2 px above it


def _markers(item: Item, collapsed: bool) -> list[str]:
    """Activity markers in drawing order: loop/multi-instance, compensation, sub-process, ad-hoc."""
    markers = [m for m in (loop_kind(item.element),) if m]
    if is_true(item.element, "isForCompensation"):
        markers.append("compensation")
    if collapsed:
        markers.append("subprocess")
    if item.kind == "adHocSubProcess":
        markers.append("adhoc")
    return markers


def draw_task(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A task: rounded box, type icon, wrapped name, markers."""
    b = _bounds(item)
    rect(g, b.x, b.y, b.w, b.h, "bpmn-outline", TASK_RADIUS)
    task_icon(g, item.kind, b.x, b.y, instantiate=is_true(item.element, "instantiate"))
    markers = _markers(item, collapsed=False)
    labels.inside(ctx, g, b, name_of(item.element), icon=ICON_CORNER if item.kind in TASK_ICONS else 0.0,
                  markers=MARKER_ROW if markers else 0.0)
    activity_markers(g, markers, b.cx, b.y + b.h)


def _called_task(ctx: Ctx, item: Item) -> str | None:
    """For a call activity calling a global task, the task kind it shows ('userTask', 'task', …)."""
    if item.kind != "callActivity":
        return None
    called = ctx.model.resolve(item.element.get("calledElement"))
    kind = local(called) if called is not None else ""
    if not kind.startswith("global") or not kind.endswith("Task"):
        return None
    return kind[len("global"):][0].lower() + kind[len("global") + 1:]


def draw_sub_process(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """Sub-process, transaction, ad-hoc, event sub-process or call activity, open or collapsed."""
    b, element = _bounds(item), item.element
    global_task = _called_task(ctx, item)
    expanded = is_expanded(ctx, item) or global_task is not None
    css = "bpmn-outline" + (" bpmn-thick" if item.kind == "callActivity" else "")
    if is_true(element, "triggeredByEvent"):
        css += " bpmn-event-sub-process"
    rect(g, b.x, b.y, b.w, b.h, css, TASK_RADIUS)
    if item.kind == "transaction":
        rect(g, b.x + 3, b.y + 3, b.w - 6, b.h - 6, "bpmn-inner", TASK_RADIUS - 3)
    if not expanded and is_true(element, "triggeredByEvent"):
        _event_sub_process_icon(ctx, g, item)
    if global_task is not None:
        task_icon(g, global_task, b.x, b.y)
    markers = _markers(item, collapsed=not expanded)
    labels.inside(ctx, g, b, name_of(element), valign="top" if expanded and global_task is None else "middle",
                  icon=ICON_CORNER if global_task in TASK_ICONS else 0.0,
                  markers=MARKER_ROW if markers and not (expanded and global_task is None) else 0.0)
    activity_markers(g, markers, b.cx, b.y + b.h)


def _event_sub_process_icon(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """The trigger of a collapsed event sub-process, drawn small in its top-left corner."""
    start = next((c for c in item.element if local(c) == "startEvent"), None)
    if start is None:
        return
    b = _bounds(item)
    dashed = "" if is_true(start, "isInterrupting", True) else " bpmn-non-interrupting"
    circle(g, b.x + 14, b.y + 14, 10, "bpmn-icon bpmn-trigger" + dashed)
    event_icon(g, event_definitions(ctx.model, start), throw=False, parallel=is_true(start, "parallelMultiple"),
               cx=b.x + 14, cy=b.y + 14, scale=0.55)


def draw_event(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """An event: one ring (start), thick ring (end) or double ring (intermediate, boundary), and its icon."""
    b, element, kind = _bounds(item), item.element, item.kind
    r = min(b.w, b.h) / 2
    dashed = (kind == "boundaryEvent" and not is_true(element, "cancelActivity", True)) or (
        kind == "startEvent" and not is_true(element, "isInterrupting", True))
    extra = " bpmn-non-interrupting" if dashed else ""
    circle(g, b.cx, b.cy, r, "bpmn-outline" + extra)
    if kind in DOUBLE_RING_EVENTS:
        circle(g, b.cx, b.cy, r - 3, "bpmn-inner" + extra)
    event_icon(g, event_definitions(ctx.model, element), throw=kind in THROW_EVENTS,
               parallel=is_true(element, "parallelMultiple"), cx=b.cx, cy=b.cy, scale=r / 18)
    labels.external(ctx, g, item, name_of(element))


def _gateway_marker(g: etree._Element, item: Item) -> None:
    """The symbol inside a gateway's diamond, drawn for a 50×50 gateway and scaled."""
    kind, element = item.kind, item.element
    if kind == "exclusiveGateway" and is_true(item.di, "isMarkerVisible"):
        polygon(g, cross(11, 1.9, 45), "bpmn-icon-filled")
    elif kind == "parallelGateway":
        polygon(g, cross(13, 2.3), "bpmn-icon-filled")
    elif kind == "inclusiveGateway":
        circle(g, 0, 0, 12.5, "bpmn-icon-bold")
    elif kind == "complexGateway":
        polygon(g, cross(12.5, 2.2), "bpmn-icon-filled")
        polygon(g, cross(12.5, 2.2, 45), "bpmn-icon-filled")
    elif kind == "eventBasedGateway":
        circle(g, 0, 0, 15, "bpmn-icon")
        if element.get("eventGatewayType", "Exclusive").strip() == "Parallel":
            polygon(g, cross(9, 2.5), "bpmn-icon")
            return
        if not is_true(element, "instantiate"):
            circle(g, 0, 0, 12, "bpmn-icon")
        polygon(g, [(x, y + 0.8) for x, y in regular_polygon(5, 7.5)], "bpmn-icon-line")


def draw_gateway(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A gateway: diamond with its kind's symbol."""
    b = _bounds(item)
    polygon(g, [(b.cx, b.y), (b.x + b.w, b.cy), (b.cx, b.y + b.h), (b.x, b.cy)], "bpmn-outline")
    inner = sub(g, "g", {"class": "bpmn-gateway-marker", "transform": place(b.cx, b.cy, min(b.w, b.h) / 50)})
    _gateway_marker(inner, item)
    if not len(inner):
        g.remove(inner)
    labels.external(ctx, g, item, name_of(item.element))


def _is_collection(ctx: Ctx, item: Item) -> bool:
    """Whether a data object (or the object a reference points to) is a collection."""
    target = ctx.model.resolve(item.element.get("dataObjectRef")) if item.kind == "dataObjectReference" else None
    return is_true(target if target is not None else item.element, "isCollection")


def _data_label(ctx: Ctx, item: Item) -> str:
    """A data object's name, from the reference or its object, with its state in brackets."""
    name = name_of(item.element)
    if not name and item.kind == "dataObjectReference":
        target = ctx.model.resolve(item.element.get("dataObjectRef"))
        name = name_of(target) if target is not None else ""
    state = next((name_of(c) for c in item.element if local(c) == "dataState"), "")
    return f"{name}\n[{state}]" if state and f"[{state}]" not in name else name


def draw_data_object(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A data object, input or output: a page with a folded corner."""
    b = _bounds(item)
    fold = min(10.0, b.w / 3, b.h / 3)
    right, bottom = b.x + b.w, b.y + b.h
    polygon(g, [(b.x, b.y), (right - fold, b.y), (right, b.y + fold), (right, bottom), (b.x, bottom)], "bpmn-outline")
    polyline(g, [(right - fold, b.y), (right - fold, b.y + fold), (right, b.y + fold)], "bpmn-inner bpmn-fold")
    if item.kind in ("dataInput", "dataOutput"):
        css = "bpmn-icon" if item.kind == "dataInput" else "bpmn-icon-filled"
        arrow = [(-6, -2.5), (0, -2.5), (0, -6), (6, 0), (0, 6), (0, 2.5), (-6, 2.5)]
        polygon(g, arrow, css, place(b.x + 10, b.y + 10))
    if _is_collection(ctx, item):
        activity_markers(g, ["parallel"], b.cx, b.y + b.h)
    labels.external(ctx, g, item, _data_label(ctx, item))


def draw_data_store(ctx: Ctx, g: etree._Element, item: Item) -> None:
    """A data store: a cylinder."""
    b = _bounds(item)
    rx, ry = b.w / 2, min(b.h * 0.13, 10.0)
    x, y, right, bottom = b.x, b.y, b.x + b.w, b.y + b.h
    arc = f"A{num(rx)} {num(ry)} 0 0 {{}} "
    path(g, f"M{num(x)} {num(y + ry)} {arc.format(1)}{num(right)} {num(y + ry)} V{num(bottom - ry)} "
            f"{arc.format(1)}{num(x)} {num(bottom - ry)} Z", "bpmn-outline")
    rims = " ".join(f"M{num(x)} {num(y + ry + k)} {arc.format(0)}{num(right)} {num(y + ry + k)}"
                    for k in (0, ry * 0.6, ry * 1.2))
    path(g, rims, "bpmn-inner")
    name = name_of(item.element)
    if not name and item.kind == "dataStoreReference":  # the name is often only on the dataStore it refers to
        store = ctx.model.resolve(item.element.get("dataStoreRef"))
        name = name_of(store) if store is not None else ""
    labels.external(ctx, g, item, name)


def _bounds(item: Item) -> Bounds:
    """The shape's bounds (shapes always have them; edges never reach here)."""
    assert item.bounds is not None
    return item.bounds

