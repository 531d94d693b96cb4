"""The process analysts' pages (role analis): every deployed process and its versions, one version's diagram, the
visual diff of two versions drawn by our renderer, and a model draft with its lint findings marked on it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree
from sqlalchemy import select

from .. import access, drafts
from ..access import Who
from ..bpmn_xml import parse_xml
from ..context import Context
from ..errors import InvalidInput, NotFound
from ..i18n import N_, Text
from ..models import ModelDraft, ProcessVersion
from ..process import MigrationPlan, plan_all, rules
from ..process.versions import ElementChange, VersionRow, version_diff, version_rows
from ..render import RenderError, render_diagrams
from .diagrams import diagram_title, processes

# How the diff marks an element: the class (look: colour AND outline pattern, see klip.css) and the badge's sign.
DIFF_MARKS = {"added": ("diff-added", "+"), "removed": ("diff-removed", "−"), "changed": ("diff-changed", "~")}


@dataclass(frozen=True)
class ProcessItem:
    process_id: str
    title: str
    nomor: str
    versions: tuple[VersionRow, ...]  # newest first


@dataclass(frozen=True)
class DraftItem:
    id: int
    process_id: str
    filename: str
    errors: int
    created_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ProcessesPage:
    processes: tuple[ProcessItem, ...]
    drafts: tuple[DraftItem, ...]  # not deployed yet, newest first


@dataclass(frozen=True)
class VersionPage:
    title: str
    version: VersionRow
    svg: str
    previous: int | None  # the version before it in its process, for "compare"


@dataclass(frozen=True)
class DiffEntry:
    number: int  # as on the diagram's badge
    change: str  # added | removed | changed
    sign: str
    element_id: str
    kind: str
    name: str
    what: tuple[str, ...]  # each attribute, property, condition … that changed (``klip diff``'s words)
    moved: bool  # drawn elsewhere on the diagram


@dataclass(frozen=True)
class DiffPage:
    title: str
    old: VersionRow
    new: VersionRow
    entries: tuple[DiffEntry, ...]
    new_svg: str  # the new version, with what was added and changed marked
    old_svg: str  # the old version with what was removed marked ("" when nothing was removed)
    forms_added: tuple[str, ...]
    forms_removed: tuple[str, ...]
    forms_changed: tuple[tuple[str, tuple[str, ...]], ...]
    sop_changed: tuple[str, ...]
    versions: tuple[VersionRow, ...]  # of the process, for choosing another pair


@dataclass(frozen=True)
class DraftPage:
    draft: drafts.DraftView
    svg: str
    render_error: str  # why the diagram could not be drawn ("" when it was)


def processes_page(ctx: Context, who: Who) -> ProcessesPage:
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        items = version_rows(session)
        listed = tuple(ProcessItem(p.process_id, p.title, p.nomor,
                                   tuple(reversed([v for v in items if v.process_id == p.process_id])))
                       for p in processes(session))
        rows = session.scalars(select(ModelDraft).where(ModelDraft.deployed_version_id.is_(None))
                               .order_by(ModelDraft.updated_at.desc(), ModelDraft.id.desc()).limit(20))
        pending = tuple(DraftItem(r.id, r.process_id, r.filename, r.errors, r.created_by, r.updated_at) for r in rows)
        return ProcessesPage(listed, pending)


def version_page(ctx: Context, who: Who, version_id: int) -> VersionPage:
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        items = version_rows(session)
        row = session.get(ProcessVersion, version_id)
        if row is None:
            raise NotFound(N_("Versi {id} tidak ada.", id=version_id))
        xml, meta = row.bpmn_xml, dict(row.sop_metadata or {})  # read inside the transaction
    item = next(v for v in items if v.id == version_id)
    earlier = [v.id for v in items if v.process_id == item.process_id and v.id < version_id]
    svg = render_diagrams(xml.encode("utf-8"), title=diagram_title(meta))[0].svg
    return VersionPage(diagram_title(meta) or item.process_id, item, svg, earlier[-1] if earlier else None)


def diff_page(ctx: Context, who: Who, old_id: int | None, new_id: int | None) -> DiffPage:
    """Two versions of a process compared: what was added, removed and changed, marked on the diagrams (colour,
    outline pattern and a numbered badge) and listed as text with the same numbers."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        if old_id is None or new_id is None or old_id == new_id:
            raise InvalidInput(N_("Pilih dua versi yang berbeda dari satu proses."),
                               {"old" if old_id is None or old_id == new_id else "new": N_("Pilih versi.")})
        items = {v.id: v for v in version_rows(session)}
        diff = version_diff(session, old_id, new_id)
        old_xml, new_xml = (session.get_one(ProcessVersion, i).bpmn_xml for i in (old_id, new_id))
        meta = dict(session.get_one(ProcessVersion, new_id).sop_metadata or {})
    changed_ids = {c.element_id for c in diff.changed}
    kinds = _kinds(new_xml)
    moved_only = [ElementChange(eid, kinds.get(eid, ""), "") for eid in diff.moved if eid not in changed_ids]
    groups = (("added", diff.added), ("removed", diff.removed), ("changed", [*diff.changed, *moved_only]))
    entries = [DiffEntry(0, change, DIFF_MARKS[change][1], item.element_id, item.kind, item.name, tuple(item.what),
                         item.element_id in diff.moved) for change, group in groups for item in group]
    entries = [replace(e, number=n) for n, e in enumerate(entries, start=1)]
    title = diagram_title(meta) or diff.process_id
    new_svg = _marked(new_xml, [e for e in entries if e.change != "removed"], title)
    removed = [e for e in entries if e.change == "removed"]
    old_svg = _marked(old_xml, removed, title) if removed else ""
    versions = tuple(v for v in items.values() if v.process_id == diff.process_id)
    return DiffPage(title, items[old_id], items[new_id], tuple(entries), new_svg, old_svg,
                    tuple(diff.forms_added), tuple(diff.forms_removed),
                    tuple((k, tuple(v)) for k, v in diff.forms_changed.items()), tuple(diff.sop_changed), versions)


def draft_page(ctx: Context, who: Who, draft_id: int) -> DraftPage:
    """A draft with its findings, each numbered and marked on the element it is about."""
    view = drafts.draft(ctx, who, draft_id)
    styles: dict[str, str] = {}
    badges: dict[str, list[str]] = {}
    for finding in view.findings:
        if finding.element_id:
            if styles.get(finding.element_id) != "lint-error":
                styles[finding.element_id] = f"lint-{finding.severity}"
            badges.setdefault(finding.element_id, []).append(str(finding.number))
    try:
        svg = render_diagrams(view.bpmn_xml.encode("utf-8"), styles=styles, title=view.filename,
                              badges={k: "!" + ",".join(v) for k, v in badges.items()})[0].svg
        problem = ""
    except RenderError as exc:
        svg, problem = "", str(exc)
    return DraftPage(view, svg, problem)


def _marked(xml: str, entries: list[DiffEntry], title: str) -> str:
    styles = {e.element_id: DIFF_MARKS[e.change][0] for e in entries}
    badges = {e.element_id: f"{e.sign}{e.number}" for e in entries}
    return render_diagrams(xml.encode("utf-8"), styles=styles, badges=badges, title=title)[0].svg


def _kinds(xml: str) -> dict[str, str]:
    """Element id → its BPMN kind (userTask …), for an element only moved on the diagram."""
    tree, _ = parse_xml(xml.encode("utf-8"), "model.bpmn")
    return {} if tree is None else {str(el.get("id")): etree.QName(el).localname for el in tree.iter()
                                    if isinstance(el.tag, str) and el.get("id")}


def finding_text(text: Text | None, lang: str) -> str:
    return text.render(lang) if text is not None else ""


@dataclass(frozen=True)
class ModelerPage:
    """What the web modeler opens (a draft, or a process's current version) and the values its side panel offers."""

    source: drafts.DraftView
    processes: tuple[str, ...]
    views: tuple[str, ...]
    actions: tuple[str, ...]
    phases: tuple[str, ...]


def modeler_page(ctx: Context, who: Who, draft_id: int | None, process_id: str | None) -> ModelerPage:
    source, process_ids = drafts.modeler_source(ctx, who, draft_id, process_id)
    return ModelerPage(source, process_ids, tuple(sorted(rules.VIEWS)), tuple(sorted(rules.ACTIONS)),
                       tuple(rules.PHASES))


@dataclass(frozen=True)
class MigrationPage:
    """Every running instance of a process that runs on another version than the target: eligible, or why not."""

    targets: tuple[VersionRow, ...]  # every version, for choosing the target
    target: VersionRow
    plans: tuple[MigrationPlan, ...]

    @property
    def eligible(self) -> int:
        return sum(1 for p in self.plans if p.eligible)


def migration_page(ctx: Context, who: Who, to_version_id: int | None) -> MigrationPage:
    """The preview of moving running instances to ``to_version_id`` (by default the current version of the process
    a campaign's data starts). The plans come from ``engine.process.migration.plan_all`` (its own transaction)."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        items = version_rows(session)
        listed = processes(session)
    if to_version_id is None and listed:
        to_version_id = listed[0].version_id
    target = next((v for v in items if v.id == to_version_id), None)
    if target is None:
        raise NotFound(N_("Versi {id} tidak ada.", id=to_version_id))
    return MigrationPage(tuple(items), target, tuple(plan_all(ctx, who, target.id)))
