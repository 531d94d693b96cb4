"""Diagrams for people: a running instance coloured by state, the model's documentation per version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow import TaskState
from sqlalchemy import select

from .bpmn_loader import BPMN, parse_xml
from .bpmn_render import render_diagrams
from .campaigns import STAFF_ROLES
from .context import Context
from .deployment import current_version
from .errors import NotAllowed, NotFound
from .instances import readable_instance
from .models import ProcessVersion, TaskIndex
from .runtime import load_instance
from .users import get_user

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class InstanceDiagram:
    svg: str
    completed: tuple[str, ...]
    active: tuple[str, ...]
    overdue: tuple[str, ...]
    documentation: dict[str, str]  # element id → SOP text, shown when a shape is clicked
    bpmn_xml: str  # the instance's own version of the model
    sop_metadata: dict[str, object]


def documentation_by_element(bpmn_xml: str) -> dict[str, str]:
    """Element id → the text of its ``bpmn:documentation``."""
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    if tree is None:
        return {}
    return {doc.getparent().get("id"): (doc.text or "").strip() for doc in tree.iter(BPMN + "documentation")
            if doc.getparent() is not None and doc.getparent().get("id")}


def _flows_between(bpmn_xml: str, done: set[str]) -> set[str]:
    """Sequence flows whose source and target were both reached: the path taken so far."""
    tree, _ = parse_xml(bpmn_xml.encode("utf-8"), "model.bpmn")
    flows = tree.iter(BPMN + "sequenceFlow") if tree is not None else []
    return {f.get("id") for f in flows if f.get("sourceRef") in done and f.get("targetRef") in done}


def _element_states(workflow: object) -> tuple[set[str], set[str]]:
    completed, active = set(), set()
    for task in workflow.get_tasks():  # type: ignore[attr-defined]  # BpmnWorkflow, typed as object here
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state & ACTIVE:
            active.add(bpmn_id)
        elif task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
    return completed - active, active


def instance_diagram(ctx: Context, username: str, instance_id: int) -> InstanceDiagram:
    """The flowchart of the instance's own version, with completed path, active and overdue tasks coloured."""
    with ctx.transaction() as session:
        row = readable_instance(session, get_user(session, username), instance_id)
        loaded = load_instance(ctx, session, row.id, lock=False)
        completed, active = _element_states(loaded.workflow)
        now = ctx.now()
        overdue = set(session.scalars(select(TaskIndex.bpmn_id).where(
            TaskIndex.instance_id == instance_id, TaskIndex.due_at < now)))
        xml = row.version.bpmn_xml
        styles = {eid: "state-completed" for eid in completed | _flows_between(xml, completed | active)}
        styles.update({eid: "state-active" for eid in active})
        styles.update({eid: "state-overdue" for eid in overdue})
        svg = render_diagrams(xml.encode("utf-8"), styles=styles)[0].svg
        return InstanceDiagram(svg, tuple(sorted(completed)), tuple(sorted(active)), tuple(sorted(overdue)),
                               documentation_by_element(xml), xml, dict(row.version.sop_metadata))


@dataclass(frozen=True)
class VersionDoc:
    id: int
    sha256: str
    deployed_by: str
    deployed_at: datetime
    current: bool
    sop_metadata: dict[str, object]
    svg: str
    bpmn_xml: str


def version_documentation(
    ctx: Context, username: str, version_id: int | None = None
) -> tuple[VersionDoc, list[VersionDoc]]:
    """A deployed version's flowchart and SOP header data, and the list of all versions (newest first)."""
    with ctx.transaction() as session:
        if not get_user(session, username).role_names & STAFF_ROLES:
            raise NotAllowed("Dokumentasi proses hanya untuk pegawai KLIP.")
        rows = list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.id.desc())))
        if not rows:
            raise NotFound("Belum ada versi proses yang di-deploy.")
        active = current_version(session, rows[0].process_id)
        chosen = next((r for r in rows if r.id == version_id), None) if version_id else active
        if chosen is None:
            raise NotFound(f"Versi proses {version_id} tidak ditemukan.")

        def doc(row: ProcessVersion, svg: str = "") -> VersionDoc:
            return VersionDoc(row.id, row.sha256, row.deployed_by, row.deployed_at, row.id == active.id,
                              dict(row.sop_metadata), svg, row.bpmn_xml if svg else "")

        return doc(chosen, render_diagrams(chosen.bpmn_xml.encode("utf-8"))[0].svg), [doc(r) for r in rows]
