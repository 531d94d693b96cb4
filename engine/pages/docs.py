"""What the documentation pages show: a deployed version with its flowchart and the SOP notes behind each
shape, its printable SOP document, and the heat overlay of process performance."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import access
from ..access import Who
from ..bpmn_xml import parse_xml
from ..context import Context
from ..errors import InvalidBpmn
from ..render import render_diagrams
from ..sopdoc import Step, render_appendix, render_flowchart, render_html
from .diagrams import (
    ProcessSummary,
    VersionDoc,
    default_process,
    diagram_title,
    documentation_by_element,
    processes,
    sop_document,
    version_documentation,
)
from .performance import ProcessPerformance, heat_classes, process_performance

HEAT_LEVELS = 5

Notes = dict[str, dict[str, str]]


@dataclass(frozen=True)
class DocsPage:
    version: VersionDoc
    versions: list[VersionDoc]  # of the same process
    notes: Notes  # element id → name, SOP text, step, actor, Mutu Baku
    processes: tuple[ProcessSummary, ...] = ()  # every deployed process


@dataclass(frozen=True)
class HeatBand:
    css: str
    from_hours: float
    to_hours: float | None  # None: open-ended (the slowest band)


@dataclass(frozen=True)
class PerformancePage:
    performance: ProcessPerformance
    heat: dict[str, str]
    bands: tuple[HeatBand, ...]
    svg: str
    notes: Notes
    processes: tuple[ProcessSummary, ...] = ()  # every deployed process
    process_id: str = ""  # the one shown


def _steps(bpmn_xml: str, meta: dict[str, Any]) -> dict[str, Step]:
    """The numbered SOP steps and escalation steps by element id ({} when the model has no SOP numbering)."""
    try:
        doc = sop_document(bpmn_xml, meta)
    except (InvalidBpmn, KeyError):
        return {}
    escalations = [step for deadline in doc.deadlines for step in deadline.escalation]
    return {step.element_id: step for step in (*doc.steps, *escalations)}


def element_notes(bpmn_xml: str, meta: dict[str, Any]) -> Notes:
    """Element id → what the side panel shows when the shape is clicked."""
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    names = {} if tree is None else {
        el.get("id"): " ".join((el.get("name") or "").split()) for el in tree.iter() if el.get("id")}
    texts, steps = documentation_by_element(bpmn_xml), _steps(bpmn_xml, meta)
    notes: Notes = {}
    for eid in sorted(set(texts) | set(steps)):
        step = steps.get(eid)
        text = (texts.get(eid) or (step.sentence if step else "")).replace("*", "")  # *Call Recording* → plain
        notes[eid] = {"name": names.get(eid, ""), "text": text,
                      "step": step.number if step and step.number.isdigit() else "",
                      "actor": step.actor if step else "", "kelengkapan": step.kelengkapan if step else "",
                      "waktu": step.waktu if step else "", "output": step.output if step else ""}
    return notes


def documentation_page(ctx: Context, who: Who, version_id: int | None = None,
                       process_id: str | None = None) -> DocsPage:
    """A deployed version (a process's current one by default, the SOP's own unless ``process_id`` names another)
    with its flowchart, its process's versions, the shape notes and the list of processes."""
    with access.acting(ctx, who) as (session, user):
        access.may_read_docs(user)
        version, versions = version_documentation(session, version_id, process_id)
        listed = processes(session)
    return DocsPage(version, versions, element_notes(version.bpmn_xml, version.sop_metadata), listed)


def _version(ctx: Context, who: Who, version_id: int) -> VersionDoc:
    with access.acting(ctx, who) as (session, user):
        access.may_read_docs(user)
        return version_documentation(session, version_id)[0]


def version_bpmn(ctx: Context, who: Who, version_id: int) -> VersionDoc:
    """That version with its BPMN XML exactly as it was deployed."""
    return _version(ctx, who, version_id)


def sop_document_html(ctx: Context, who: Who, version_id: int, appendix_href: str) -> str:
    """That version's printable SOP document, generated from its own model and SOP header."""
    version = _version(ctx, who, version_id)
    return render_html(sop_document(version.bpmn_xml, version.sop_metadata, version.source_file), appendix_href)


def sop_appendix_html(ctx: Context, who: Who, version_id: int, sop_href: str) -> str:
    """That version's SOP appendix (numbered on its own): its BPMN diagram in legible tiles, the system notes."""
    version = _version(ctx, who, version_id)
    doc = sop_document(version.bpmn_xml, version.sop_metadata, version.source_file)
    return render_appendix(doc, render_flowchart(version.bpmn_xml.encode("utf-8"), title=doc.meta["judul"]), sop_href)


def heat_bands(performance: ProcessPerformance, levels: int = HEAT_LEVELS) -> tuple[HeatBand, ...]:
    """The median hours each ``heat-N`` class stands for (the same split as ``heat_classes``)."""
    top = max((s.median_hours for s in performance.steps if s.median_hours is not None), default=0.0) or 1.0
    return tuple(HeatBand(f"heat-{n}", top * n / levels, top * (n + 1) / levels if n < levels - 1 else None)
                 for n in range(levels))


def performance_page(ctx: Context, who: Who, version_id: int | None = None,
                     process_id: str | None = None) -> PerformancePage:
    """Step times across finished instances, drawn as a heat overlay on the version's flowchart (a process's
    current version by default: the SOP's own unless ``process_id`` names another)."""
    with access.acting(ctx, who) as (session, user):
        access.may_read_docs(user)
        performance = process_performance(session, ctx.settings, version_id, process_id or default_process(session))
        version, _ = version_documentation(session, performance.version_id)
        listed = processes(session)
    heat = heat_classes(performance, HEAT_LEVELS)
    title = diagram_title(version.sop_metadata)
    svg = render_diagrams(version.bpmn_xml.encode("utf-8"), styles=heat, title=title)[0].svg
    return PerformancePage(performance, heat, heat_bands(performance), svg,
                           element_notes(version.bpmn_xml, version.sop_metadata), listed, version.process_id)
