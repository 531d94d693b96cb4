"""Move a running instance to another version of its process (``klip migrate``), when no step that changed has run.

What changed comes from SpiffWorkflow's own diff (``SpiffWorkflow.bpmn.util.diff``): ``SpecDiff`` aligns the task specs
of the two versions (by BPMN id, else by position in the flow) and names the ones added, removed and changed (any
attribute: name, documentation, properties, conditions, incoming and outgoing flows); ``WorkflowDiff`` maps that onto
the instance's tasks. A form whose JSON Schema changed makes the tasks using it changed too. An instance moves only
when none of its tasks that changed or was removed has run: completed, or running now (a step 5 some agents are in, a
subprocess under way, a timer already counting). A READY task that changed has not run: it moves, with the new
version's documentation, form and properties, its due date worked out again from when it became ready.

The move keeps every task (their ids, data and timers): ``migrate_workflow`` is called with nothing to reset, because
its default — resetting READY and WAITING branches — copies the parent's data over a READY task's own (a reassignment,
an agent's item of step 5) and arms waiting timers again. Instead the predicted part of the tree (what has not
started) is predicted again from the new specs, so a step added after the current one is on the way. The result must
load again against the new version's stored spec, or the instance is refused (nothing is stored).

``migrate_all_eligible`` lists the instances in one transaction, then moves each in a transaction of its own (checked
again under its row lock): one instance that changed meanwhile is refused without holding up the others.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..access import DEPLOY_ROLES, Who, acting, require_roles
from ..audit import audit
from ..context import Context
from ..errors import Conflict, NotFound
from ..i18n import N_, Text
from ..models import Campaign, Instance, ProcessVersion, TaskIndex
from . import rules
from .expressions import make_script_engine
from .runtime import LoadedInstance, _new_due_at, _properties, load_instance, save_instance, script_functions
from .store import SERIALIZER, parse_spec, state_from_json, state_to_json

# A task in one of these states has run (or is running): a change to its spec refuses the move.
_RAN = TaskState.COMPLETED | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
# Tasks that have not started: the part of the tree predicted again from the new specs.
_PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE
_OPEN = _PREDICTED | TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class MigrationPlan:
    """Whether an instance may move to a version, and what changes for it; after ``migrate``, whether it moved."""

    instance_id: int
    campaign_id: int | None
    campaign_title: str | None
    from_version: int  # ProcessVersion.id
    from_number: int  # the number `klip versions` shows (the version's id)
    to_version: int
    to_number: int
    eligible: bool
    reason: Text | None  # why not (localizable); None when eligible
    changed: tuple[str, ...]  # names of the steps changed, added or removed between the two versions
    process_id: str = ""
    added: tuple[str, ...] = ()  # those of ``changed`` that the new version adds …
    removed: tuple[str, ...] = ()  # … and those it removes
    moved: bool = False  # True once ``migrate`` has stored the instance on the new version


@dataclass
class _Attempt:
    plan: MigrationPlan
    loaded: LoadedInstance | None = None  # the workflow realigned to the new version (only when eligible)
    target: ProcessVersion | None = None
    ready_changed: list[str] = field(default_factory=list)  # READY tasks whose spec changed: due dates again


def plan_migration(ctx: Context, actor: Who, instance_id: int, to_version_id: int, *,
                   system: bool = False) -> MigrationPlan:
    """Whether an instance may move to version ``to_version_id`` and what changes (nothing is stored)."""
    with _acting(ctx, actor, system) as (session, _):
        return _attempt(ctx, session, instance_id, _version(session, to_version_id), lock=False).plan


def plan_all(ctx: Context, actor: Who, to_version_id: int, *, system: bool = False) -> list[MigrationPlan]:
    """The plan of every running instance of that version's process that runs on another version."""
    with _acting(ctx, actor, system) as (session, _):
        target = _version(session, to_version_id)
        return [_attempt(ctx, session, instance_id, target, lock=False).plan
                for instance_id in _running_elsewhere(session, target)]


def migrate(ctx: Context, actor: Who, instance_id: int, to_version_id: int, *, dry_run: bool = False,
            system: bool = False) -> MigrationPlan:
    """Move an instance to version ``to_version_id`` when it is eligible (``dry_run``: only say whether it would);
    the plan says why not when it is refused."""
    try:
        with _acting(ctx, actor, system) as (session, username):
            attempt = _attempt(ctx, session, instance_id, _version(session, to_version_id), lock=True)
            if not attempt.plan.eligible or dry_run:
                return attempt.plan
            _store(ctx, session, username, attempt)
            return replace(attempt.plan, moved=True)
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(N_("Instans ini baru saja diubah oleh pengguna lain; periksa lagi lalu coba lagi.")) from exc


def migrate_all_eligible(ctx: Context, actor: Who, to_version_id: int, *, dry_run: bool = False,
                         system: bool = False) -> list[MigrationPlan]:
    """Move every eligible running instance of the version's process, each in its own transaction; return every
    instance's plan (those refused with their reason)."""
    plans = plan_all(ctx, actor, to_version_id, system=system)
    if dry_run:
        return plans
    return [_migrate_one(ctx, actor, plan, system) if plan.eligible else plan for plan in plans]


def _migrate_one(ctx: Context, actor: Who, plan: MigrationPlan, system: bool) -> MigrationPlan:
    """One instance of ``migrate_all_eligible``: someone changing it at the same moment refuses only this one."""
    try:
        return migrate(ctx, actor, plan.instance_id, plan.to_version, system=system)
    except Conflict as exc:
        return replace(plan, eligible=False, reason=Text(exc.message) if not isinstance(exc.message, Text)
                       else exc.message)


@contextmanager
def _acting(ctx: Context, actor: Who, system: bool) -> Iterator[tuple[Session, str]]:
    """The call's one transaction, on behalf of an active analyst (or of the system: ``klip migrate`` without
    ``--as-user``)."""
    if system:
        with ctx.transaction() as session:
            yield session, str(actor)
        return
    with acting(ctx, actor) as (session, user):
        require_roles(user, DEPLOY_ROLES)
        yield session, user.username


def _version(session: Session, version_id: int) -> ProcessVersion:
    row = session.get(ProcessVersion, version_id)
    if row is None:
        raise NotFound(N_("Versi {id} tidak ada.", id=version_id))
    return row


def _running_elsewhere(session: Session, target: ProcessVersion) -> list[int]:
    return list(session.scalars(
        select(Instance.id).join(ProcessVersion, ProcessVersion.id == Instance.version_id)
        .where(ProcessVersion.process_id == target.process_id, Instance.status == "running",
               Instance.version_id != target.id).order_by(Instance.id)))


def _attempt(ctx: Context, session: Session, instance_id: int, target: ProcessVersion, *, lock: bool) -> _Attempt:
    """Check one instance against the target version; when it may move, realign its workflow (in memory)."""
    loaded = load_instance(ctx, session, instance_id, lock=lock)
    row, source = loaded.instance, loaded.instance.version
    campaign = session.get(Campaign, row.campaign_id) if row.campaign_id is not None else None
    plan = MigrationPlan(row.id, row.campaign_id, campaign.title if campaign else None, source.id, source.id,
                         target.id, target.id, False, None, (), target.process_id)
    if source.process_id != target.process_id:
        return _Attempt(replace(plan, process_id=source.process_id, reason=N_(
            "Instans {instance_id} menjalankan proses {process}, sedangkan versi {to_number} adalah versi proses "
            "{to_process}: instans hanya dapat dipindahkan ke versi lain dari prosesnya sendiri.",
            instance_id=row.id, process=source.process_id, to_number=target.id, to_process=target.process_id)))
    if row.status != "running":
        return _Attempt(replace(plan, reason=N_(
            "Instans {instance_id} sudah selesai; hanya instans yang sedang berjalan yang dapat dipindahkan.",
            instance_id=row.id)))
    if source.id == target.id:
        return _Attempt(replace(plan, reason=N_("Instans {instance_id} sudah berjalan pada versi {to_number}.",
                                                instance_id=row.id, to_number=target.id)))
    return _compare(loaded, plan, target)


def _compare(loaded: LoadedInstance, plan: MigrationPlan, target: ProcessVersion) -> _Attempt:
    workflow, source = loaded.workflow, loaded.instance.version
    parsed = parse_spec(target.spec_json)  # a fresh copy: the move points the instance at it, never at the cache
    spec, subprocess_specs = parsed.spec, dict(parsed.subprocess_specs)
    old_forms, new_forms = source.forms or {}, target.forms or {}
    forms = {name for name in old_forms if old_forms[name] != new_forms.get(name)}
    top = SpecDiff(SERIALIZER.registry, workflow.spec, spec)
    by_name = {name: SpecDiff(SERIALIZER.registry, old, subprocess_specs[name])
               for name, old in workflow.subprocess_specs.items() if name in subprocess_specs}
    gone = [s for name, old in workflow.subprocess_specs.items() if name not in subprocess_specs
            for s in old.task_specs.values()]
    diffs = [top, *by_name.values()]
    added = [s for d in diffs for s in d.added] + [s for name, new in subprocess_specs.items()
                                                   if name not in workflow.subprocess_specs
                                                   for s in new.task_specs.values()]
    removed = [s for d in diffs for s in d.removed] + gone
    changed = [s for d in diffs for s in _changed(d, forms)]
    plan = replace(plan, changed=_names([*changed, *added, *removed]), added=_names(added), removed=_names(removed))

    # The instance's own (sub)workflows, each with the diff of the spec it runs on.
    running: list[tuple[Any, SpecDiff, Any]] = [(workflow, top, spec)]
    blocking = []
    for sub in workflow.subprocesses.values():
        name = sub.spec.name
        if name not in subprocess_specs:  # the whole subprocess is gone: every task of it that started is removed
            blocking += [t.task_spec for t in sub.get_tasks() if not t.has_state(_PREDICTED)]
            continue
        diff = by_name[name] if sub.spec is workflow.subprocess_specs.get(name) else SpecDiff(
            SERIALIZER.registry, sub.spec, subprocess_specs[name])
        running.append((sub, diff, subprocess_specs[name]))
    ready_changed = []
    for owner, diff, _ in running:
        changed_here, removed_here = set(_changed(diff, forms)), set(diff.removed)
        for task in owner.get_tasks(skip_subprocesses=True):
            if task.task_spec in removed_here and not task.has_state(_PREDICTED):
                blocking.append(task.task_spec)
            elif task.task_spec in changed_here and task.has_state(_RAN):
                blocking.append(task.task_spec)
            elif task.task_spec in changed_here and task.state == TaskState.READY:
                ready_changed.append(str(task.id))
    if blocking:
        return _Attempt(replace(plan, reason=N_(
            "Langkah yang sudah dijalankan atau sedang berjalan diubah atau dihapus pada versi {to_number}: {tasks}. "
            "Instans ini tetap pada versi {from_number}.", to_number=target.id, tasks=list(_names(blocking)),
            from_number=source.id)))
    problem = _realign(workflow, running, subprocess_specs, target)
    if problem is not None:
        return _Attempt(replace(plan, reason=N_(
            "Instans {instance_id} tidak dapat dipindahkan dengan aman ke versi {to_number}: {problem}",
            instance_id=loaded.row.id, to_number=target.id, problem=problem)))
    return _Attempt(replace(plan, eligible=True), loaded, target, ready_changed)


def _changed(diff: SpecDiff, forms: set[str]) -> list[Any]:
    """The specs of a diff that changed, and those whose form (JSON Schema) changed."""
    found = list(diff.changed)
    found += [old for old, new in diff.alignment.items() if new is not None and old not in diff.changed
              and _properties(old).get(rules.FORM_PROPERTY) in forms]
    return found


def _names(specs: list[Any]) -> tuple[str, ...]:
    """The names people know the BPMN elements by, once each, in order (the engine's own specs left out)."""
    names: dict[str, str] = {}
    for spec in specs:
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id and bpmn_id not in names:
            names[bpmn_id] = " ".join((getattr(spec, "bpmn_name", None) or bpmn_id).split())
    return tuple(names.values())


def _realign(workflow: Any, running: list[tuple[Any, SpecDiff, Any]], subprocess_specs: dict[str, Any],
             target: ProcessVersion) -> str | None:
    """Put the workflow on the new specs, keeping every task; None, or why the result would not load."""
    last_task = workflow.last_task
    for owner, diff, new_spec in running:
        # reset_mask=ERROR resets nothing: a stored instance never holds a task in ERROR (a failure rolls back).
        migrate_workflow(WorkflowDiff(owner, diff), owner, new_spec, reset_mask=TaskState.ERROR)
        _predict_again(owner)
    workflow.subprocess_specs = subprocess_specs
    if last_task is not None and last_task.id in workflow.tasks:
        workflow.last_task = last_task  # migrate_workflow compares a Task with the ids of the tree, and drops it
    try:
        state_from_json(state_to_json(workflow), parse_spec(target.spec_json), lambda: target.spec_json)
    except Exception as exc:  # noqa: BLE001 — whatever SpiffWorkflow raises here, the result cannot be stored
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


def _predict_again(workflow: Any) -> None:
    """Predict again, from the new specs, the branches that have not started under each unfinished task whose
    children no longer follow its spec's outgoing flows (a step added or removed after it)."""
    for task in list(workflow.get_tasks(state=_OPEN, skip_subprocesses=True)):
        if task.id not in workflow.tasks:  # dropped with a branch predicted again before it
            continue
        children = [child for child in task.children if not child.triggered]
        if {child.task_spec.name for child in children} == {spec.name for spec in task.task_spec.outputs}:
            continue
        for child in children:
            if child.has_state(_PREDICTED):
                workflow._remove_task(child.id)
        task.task_spec._predict(task, mask=_PREDICTED | task.state)


def _store(ctx: Context, session: Session, username: str, attempt: _Attempt) -> None:
    """Save the realigned instance on its new version: state, task index (the READY tasks that changed get their due
    date worked out again from when they became ready), campaign status, and the audit event."""
    loaded, target, plan = attempt.loaded, attempt.target, attempt.plan
    assert loaded is not None and target is not None
    source = loaded.instance.version
    roles = {task_id: role for task_id, role in session.execute(
        select(TaskIndex.task_id, TaskIndex.role).where(TaskIndex.instance_id == loaded.row.id))}
    loaded.instance.version = target
    save_instance(loaded)
    moved = _reindex_changed(loaded, attempt.ready_changed, roles)
    audit(session, ctx.now(), username, "instance_migrated", loaded.row.id, loaded.row.campaign_id, data={
        "process": plan.process_id, "from_version": plan.from_version, "to_version": plan.to_version,
        "from_number": plan.from_number, "to_number": plan.to_number, "from_sha256": source.sha256[:12],
        "to_sha256": target.sha256[:12], "changed": list(plan.changed), "added": list(plan.added),
        "removed": list(plan.removed), "due_dates": moved})


def _reindex_changed(loaded: LoadedInstance, task_ids: list[str], roles: dict[str, str | None]) -> list[dict[str, Any]]:
    """For each READY task whose spec changed: its due date as the new spec gives it from when the task became ready,
    and no claim when its lane changed. Returns the due dates that moved."""
    moved: list[dict[str, Any]] = []
    if not task_ids:
        return moved
    for row in loaded.session.scalars(select(TaskIndex).where(TaskIndex.instance_id == loaded.row.id,
                                                              TaskIndex.task_id.in_(task_ids))):
        if row.role != roles.get(row.task_id):
            row.claimed_by = None
        due = _due_as_of(loaded, loaded.workflow.get_task_from_id(UUID(row.task_id)), row.ready_at)
        if due != row.due_at:
            moved.append({"task": row.name, "before": _iso(row.due_at), "after": _iso(due)})
            row.due_at = due
    return moved


def _due_as_of(loaded: LoadedInstance, task: Any, ready_at: datetime) -> datetime | None:
    """The due date the new spec gives a task that became ready at ``ready_at`` (``now()`` reads that moment)."""
    ctx = replace(loaded.ctx, clock=lambda: ready_at)
    engine = loaded.workflow.script_engine
    loaded.workflow.script_engine = make_script_engine(script_functions(ctx, loaded.session))
    try:
        return _new_due_at(loaded, task, _properties(task.task_spec), ready_at)
    finally:
        loaded.workflow.script_engine = engine


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
