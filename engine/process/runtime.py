"""Running instances: load → apply → save state, task index, audit and outbox in the caller's transaction.

``LoadedInstance`` is the one object through which the rest of the engine touches a running workflow: it
answers with plain values (``TaskSnapshot``, element ids), never with SpiffWorkflow objects.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timezone
from functools import cache
from types import MappingProxyType
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from sqlalchemy import CTE, CursorResult, Table, Update, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..access import MEMBER_WITH, member_params, remember_member
from ..audit import EVENT_WITH, audit, event_params, write_event
from ..context import Context, carried, carried_values, connection, system_clock
from ..errors import NotFound, ProcessFailed, TaskNotReady
from ..i18n import N_
from ..models import Campaign, CampaignStatus, Instance, Outbox, ProcessVersion, TaskIndex
from ..notifications import NOTICE_WITH, Recipient, holders, mail_told, notice_params, notify, task_recipients
from ..workdays import CALENDAR_STAMP, WorkingCalendar, deadline_at, load_calendar, stamped_calendar
from . import rules
from .deployment import current_versions
from .expressions import ExpressionRejected, check_time, make_script_engine, time_limit
from .store import ParsedSpec, engine_clock, new_workflow, state_from_json, state_to_json, version_forms, version_spec

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class TaskSnapshot:
    """One user task of a loaded instance, as plain values."""

    id: str
    bpmn_id: str
    ready: bool
    documentation: str  # the SOP's own sentence for the step
    properties: Mapping[str, str]  # spiffworkflow:properties (form, view, action, …)
    data: Mapping[str, Any]  # the task's data as it stands (read-only)


def lazy_calendar(ctx: Context, session: Session) -> Callable[[], WorkingCalendar]:
    """The working-day calendar as the transaction sees it, read when first asked for (then kept: one read)."""
    calendar: WorkingCalendar | None = None

    def get() -> WorkingCalendar:
        nonlocal calendar
        calendar = calendar or load_calendar(session, ctx.settings)
        return calendar

    return get


def script_functions(ctx: Context, session: Session,
                     calendar: Callable[[], WorkingCalendar] | None = None) -> dict[str, Callable[..., Any]]:
    """Bind the BPMN-callable functions that need the clock, the calendar or settings."""
    calendar = calendar or lazy_calendar(ctx, session)

    def now() -> str:
        return ctx.now().isoformat()

    def today() -> str:
        """The office's date (ISO), e.g. to compare with a form's date field."""
        return ctx.now().astimezone(ZoneInfo(ctx.settings.office_timezone)).date().isoformat()

    def add_working_days(start: str, days: int) -> str:
        return deadline_at(calendar(), datetime.fromisoformat(str(start)), int(days), ctx.settings).isoformat()

    return {"now": now, "today": today, "add_working_days": add_working_days}


@dataclass
class InstanceRow:
    """An instance's columns as a task completion reads them with its task: plain values, for building and tracking
    an ORM object cost several times the query (``load_task_instance``)."""

    id: int
    campaign_id: int | None
    version_id: int
    version_sha256: str
    status: str
    lock_version: int
    next_timer_at: datetime | None


@dataclass
class CampaignRow:
    """The campaign's columns a completion needs (its status is written back only when it changes)."""

    id: int
    title: str
    status: str


class LoadedInstance:
    """An instance row (the ORM object, or an ``InstanceRow``) with its deserialized workflow, ready to be advanced and
    saved."""

    def __init__(self, ctx: Context, session: Session, row: Instance | InstanceRow, workflow: BpmnWorkflow,
                 campaign: Campaign | CampaignRow | None = None,
                 calendar: Callable[[], WorkingCalendar] | None = None):
        self.ctx, self.session, self.row, self.workflow = ctx, session, row, workflow
        self.campaign = campaign  # loaded with the row (held here: the session's identity map keeps it weakly)
        self.index_rows: list[Any] | None = None  # the instance's task-index rows when read with it (else: on save)
        self.calendar = calendar or lazy_calendar(ctx, session)
        workflow.script_engine = make_script_engine(script_functions(ctx, session, self.calendar))

    @property
    def instance(self) -> Instance:
        """The instance as an ORM object (``load_instance`` loads one; a completion reads an ``InstanceRow``)."""
        if not isinstance(self.row, Instance):
            raise TypeError(f"instance {self.row.id} was loaded as a plain row")
        return self.row

    @property
    def version_key(self) -> tuple[int, str]:
        """The version's id and content hash, the key of what this process keeps parsed of it."""
        row = self.row
        return (row.version_id, row.version_sha256) if isinstance(row, InstanceRow) else (row.version.id,
                                                                                          row.version.sha256)

    @property
    def forms(self) -> Mapping[str, Any]:
        """The version's forms (JSON Schema by name), from this process's cache: never change them."""
        version_id, sha256 = self.version_key
        return version_forms(version_id, sha256, lambda: _version_column(self.session, version_id,
                                                                         ProcessVersion.forms))

    def advance(self) -> None:
        """Run everything the engine can run now (scripts, gateways, due timers)."""
        with engine_clock(self.ctx.clock, self.ctx.clock is system_clock), _named_failure(self.row.id), \
                time_limit(self.ctx.settings.instance_time_limit):
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps(will_complete_task=check_time)  # a time limit also ends a loop

    def task(self, task_id: str) -> TaskSnapshot:
        """A task of this instance by id (NotFound when it has none such)."""
        task = self._spiff_task(task_id)
        return TaskSnapshot(str(task.id), task.task_spec.bpmn_id, task.state == TaskState.READY,
                            task.task_spec.documentation or "", MappingProxyType(_properties(task.task_spec)),
                            MappingProxyType(dict(task.data)))

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        """Store the submitted data on a READY task, run it and everything that follows it.

        A multi-instance child (one agent's step 5) stores it as its output item: SpiffWorkflow collects only
        that item into the parent, so each agent's result arrives whole (``update`` on a child would merge its
        lists into the shared data, and a return to step 5 would fail on leftovers).
        """
        task = self._spiff_task(task_id)
        if task.state != TaskState.READY:  # SpiffWorkflow's run() would complete a task in any state
            raise TaskNotReady(N_("Tugas ini sudah diselesaikan atau tidak lagi aktif."))
        parent_spec = task.parent.task_spec if task.parent else None
        is_child = getattr(parent_spec, "task_spec", None) == task.task_spec.name  # not the task after the MI
        output_item = getattr(parent_spec, "output_item", None) if is_child else None
        if output_item is not None:
            task.data[output_item.bpmn_id] = dict(data)
        else:
            task.data.update(data)
        with engine_clock(self.ctx.clock, self.ctx.clock is system_clock), _named_failure(self.row.id), \
                time_limit(self.ctx.settings.instance_time_limit):
            task.run()
        self.advance()

    def assignee_variable(self, task_id: str) -> str | None:
        """The task-data variable naming the one user who may work the task (its ``assigneeVariable``), if any."""
        return _properties(self._spiff_task(task_id).task_spec).get(rules.ASSIGNEE_PROPERTY) or None

    def reassign(self, task_id: str, username: str) -> None:
        """Give a READY user task to ``username`` by its assignee variable in the task's own data: the task index is
        updated from that data on every save, so this is where a reassignment must be written. Later tasks that
        name the same variable inherit the new holder (a Pelaksana who takes over the work plan also drafts the
        report, unless the Kasi moves that task too)."""
        task = self._spiff_task(task_id)
        if task.state != TaskState.READY:
            raise TaskNotReady(N_("Tugas ini sudah diselesaikan atau tidak lagi aktif."))
        variable = _properties(task.task_spec).get(rules.ASSIGNEE_PROPERTY)
        if not variable:
            raise ValueError(f"task {task.task_spec.bpmn_id} has no {rules.ASSIGNEE_PROPERTY}")
        task.data[variable] = username  # a new value, never a mutation: children share the parent's objects

    def element_states(self) -> tuple[frozenset[str], frozenset[str]]:
        """The BPMN ids of the elements done and of those active now (ready, waiting or running)."""
        completed, active = set(), set()
        for task in self.workflow.get_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state & _ACTIVE:
                active.add(bpmn_id)
            elif task.state == TaskState.COMPLETED:
                completed.add(bpmn_id)
        return frozenset(completed - active), frozenset(active)

    def _spiff_task(self, task_id: str) -> Any:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError):
            task = None
        if task is None:
            raise NotFound(N_("Tugas {task_id} tidak ditemukan.", task_id=task_id))
        return task

    def _ready_user_tasks(self) -> list[Any]:
        return list(self.workflow.get_tasks(state=TaskState.READY, manual=True))


@contextmanager
def _named_failure(instance_id: int) -> Iterator[None]:
    """A failing expression or script becomes ProcessFailed naming the element (the caller rolls back)."""
    try:
        yield
    except (SpiffWorkflowException, ExpressionRejected, RecursionError, MemoryError) as exc:
        task = getattr(exc, "task", None)
        where = getattr(getattr(task, "task_spec", None), "bpmn_id", None) or "?"
        reason, cause = str(exc).strip(), exc.__cause__ or exc.__context__  # SpiffWorkflow wraps the cause
        if isinstance(cause, ExpressionRejected) and str(cause) not in reason:
            reason = f"{cause}; {reason}"  # first: the expression's source may fill the 300 characters
        raise ProcessFailed(N_("Model proses gagal dijalankan pada elemen '{where}' (instans {instance_id}): "
                               "{reason}. Tidak ada yang disimpan; hubungi analis proses.", where=where,
                               instance_id=instance_id, reason=reason[:300])) from exc


# The campaign comes in the same statement (saving the instance sets its status); only the instance is locked. The
# version's forms are not read with it: ``LoadedInstance.forms`` has them parsed once per process. Built once.
_LOAD = select(Instance, Campaign).outerjoin(Campaign, Campaign.id == Instance.campaign_id).where(
    Instance.id == bindparam("instance_id")).options(joinedload(Instance.version).defer(ProcessVersion.forms))
_LOAD_LOCKED = _LOAD.with_for_update(of=Instance)


def load_instance(ctx: Context, session: Session, instance_id: int, lock: bool = True) -> LoadedInstance:
    """Deserialize an instance (row-locked for update unless ``lock`` is False)."""
    found = session.execute(_LOAD_LOCKED if lock else _LOAD, {"instance_id": instance_id}).one_or_none()
    if found is None:
        raise NotFound(N_("Instans proses {instance_id} tidak ditemukan.", instance_id=instance_id))
    return _deserialized(ctx, session, *found)


_INDEX, _INSTANCES = cast(Table, TaskIndex.__table__), cast(Table, Instance.__table__)
_VERSIONS, _CAMPAIGNS = cast(Table, ProcessVersion.__table__), cast(Table, Campaign.__table__)
# The task's index row with its instance (locked), version and campaign, how many index rows the instance has, and the
# working-day calendar's stamp (a due date is worked out when the next task opens): plain columns, built once.
_OTHERS = _INDEX.alias("others")
_INDEX_COUNT = select(func.count()).where(_OTHERS.c.instance_id == _INSTANCES.c.id).scalar_subquery()
_LOAD_TASK = select(  # the index row's campaign_id is its instance's; the title is read from the campaign itself
    _INDEX, _INSTANCES.c.version_id, _INSTANCES.c.status.label("instance_status"),
    _INSTANCES.c.lock_version, _INSTANCES.c.next_timer_at, _INSTANCES.c.state_json, _VERSIONS.c.sha256,
    _CAMPAIGNS.c.title.label("title_of_campaign"), _CAMPAIGNS.c.status.label("campaign_status"),
    _INDEX_COUNT.label("index_rows"), CALENDAR_STAMP.label("calendar_stamp"),
).join(_INSTANCES, _INSTANCES.c.id == _INDEX.c.instance_id).join(_VERSIONS, _VERSIONS.c.id == _INSTANCES.c.version_id
).outerjoin(_CAMPAIGNS, _CAMPAIGNS.c.id == _INSTANCES.c.campaign_id).where(
    _INDEX.c.task_id == bindparam("task_id")).with_for_update(of=_INSTANCES)


def load_task_instance(ctx: Context, session: Session, task_id: str,
                       authorize: Callable[[Any], Any]) -> tuple[Any, LoadedInstance]:
    """Authorize a READY task and load its instance (locked) with one statement for both, as plain rows (no ORM
    object: building them cost several times the query). ``authorize`` (``access.authorize_task``) is given the
    task's row (None when the index has none) and returns the row it allowed; the workflow is deserialized only once
    it allowed. Returns the task's row (its index columns, as a ``TaskIndex`` has them) and the loaded instance."""
    found = connection(session).execute(_LOAD_TASK, {"task_id": task_id}).one_or_none()
    row = authorize(found)  # raises for a task that is not ready, or not the user's
    if found is None:  # the task became ready since: load its instance as usual
        return row, load_instance(ctx, session, row.instance_id)
    instance = InstanceRow(found.instance_id, found.campaign_id, found.version_id, found.sha256,
                           found.instance_status, found.lock_version, found.next_timer_at)
    campaign = (CampaignRow(found.campaign_id, found.title_of_campaign, found.campaign_status)
                if found.campaign_id is not None else None)
    specs = version_spec(found.version_id, found.sha256,
                         lambda: _version_column(session, found.version_id, ProcessVersion.spec_json))
    workflow = state_from_json(found.state_json, specs,
                               lambda: _version_column(session, found.version_id, ProcessVersion.spec_json))
    loaded = LoadedInstance(ctx, session, instance, workflow, campaign,
                            lambda: stamped_calendar(session, ctx.settings, found.calendar_stamp))
    if found.index_rows == 1:  # the task is the instance's only index row: saving need not read the index again
        loaded.index_rows = [found]
    return row, loaded


def _version_column(session: Session, version_id: int, column: Any) -> Any:
    """One (deferred) column of a version, read on a cache miss."""
    return session.scalar(select(column).where(ProcessVersion.id == version_id))


def _deserialized(ctx: Context, session: Session, row: Instance, campaign: Campaign | None) -> LoadedInstance:
    version = row.version
    specs = _specs(version)
    return LoadedInstance(ctx, session, row, state_from_json(row.state_json, specs, lambda: version.spec_json),
                          campaign)


def _specs(version: ProcessVersion) -> ParsedSpec:
    """The version's parsed spec from this process's cache (its JSON column is loaded only on a miss)."""
    return version_spec(version.id, version.sha256, lambda: version.spec_json)


def start_instance(ctx: Context, session: Session, version: ProcessVersion, actor: str, *, campaign_id: int,
                   message: dict[str, Any]) -> Instance:
    """Create a campaign's instance of ``version``: ``message`` is the payload of the message its start event waits
    for (``version.start_message``)."""
    now = ctx.now()
    workflow = new_workflow(_specs(version))
    workflow.task_tree.data.update({"campaign_id": campaign_id})
    row = Instance(version=version, campaign_id=campaign_id, status="running", state_json="",
                   created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    loaded = LoadedInstance(ctx, session, row, workflow)
    loaded.advance()
    if version.start_message and any(e.event_type == "MessageEventDefinition" for e in workflow.waiting_events()):
        workflow.catch(BpmnEvent(MessageEventDefinition(version.start_message), message))
        loaded.advance()
    audit(session, now, actor, "instance_started", row.id, campaign_id,
          data={"version": version.sha256[:12], "process": version.process_id, "message": version.start_message})
    save_instance(loaded)
    return row


def start_by_message(ctx: Context, session: Session, name: str, payload: dict[str, Any], actor: str, *,
                     campaign_id: int) -> list[Instance]:
    """Start every deployed process whose start event waits for message ``name``, on its current version.

    The message correlates by campaign: a process already started for this campaign is not started again (so a
    process whose message starts another can never start it twice, nor loop).
    """
    started = []
    for version in current_versions(session):
        if version.start_message != name:
            continue
        running = session.scalars(select(Instance.id).join(ProcessVersion).where(
            Instance.campaign_id == campaign_id, ProcessVersion.process_id == version.process_id).limit(1)).first()
        if running is None:
            started.append(start_instance(ctx, session, version, actor, campaign_id=campaign_id, message=payload))
    return started


def _properties(task_spec: Any) -> dict[str, str]:
    return dict(getattr(task_spec, "extensions", {}).get("properties", {}))


def _due_at(ctx: Context, value: Any) -> datetime | None:
    """A due date from task data: an ISO datetime, or a date meaning the end of that office day."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        local = datetime.combine(parsed.date(), time(ctx.settings.deadline_hour),
                                 ZoneInfo(ctx.settings.office_timezone))
        return local.astimezone(timezone.utc)
    return parsed.astimezone(timezone.utc)


WORKING_DAYS = re.compile(r"^\s*(\d{1,3})\s+hari\s+kerja\b", re.IGNORECASE)
COUNTED = re.compile(r"^add_working_days\(\s*now\(\s*\)\s*,\s*(\d{1,3})\s*\)$")


def due_expression(props: Mapping[str, str]) -> str | None:
    """A task's ``dueDate`` expression, or its time standard ("N hari kerja" from when it becomes ready)."""
    if props.get(rules.DUE_EXPRESSION_PROPERTY, "").strip():
        return props[rules.DUE_EXPRESSION_PROPERTY].strip()
    standard = WORKING_DAYS.match(props.get(rules.TIME_STANDARD_PROPERTY, ""))
    return f"add_working_days(now(), {int(standard.group(1))})" if standard else None


def counted_working_days(props: Mapping[str, str]) -> int | None:
    """N when a task's due date is N working days from when it becomes ready (its time standard, or a ``dueDate`` of
    exactly ``add_working_days(now(), N)``): the due dates a correction of the calendar moves. None otherwise."""
    if props.get(rules.DUE_DATE_PROPERTY):
        return None
    found = COUNTED.match(due_expression(props) or "")
    return int(found.group(1)) if found else None


def _new_due_at(loaded: LoadedInstance, task: Any, props: Mapping[str, str],
                ready_at: datetime | None = None) -> datetime | None:
    """The due date of a task that has just become ready (``ready_at``, default now): its ``dueDateVariable`` (None
    while unset) or its due-date expression, evaluated in the expression sandbox (a failing one is a ProcessFailed
    naming it). N working days is worked out directly: the same value as its expression, without the sandbox."""
    if props.get(rules.DUE_DATE_PROPERTY):
        return _due_at(loaded.ctx, task.data.get(props[rules.DUE_DATE_PROPERTY]))
    days = counted_working_days(props)
    if days is not None:
        return deadline_at(loaded.calendar(), ready_at or loaded.ctx.now(), days, loaded.ctx.settings)
    expression = due_expression(props)
    if expression is None:
        return None
    with _named_failure(loaded.row.id):
        return _due_at(loaded.ctx, loaded.workflow.script_engine.evaluate(task, expression))


def _index_fields(task: Any) -> dict[str, Any]:
    """The task index's columns that follow a READY user task's spec and data (its claim, due date and ready time
    are the index's own)."""
    spec, props = task.task_spec, _properties(task.task_spec)
    assignee_var = props.get(rules.ASSIGNEE_PROPERTY)
    name, subject = spec.bpmn_name or spec.bpmn_id, task.data.get(props.get(rules.SUBJECT_PROPERTY, ""))
    return {"bpmn_id": spec.bpmn_id, "name": f"{name}: {subject}"[:255] if subject else name, "lane": spec.lane,
            "role": rules.LANE_ROLES.get(spec.lane or ""),
            "assignee": task.data.get(assignee_var) if assignee_var else None,
            "form": props.get(rules.FORM_PROPERTY), "view": props.get(rules.VIEW_PROPERTY),
            "case_file": props.get(rules.CASE_FILE_PROPERTY)}


_INDEX_ROWS = select(_INDEX).where(_INDEX.c.instance_id == bindparam("instance_id"))
_INDEX_DELETE = delete(_INDEX).where(_INDEX.c.task_id == bindparam("gone"))  # by row: no IN (…) list to render
_INDEX_INSERT = insert(_INDEX)
# A task that opens as another closes (the common step) takes over the closed one's row: one statement, not two.
_INDEX_REPLACE = update(_INDEX).where(_INDEX.c.task_id == bindparam("gone"))
# The same as a data-modifying WITH the state's UPDATE carries (PostgreSQL), its values bound as ``index_<column>``.
_INDEX_REPLACE_WITH = update(_INDEX).where(_INDEX.c.task_id == bindparam("index_gone")).values(
    carried_values(_INDEX, "index")).cte("index_row")


@dataclass
class IndexChange:
    """How a save brings the task index up to date: rows taken over (``{"gone": task id, **new row}``), deleted
    (``{"gone": task id}``) and inserted, and the rows of the tasks that have just become ready."""

    replaced: list[dict[str, Any]]
    deleted: list[dict[str, Any]]
    inserted: list[dict[str, Any]]
    opened: list[dict[str, Any]]


def _index_change(loaded: LoadedInstance, ready: list[Any], campaign: Campaign | CampaignRow | None) -> IndexChange:
    """The task index's difference to the READY user tasks (rows of tasks no longer ready deleted or taken over by
    new ones, the other new ones added); a row that changes (rare: a reassignment) is updated through the session at
    once, so an object of it the caller holds stays true.

    Rows are read and then written as plain SQL on the connection (``_write_index``; no ORM objects to track and
    flush)."""
    session, instance_id = loaded.session, loaded.row.id
    rows = (connection(session).execute(_INDEX_ROWS, {"instance_id": instance_id}) if loaded.index_rows is None
            else loaded.index_rows)
    previous, loaded.index_rows = {r.task_id: r for r in rows}, None  # what was read holds until this save only
    ready_ids = {str(t.id) for t in ready}
    gone = [task_id for task_id in previous if task_id not in ready_ids]
    for task_id in gone:  # an object of a deleted (or taken-over) row must not be flushed later
        held = session.identity_map.get(session.identity_key(TaskIndex, task_id))
        if held is not None:
            session.expunge(held)
    opened = []
    for task in ready:
        fields, old = _index_fields(task), previous.get(str(task.id))
        if old is None:  # a new row carries the instance's campaign and its title
            opened.append({"task_id": str(task.id), "instance_id": instance_id, "campaign_id": loaded.row.campaign_id,
                           "campaign_title": campaign.title if campaign else None, "claimed_by": None,
                           "due_at": _new_due_at(loaded, task, _properties(task.task_spec)),
                           "ready_at": loaded.ctx.now(), **fields})
            continue
        changed = {key: value for key, value in fields.items() if old._mapping[key] != value}
        if changed:  # an unchanged row writes nothing
            row = session.get(TaskIndex, old.task_id)
            for key, value in changed.items():
                setattr(row, key, value)
    replaced = min(len(gone), len(opened))
    return IndexChange([{"gone": task_id, **row} for task_id, row in zip(gone, opened, strict=False)],
                       [{"gone": task_id} for task_id in gone[replaced:]], opened[replaced:], opened)


def _write_index(session: Session, change: IndexChange) -> None:
    conn = connection(session)
    if change.replaced:
        conn.execute(_INDEX_REPLACE, change.replaced)
    if change.deleted:
        conn.execute(_INDEX_DELETE, change.deleted)
    if change.inserted:
        conn.execute(_INDEX_INSERT, change.inserted)


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    due = []
    for event in workflow.waiting_events():
        if "Timer" in event.event_type or "Time" in event.event_type:
            try:
                due.append(datetime.fromisoformat(str(event.value)).astimezone(timezone.utc))
            except (TypeError, ValueError):
                continue
    return min(due) if due else None


def _drain_events(loaded: LoadedInstance, thrown: list[Any]) -> None:
    """Messages thrown by the process (``workflow.get_events()``) go to the outbox and start the processes that wait
    for them (correlated by the campaign); one naming roles (``untuk_peran``) notifies them."""
    ctx, session, now = loaded.ctx, loaded.session, loaded.ctx.now()
    for event in thrown:
        name = event.event_definition.name
        payload = dict(event.payload or {})
        session.add(Outbox(instance_id=loaded.row.id, created_at=now, message_name=name, payload=payload,
                           delivered_at=now))  # recorded for the trail: no system outside receives it yet
        if loaded.row.campaign_id is not None:
            start_by_message(ctx, session, name, payload, "system", campaign_id=loaded.row.campaign_id)
        roles = payload.get("untuk_peran") or []
        if roles:
            params = {"campaign_id": payload.get("campaign_id"), "due": str(payload.get("batas_laporan", ""))}
            notify(session, ctx.settings, now, holders(session, roles), "report_overdue", params,
                   ref=f"{name}:{loaded.row.id}:{params['due']}", url=f"/proses/{loaded.row.id}",
                   instance_id=loaded.row.id)


@dataclass
class _Notice:
    """Who is told that a task has just opened, and how (``_notices``)."""

    task_id: str
    recipients: list[Recipient]
    kind: str
    params: dict[str, Any]
    member: tuple[int, str] | None  # (campaign id, assignee): the assignee may see the campaign


def _notices(loaded: LoadedInstance, opened: list[dict[str, Any]], campaign: Campaign | CampaignRow | None,
             returned: str | None) -> list[_Notice]:
    """Whoever may work each task that has just opened (its assignee, else its lane) is told that it waits."""
    notices = []
    for row in opened:
        task_id, assignee = row["task_id"], row["assignee"]
        kind = "task_returned" if returned is not None else ("task_assigned" if assignee else "task_open")
        params = {"task": row["name"], "campaign": campaign.title if campaign else "", "notes": returned or ""}
        notices.append(_Notice(task_id, task_recipients(loaded.session, assignee, row["role"]), kind, params,
                               (campaign.id, assignee) if assignee and campaign is not None else None))
    return notices


def _announce(loaded: LoadedInstance, notices: list[_Notice]) -> None:
    for notice in notices:
        if notice.member is not None:
            remember_member(loaded.session, *notice.member, loaded.ctx.now())
        notify(loaded.session, loaded.ctx.settings, loaded.ctx.now(), notice.recipients, notice.kind, notice.params,
               ref=f"task:{notice.task_id}", url=f"/tugas/{notice.task_id}", instance_id=loaded.row.id)


def _riders(loaded: LoadedInstance, event: dict[str, Any] | None, index: IndexChange,
            notices: list[_Notice]) -> tuple[list[tuple[CTE, dict[str, Any]]], _Notice | None]:
    """PostgreSQL: writes that need no answer but the state's ride in its UPDATE as data-modifying WITHs — the audit
    row, the index row taken over (taken from ``index``), and the first notice when it tells one user, with their
    membership (taken from ``notices`` and returned) — one statement instead of up to five."""
    riders = [(EVENT_WITH, event_params(event))] if event is not None else []
    if len(index.replaced) == 1:
        riders.append((_INDEX_REPLACE_WITH, carried("index", index.replaced.pop())))
    active = [user for user in notices[0].recipients if user.active] if notices else []
    if len(active) != 1:
        return riders, None
    notice, now = notices.pop(0), loaded.ctx.now()
    riders.append((NOTICE_WITH, notice_params(now, active[0], notice.kind, notice.params, ref=f"task:{notice.task_id}",
                                              url=f"/tugas/{notice.task_id}", instance_id=loaded.row.id)))
    if notice.member is not None:
        riders.append((MEMBER_WITH, member_params(*notice.member, now)))
    notice.recipients = active
    return riders, notice


def save_instance(loaded: LoadedInstance, returned: str | None = None, event: dict[str, Any] | None = None) -> None:
    """Persist state, task index, outbox and campaign status together (optimistic lock on the row), and tell
    people about the tasks that have just opened (``returned``: the note of the return that reopened them).
    ``event``: the audit row (``audit.event_row``) of what was done, written with the state."""
    row, workflow, now = loaded.row, loaded.workflow, loaded.ctx.now()
    thrown = workflow.get_events()
    if event is not None and thrown:  # the processes the messages start audit their start after it, as before
        write_event(loaded.session, event)
        event = None
    _drain_events(loaded, thrown)
    state: dict[str, Any] = {"state_json": state_to_json(workflow), "updated_at": now,
                             "next_timer_at": _next_timer(workflow)}
    if workflow.is_completed() and row.status != "completed":
        state.update(status="completed", completed_at=now)
    ready = loaded._ready_user_tasks()
    campaign = _campaign(loaded)
    index = _index_change(loaded, ready, campaign)
    notices = _notices(loaded, index.opened, campaign, returned)
    riders: list[tuple[CTE, dict[str, Any]]] = []
    told = None
    if loaded.session.get_bind().dialect.name == "postgresql":
        riders, told = _riders(loaded, event, index, notices)
    elif event is not None:
        write_event(loaded.session, event)
    answers = _write_state(loaded.session, row, state, tuple(riders))
    _write_index(loaded.session, index)
    if campaign is not None:
        status = _campaign_status(loaded, ready, campaign.status)
        if status != campaign.status:  # set only when it changes: an unchanged row gives the flush nothing to do
            _set_campaign_status(loaded.session, campaign, status)
    if told is not None and answers.get("notice") is not None:  # told now, not before: mailed as notify() does
        mail_told(loaded.session, loaded.ctx.settings, now, told.recipients, told.kind, told.params,
                  f"/tugas/{told.task_id}", loaded.row.id)
    _announce(loaded, notices)
    loaded.session.flush()


def _campaign(loaded: LoadedInstance) -> Campaign | CampaignRow | None:
    """The instance's campaign: the ORM object when the transaction holds one (a task's action may have changed it),
    else the row read with the instance, else the campaign loaded now."""
    session, campaign, campaign_id = loaded.session, loaded.campaign, loaded.row.campaign_id
    if campaign_id is None:
        return None
    if isinstance(campaign, CampaignRow):
        held = session.identity_map.get(session.identity_key(Campaign, campaign_id))
        return held if isinstance(held, Campaign) else campaign
    return campaign or session.get(Campaign, campaign_id)


_SET_CAMPAIGN_STATUS = update(_CAMPAIGNS).where(_CAMPAIGNS.c.id == bindparam("campaign_id"))


def _set_campaign_status(session: Session, campaign: Campaign | CampaignRow, status: str) -> None:
    if isinstance(campaign, CampaignRow):
        connection(session).execute(_SET_CAMPAIGN_STATUS, {"campaign_id": campaign.id, "status": status})
    campaign.status = status


_WRITE_STATE = update(_INSTANCES).where(_INSTANCES.c.id == bindparam("row_id"),
                                        _INSTANCES.c.lock_version == bindparam("row_version"))


@cache
def _write_state_with(ctes: tuple[CTE, ...]) -> Update:
    """The state's UPDATE carrying data-modifying WITHs (PostgreSQL) and returning the answers of those with a
    RETURNING (by the WITH's name); built once per combination."""
    statement = _WRITE_STATE
    for cte in ctes:
        statement = statement.add_cte(cte)
    answers = [select(*cte.c).scalar_subquery().label(cte.name) for cte in ctes if len(cte.c)]
    return statement.returning(*answers) if answers else statement


def _write_state(session: Session, row: Instance | InstanceRow, values: dict[str, Any],
                 riders: tuple[tuple[CTE, dict[str, Any]], ...] = ()) -> Mapping[str, Any]:
    """Write ``values`` to the instance row under its optimistic lock (StaleDataError when another transaction
    changed it), as one plain UPDATE: the ORM's flush of one row cost more than the statement. The row (and an ORM
    object of it the transaction holds) keeps them as its stored state. ``riders``: data-modifying WITHs (PostgreSQL
    only) with their values, written by the same statement (a round trip there costs more than SQLite's statement);
    returns the answers of those with a RETURNING, by name."""
    conn = connection(session)  # the row's own pending changes are flushed first (they move its lock version)
    held = row if isinstance(row, Instance) else session.identity_map.get(session.identity_key(Instance, row.id))
    version = held.lock_version if isinstance(held, Instance) else row.lock_version  # as flushed, if the ORM holds it
    values = {**values, "lock_version": version + 1}
    params = {"row_id": row.id, "row_version": version, **values}
    for _, rider_params in riders:
        params.update(rider_params)
    result = conn.execute(_write_state_with(tuple(cte for cte, _ in riders)), params)
    if cast(CursorResult[Any], result).rowcount != 1:
        raise StaleDataError(f"instance {row.id} was changed by another transaction")
    answers: dict[str, Any] = result.one()._asdict() if result.returns_rows else {}
    for key, value in values.items():
        if isinstance(row, InstanceRow) and hasattr(row, key):
            setattr(row, key, value)
        if held is not None:
            set_committed_value(held, key, value)
    return answers


def _drives_campaign(workflow: BpmnWorkflow) -> bool:
    """Whether the process names campaign phases (the SOP's own does; a process it starts, e.g. the agents'
    quality assessment, does not, and leaves the campaign's status alone)."""
    specs = [workflow.spec, *workflow.subprocess_specs.values()]
    return any(rules.PHASE_PROPERTY in _properties(task_spec) for spec in specs
               for task_spec in spec.task_specs.values())


def _campaign_status(loaded: LoadedInstance, ready: list[Any], current: str) -> str:
    """The latest phase among READY tasks (their ``campaignPhase``); unchanged when none names one."""
    if not _drives_campaign(loaded.workflow):
        return current
    if loaded.row.status == "completed":
        return CampaignStatus.SELESAI
    phases = {_properties(t.task_spec).get(rules.PHASE_PROPERTY) for t in ready}
    known = [p for p in rules.PHASES if p in phases]
    return known[-1] if known else current
