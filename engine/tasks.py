"""Task services: list a user's work, show a task, claim it, complete it (authorized by ``engine.access``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import access, campaign, quality
from .access import TaskScope, Who
from .actions import Action, ActionCall
from .audit import audit, event_row
from .case_file import CaseEntry, case_of
from .context import Context
from .errors import Conflict, NotAllowed, TaskNotReady
from .forms import validate_form
from .i18n import N_
from .models import AuditEvent, Instance, TaskComment, TaskIndex, User
from .process import load_instance, load_task_instance, rules, save_instance, script_functions

# The domain actions a task may name (``action``), from every domain the processes act on.
ACTIONS: dict[str, Action] = {**campaign.ACTIONS, **quality.ACTIONS}
RETURN_DECISION = "kembalikan"  # the approval forms' decision that sends the work back (with ``catatan``)
# The submitted form: the data itself, or a function that reads it once the task's JSON Schema is known.
Submission = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


class TaskView(NamedTuple):
    """A READY user task as task lists show it (from the task index, never a loaded workflow). A named tuple, not a
    frozen dataclass: a list page makes 50 of them a request, and a frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` a field) cost five times as much."""

    id: str
    instance_id: int
    campaign_id: int | None
    bpmn_id: str
    name: str
    lane: str | None
    role: str | None
    assignee: str | None
    claimed_by: str | None
    form: str | None
    view: str | None
    due_at: datetime | None
    ready_at: datetime
    overdue: bool


@dataclass(frozen=True)
class ReturnNote:
    at: datetime
    username: str
    task_name: str
    notes: str


@dataclass(frozen=True)
class CommentView:
    at: datetime
    username: str
    task_name: str
    text: str


@dataclass(frozen=True)
class TaskDetail:
    """A task as its page shows it: the SOP sentence, its form and data, returns and comments."""

    task: TaskView
    documentation: str
    schema: dict[str, Any]
    data: dict[str, Any]
    returns: tuple[ReturnNote, ...]
    properties: dict[str, str]
    comments: tuple[CommentView, ...]
    case: tuple[CaseEntry, ...] = ()  # what earlier steps submitted that this task shows, newest first
    subject: Any = None  # what the task is about (its ``subjectVariable``), e.g. the agent a score sheet is for


def task_view(row: Any, campaign_id: int | None, now: datetime) -> TaskView:
    """A task list's view of a task-index row (the ORM object, or a row of its columns)."""
    return TaskView(row.task_id, row.instance_id, campaign_id, row.bpmn_id, row.name, row.lane, row.role,
                    row.assignee, row.claimed_by, row.form, row.view, row.due_at, row.ready_at,
                    overdue(row.due_at, now))


def overdue(due_at: datetime | None, now: datetime) -> bool:
    """A task is overdue once its due date has passed."""
    return bool(due_at and due_at < now)


def workable_tasks(session: Session, user: User, now: datetime, scope: TaskScope = TaskScope.ALL) -> list[TaskView]:
    """READY user tasks this user may work, straight from the task index (no workflow is loaded)."""
    query = (select(TaskIndex, Instance.campaign_id).join(Instance, Instance.id == TaskIndex.instance_id)
             .where(access.workable_filter(user), access.scope_filter(scope, user.username, now))
             .order_by(TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.ready_at))
    return [task_view(row, campaign_id, now) for row, campaign_id in session.execute(query)]


def ready_tasks(ctx: Context, who: Who, scope: str = TaskScope.ALL) -> list[TaskView]:
    with access.acting(ctx, who) as (session, user):
        return workable_tasks(session, user, ctx.now(), TaskScope(scope))


def _returns(session: Session, instance_id: int, bpmn_id: str) -> tuple[ReturnNote, ...]:
    """Returns that sent this task back: decisions 'kembalikan' made since the task was last completed."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                      AuditEvent.action == "task_completed")
                             .order_by(AuditEvent.id.desc())).all()
    last_done = next((e.id for e in events if e.task_bpmn_id == bpmn_id), None)
    if last_done is None:
        return ()
    return tuple(ReturnNote(e.at, e.username, e.task_name or "", str(e.data.get("catatan", "")))
                 for e in events if e.id > last_done and e.data.get("keputusan") == RETURN_DECISION)


def comments_of(session: Session, instance_id: int) -> tuple[CommentView, ...]:
    rows = session.scalars(select(TaskComment).where(TaskComment.instance_id == instance_id).order_by(TaskComment.id))
    return tuple(CommentView(c.at, c.username, c.task_name, c.text) for c in rows)


def task_detail(ctx: Context, session: Session, user: User, task_id: str) -> TaskDetail:
    """A task the user may work: SOP text, form, current data, the notes of earlier returns, comments."""
    row = access.authorize_task(session, user, task_id)
    loaded = load_instance(ctx, session, row.instance_id, lock=False)
    task = loaded.task(task_id)
    schema = loaded.forms.get(row.form or "", {})
    data = {k: v for k, v in task.data.items() if k in schema.get("properties", {})}
    return TaskDetail(task_view(row, loaded.row.campaign_id, ctx.now()), task.documentation, schema, data,
                      _returns(session, row.instance_id, row.bpmn_id), dict(task.properties),
                      comments_of(session, row.instance_id),
                      case_of(session, row.instance_id, row.case_file, dict(loaded.forms)),
                      task.data.get(task.properties.get(rules.SUBJECT_PROPERTY, "")))


def get_task(ctx: Context, who: Who, task_id: str) -> TaskDetail:
    with access.acting(ctx, who) as (session, user):
        return task_detail(ctx, session, user, task_id)


def complete_task(ctx: Context, who: Who, task_id: str, submission: Submission) -> TaskView:
    """Validate and complete one task in one transaction; returns the task view as it was."""
    try:
        with access.acting(ctx, who) as (session, user):
            return _complete(ctx, session, user, task_id, submission)
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(N_("Tugas ini baru saja diubah oleh pengguna lain; muat ulang halaman.")) from exc


def _complete(ctx: Context, session: Session, user: User, task_id: str, submission: Submission) -> TaskView:
    row, loaded = load_task_instance(ctx, session, task_id,
                                     lambda found: access.authorize_task(session, user, task_id, found))
    view = task_view(row, loaded.row.campaign_id, ctx.now())
    task = loaded.task(task_id)
    if not task.ready:
        raise TaskNotReady(N_("Tugas ini sudah diselesaikan atau tidak lagi aktif."))
    form = row.form or ""
    schema = loaded.forms.get(form, {"type": "object"})
    data = validate_form(session, schema, submission(schema) if callable(submission) else submission,
                         script_functions(ctx, session), (*loaded.version_key, form))
    action = task.properties.get(rules.ACTION_PROPERTY)
    extra = ACTIONS[action](ActionCall(ctx, session, loaded.row.campaign_id, row, user, data, task.data,
                                       task.properties)) if action and loaded.row.campaign_id is not None else {}
    loaded.complete(task_id, {**data, **extra})
    event = event_row(ctx.now(), user.username, "task_completed", loaded.row.id, loaded.row.campaign_id, row, data)
    returned = str(data.get("catatan") or "") if data.get("keputusan") == RETURN_DECISION else None
    save_instance(loaded, returned, event)
    return view


def claim_task(ctx: Context, who: Who, task_id: str, claim: bool = True) -> None:
    """Take (or give back) an unassigned lane task so colleagues see who works on it."""
    with access.acting(ctx, who) as (session, user):
        row = access.authorize_task(session, user, task_id)
        if row.assignee:
            raise NotAllowed(N_("Tugas ini sudah ditugaskan kepada pengguna tertentu."))
        row.claimed_by = user.username if claim else None
        audit(session, ctx.now(), user.username, "task_claimed" if claim else "task_unclaimed",
              row.instance_id, None, row)
