"""Diagrams for people: a running instance coloured by state, the model's documentation per version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bpmn_xml import BPMN, executable_process, parse_xml
from ..campaign.services import DATA_MESSAGE
from ..context import Context
from ..errors import NotFound
from ..i18n import N_
from ..models import Instance, ProcessVersion, TaskIndex
from ..process import current_version, current_versions, load_instance
from ..render import render_diagrams
from ..sopdoc import SopDocument, build_document

UNNAMED_SOURCE = "bpmn/model.bpmn"  # a version deployed before its file was recorded


@dataclass(frozen=True)
class InstanceDiagram:
    """An instance's flowchart coloured by the state of each element."""

    svg: str
    completed: tuple[str, ...]
    active: tuple[str, ...]
    overdue: tuple[str, ...]
    documentation: dict[str, str]  # element id → SOP text, shown when a shape is clicked
    bpmn_xml: str  # the instance's own version of the model
    sop_metadata: dict[str, object]


@dataclass(frozen=True)
class VersionDoc:
    """A deployed version of the model (its flowchart and BPMN only when it is the one shown)."""

    id: int
    sha256: str
    deployed_by: str
    deployed_at: datetime
    current: bool
    sop_metadata: dict[str, object]
    svg: str
    bpmn_xml: str
    process_id: str = ""
    source_file: str | None = None  # the model file it was deployed from (``bpmn/lip20-0008.bpmn``)


@dataclass(frozen=True)
class ProcessSummary:
    """A deployed process: its current version, and whether a campaign's data starts it."""

    process_id: str
    title: str  # the process's name in the model
    nomor: str  # its SOP's number ("" for a draft without one)
    version_id: int
    start_message: str | None
    starts_campaigns: bool


def diagram_title(meta: dict[str, object]) -> str | None:
    """The name a drawn flowchart carries (its ``<title>``, so its accessible name): the SOP's title."""
    return str(meta.get("judul") or "") or None


def sop_document(bpmn_xml: str, meta: dict[str, object], source_file: str | None = None) -> SopDocument:
    """The SOP document model of a deployed version (its steps in flow order, its deadlines)."""
    source = source_file or UNNAMED_SOURCE
    return build_document(bpmn_xml.encode("utf-8"), dict(meta), source=source,
                          sidecar=source.removesuffix(".bpmn") + ".sop.json")


def documentation_by_element(bpmn_xml: str) -> dict[str, str]:
    """Element id → the text of its ``bpmn:documentation``."""
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    if tree is None:
        return {}
    return {doc.getparent().get("id"): (doc.text or "").strip() for doc in tree.iter(BPMN + "documentation")
            if doc.getparent() is not None and doc.getparent().get("id")}


def _flows_between(bpmn_xml: str, done: frozenset[str]) -> set[str]:
    """Sequence flows whose source and target were both reached: the path taken so far."""
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    flows = tree.iter(BPMN + "sequenceFlow") if tree is not None else []
    return {f.get("id") for f in flows if f.get("sourceRef") in done and f.get("targetRef") in done}


def instance_diagram(ctx: Context, session: Session, row: Instance) -> InstanceDiagram:
    """The flowchart of the instance's own version (the caller authorized it): done path, active and overdue."""
    completed, active = load_instance(ctx, session, row.id, lock=False).element_states()
    overdue = set(session.scalars(select(TaskIndex.bpmn_id).where(
        TaskIndex.instance_id == row.id, TaskIndex.due_at < ctx.now())))
    xml = row.version.bpmn_xml
    styles = {eid: "state-completed" for eid in completed | _flows_between(xml, completed | active)}
    styles.update({eid: "state-active" for eid in active})
    styles.update({eid: "state-overdue" for eid in overdue})
    svg = render_diagrams(xml.encode("utf-8"), styles=styles, title=diagram_title(row.version.sop_metadata))[0].svg
    return InstanceDiagram(svg, tuple(sorted(completed)), tuple(sorted(active)), tuple(sorted(overdue)),
                           documentation_by_element(xml), xml, dict(row.version.sop_metadata))


def processes(session: Session) -> tuple[ProcessSummary, ...]:
    """Every deployed process, the one a campaign's data starts first."""
    rows = [ProcessSummary(v.process_id, _process_name(v.bpmn_xml) or v.process_id,
                           str(v.sop_metadata.get("nomor") or ""), v.id, v.start_message,
                           v.start_message == DATA_MESSAGE) for v in current_versions(session)]
    return tuple(sorted(rows, key=lambda p: (not p.starts_campaigns, p.process_id)))


def _process_name(bpmn_xml: str) -> str:
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    process = executable_process(tree) if tree is not None else None
    return " ".join((process.get("name") or "").split()) if process is not None else ""


def default_process(session: Session) -> str:
    """The process the documentation shows first: the SOP's own (a campaign's data starts it)."""
    listed = processes(session)
    if not listed:
        raise NotFound(N_("Belum ada versi proses yang di-deploy."))
    return listed[0].process_id


def version_documentation(session: Session, version_id: int | None = None,
                          process_id: str | None = None) -> tuple[VersionDoc, list[VersionDoc]]:
    """A deployed version's flowchart and SOP header data (a process's current one by default: the SOP's own
    unless ``process_id`` names another), and every version of its process."""
    if version_id is not None:
        chosen_row = session.get(ProcessVersion, version_id)
        if chosen_row is None:
            raise NotFound(N_("Versi proses {version_id} tidak ditemukan.", version_id=version_id))
        process_id = chosen_row.process_id
    process_id = process_id or default_process(session)
    rows = list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                                .order_by(ProcessVersion.id.desc())))
    if not rows:
        raise NotFound(N_("Proses {process_id} belum di-deploy.", process_id=process_id))
    active = current_version(session, process_id)
    chosen = next((r for r in rows if r.id == version_id), None) if version_id else active
    if chosen is None:
        raise NotFound(N_("Versi proses {version_id} tidak ditemukan.", version_id=version_id))

    def doc(row: ProcessVersion, svg: str = "") -> VersionDoc:
        return VersionDoc(row.id, row.sha256, row.deployed_by, row.deployed_at, row.id == active.id,
                          dict(row.sop_metadata), svg, row.bpmn_xml if svg else "", row.process_id, row.source_file)

    svg = render_diagrams(chosen.bpmn_xml.encode("utf-8"), title=diagram_title(chosen.sop_metadata))[0].svg
    return doc(chosen, svg), [doc(r) for r in rows]
