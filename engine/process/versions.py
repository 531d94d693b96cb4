"""The versions of each process, and what changed between two of them (``klip versions``, ``klip diff``).

A diff is read from the stored BPMN, forms and SOP metadata (lxml, no SpiffWorkflow): elements added, removed and
changed (their attributes, the SOP sentence in ``bpmn:documentation``, the analyst's properties, their conditions
and scripts), elements moved on the diagram, forms added, removed and changed (fields), and the SOP header's fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..bpmn_xml import BPMN, BPMNDI, SPIFF, TOOL_ATTRIBUTES, drop_default_attributes, parse_xml
from ..context import Context
from ..errors import InvalidInput, NotFound
from ..i18n import N_
from ..models import Instance, ProcessVersion
from .deployment import current_versions

DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"


@dataclass(frozen=True)
class VersionRow:
    id: int
    number: int  # within its process: v1, v2 …
    process_id: str
    sha256: str
    deployed_by: str
    deployed_at: datetime
    note: str
    running: int
    finished: int
    current: bool


def version_rows(session: Session) -> list[VersionRow]:
    """Every deployed version, oldest first, numbered within its process, with how many instances run on it and how
    many finished."""
    counts: dict[tuple[int, str], int] = {
        (version_id, status): n for version_id, status, n in session.execute(
            select(Instance.version_id, Instance.status, func.count()).group_by(Instance.version_id,
                                                                                Instance.status))}
    current = {v.id for v in current_versions(session)}
    numbers: dict[str, int] = {}
    rows = []
    columns = (ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.sha256, ProcessVersion.deployed_by,
               ProcessVersion.deployed_at, ProcessVersion.note)
    for v in session.execute(select(*columns).order_by(ProcessVersion.id)):
        numbers[v.process_id] = numbers.get(v.process_id, 0) + 1
        rows.append(VersionRow(v.id, numbers[v.process_id], v.process_id, v.sha256, v.deployed_by, v.deployed_at,
                               v.note or "", counts.get((v.id, "running"), 0), counts.get((v.id, "completed"), 0),
                               v.id in current))
    return rows


def list_versions(ctx: Context, process_id: str | None = None) -> list[VersionRow]:
    """Every deployed version (of one process, if given), by process and oldest first."""
    with ctx.transaction() as session:
        rows = version_rows(session)
    return sorted((r for r in rows if process_id is None or r.process_id == process_id),
                  key=lambda r: (r.process_id, r.id))


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # the BPMN tag: userTask, sequenceFlow …
    name: str
    what: tuple[str, ...] = ()  # for a changed element: "name: 'a' → 'b'", "documentation", "sopStep: 3 → 4" …


@dataclass
class VersionDiff:
    old: int
    new: int
    process_id: str
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # element ids drawn elsewhere
    forms_added: list[str] = field(default_factory=list)
    forms_removed: list[str] = field(default_factory=list)
    forms_changed: dict[str, list[str]] = field(default_factory=dict)  # file → the fields changed
    sop_changed: list[str] = field(default_factory=list)  # the SOP header's fields changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.forms_added
                    or self.forms_removed or self.forms_changed or self.sop_changed)


def diff_versions(ctx: Context, old_id: int, new_id: int) -> VersionDiff:
    with ctx.transaction() as session:
        return version_diff(session, old_id, new_id)


def version_diff(session: Session, old_id: int, new_id: int) -> VersionDiff:
    """What changed from one version to another, in the caller's transaction."""
    old, new = _version(session, old_id), _version(session, new_id)
    if old.process_id != new.process_id:
        raise InvalidInput(N_("Versi {old} ({a}) dan {new} ({b}) bukan versi dari proses yang sama.", old=old_id,
                              a=old.process_id, new=new_id, b=new.process_id))
    result = VersionDiff(old.id, new.id, new.process_id)
    _diff_elements(result, _elements(old.bpmn_xml), _elements(new.bpmn_xml))
    before, after = _layout(old.bpmn_xml), _layout(new.bpmn_xml)  # each parsed once
    result.moved = sorted(k for k, v in after.items() if before.get(k, v) != v)
    _diff_forms(result, old.forms or {}, new.forms or {})
    old_sop, new_sop = old.sop_metadata or {}, new.sop_metadata or {}
    result.sop_changed = sorted(k for k in set(old_sop) | set(new_sop) if old_sop.get(k) != new_sop.get(k))
    return result


def _version(session: Session, version_id: int) -> ProcessVersion:
    row = session.get(ProcessVersion, version_id)
    if row is None:
        raise NotFound(N_("Versi {id} tidak ada.", id=version_id))
    return row


@dataclass(frozen=True)
class _Element:
    kind: str
    name: str
    facts: dict[str, str]  # what a change is reported by: attributes, documentation, properties, condition, script


def _elements(xml: str) -> dict[str, _Element]:
    """Every identified BPMN element (not the diagram's), with what describes it."""
    tree, _ = parse_xml(xml.encode("utf-8"), "BPMN")
    if tree is None:
        return {}
    drop_default_attributes(tree)  # isSequential="false" written or left out (bpmn.io) is no change
    found = {}
    for node in tree.getroot().iter(f"{BPMN}*"):
        element_id = node.get("id")
        if not element_id or node.tag == f"{BPMN}definitions":
            continue
        facts = {k: v for k, v in node.attrib.items() if k != "id" and k not in TOOL_ATTRIBUTES}
        for child in node:
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if tag == "documentation":
                facts["documentation"] = " ".join((child.text or "").split())
            elif tag in ("conditionExpression", "script", "timeDate", "timeDuration", "timeCycle"):
                facts[tag] = " ".join((child.text or "").split())
            elif tag in ("incoming", "outgoing"):
                facts[tag] = " ".join(sorted(filter(None, (facts.get(tag, ""), (child.text or "").strip()))))
            elif tag in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics"):
                facts["loop"] = repr([(etree.QName(n).localname, sorted(n.attrib.items()), (n.text or "").strip())
                                      for n in child.iter() if isinstance(n.tag, str)])
        for prop in node.iterfind(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property"):
            facts[prop.get("name") or "?"] = prop.get("value") or ""
        for tag in ("preScript", "postScript"):
            script = node.find(f"{BPMN}extensionElements/{SPIFF}{tag}")
            if script is not None:
                facts[tag] = " ".join((script.text or "").split())
        kind = etree.QName(node).localname
        found[element_id] = _Element(kind, " ".join((node.get("name") or "").split()), facts)
    return found


def _diff_elements(result: VersionDiff, old: dict[str, _Element], new: dict[str, _Element]) -> None:
    for element_id in sorted(set(new) - set(old)):
        result.added.append(ElementChange(element_id, new[element_id].kind, new[element_id].name))
    for element_id in sorted(set(old) - set(new)):
        result.removed.append(ElementChange(element_id, old[element_id].kind, old[element_id].name))
    for element_id in sorted(set(old) & set(new)):
        before, after = old[element_id].facts, new[element_id].facts
        what = tuple(_change(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
                     if before.get(key) != after.get(key))
        if what or old[element_id].kind != new[element_id].kind:
            result.changed.append(ElementChange(element_id, new[element_id].kind, new[element_id].name, what))


def _change(key: str, before: str | None, after: str | None) -> str:
    if key in ("documentation", "script", "preScript", "postScript", "loop") or len(before or after or "") > 60:
        return {"documentation": "documentation (kalimat SOP)"}.get(key, key)
    return f"{key}: {before!r} → {after!r}" if before is not None and after is not None else (
        f"{key}: + {after!r}" if before is None else f"{key}: - {before!r}")


def _layout(xml: str) -> dict[str, tuple[float, ...]]:
    """Where each element is drawn: a shape's bounds, an edge's waypoints."""
    tree, _ = parse_xml(xml.encode("utf-8"), "BPMN")
    if tree is None:
        return {}
    found: dict[str, tuple[float, ...]] = {}
    for di in tree.getroot().iter(f"{BPMNDI}BPMNShape", f"{BPMNDI}BPMNEdge"):
        points = [di.find(f"{DC}Bounds")] if di.tag == f"{BPMNDI}BPMNShape" else list(di.iterfind(f"{DI}waypoint"))
        values = tuple(float(p.get(a) or 0) for p in points if p is not None for a in ("x", "y", "width", "height")
                       if p.get(a) is not None)
        found[di.get("bpmnElement") or di.get("id") or "?"] = values
    return found


def _diff_forms(result: VersionDiff, old: dict[str, Any], new: dict[str, Any]) -> None:
    result.forms_added = sorted(set(new) - set(old))
    result.forms_removed = sorted(set(old) - set(new))
    for name in sorted(set(old) & set(new)):
        if old[name] == new[name]:
            continue
        before, after = old[name].get("properties", {}), new[name].get("properties", {})
        fields = [f"+ {k}" for k in sorted(set(after) - set(before))]
        fields += [f"- {k}" for k in sorted(set(before) - set(after))]
        fields += [f"~ {k}" for k in sorted(set(before) & set(after)) if before[k] != after[k]]
        rest = {k for k in set(old[name]) | set(new[name])
                if k != "properties" and old[name].get(k) != new[name].get(k)}
        result.forms_changed[name] = fields + [f"~ {k}" for k in sorted(rest)]
