"""Task services: list a user's work, show a task, claim it, complete it. Authorization lives here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow import TaskState
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import actions
from .context import Context
from .errors import Conflict, NotAllowed, NotFound, TaskNotReady
from .forms import validate_form
from .models import AuditEvent, Instance, TaskComment, TaskIndex, User
from .runtime import audit, find_task, load_instance, save_instance, task_properties
from .users import get_user

SCOPES = ("mine", "lane", "overdue", "all")


@dataclass(frozen=True)
class TaskView:
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
    task: TaskView
    documentation: str
    schema: dict[str, Any]
    data: dict[str, Any]
    returns: tuple[ReturnNote, ...]
    properties: dict[str, str]
    comments: tuple[CommentView, ...]


def task_view(row: TaskIndex, campaign_id: int | None, now: datetime) -> TaskView:
    return TaskView(row.task_id, row.instance_id, campaign_id, row.bpmn_id, row.name, row.lane, row.role,
                    row.assignee, row.claimed_by, row.form, row.view, row.due_at, row.ready_at,
                    bool(row.due_at and row.due_at < now))


def _workable_filter(user: User) -> Any:
    """Rows the user may work: their lane's role, and either unassigned or assigned to them."""
    return and_(TaskIndex.role.in_(user.role_names),
                or_(TaskIndex.assignee.is_(None), TaskIndex.assignee == user.username))


def ready_tasks(ctx: Context, username: str, scope: str = "all") -> list[TaskView]:
    """READY user tasks this user may work, straight from the task index (no workflow is loaded)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")
    now = ctx.now()
    with ctx.transaction() as session:
        user = get_user(session, username)
        query = (select(TaskIndex, Instance.campaign_id).join(Instance, Instance.id == TaskIndex.instance_id)
                 .where(_workable_filter(user))
                 .order_by(TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.ready_at))
        if scope == "mine":
            query = query.where(or_(TaskIndex.assignee == username, TaskIndex.claimed_by == username))
        elif scope == "lane":  # open to the whole lane: no named assignee
            query = query.where(TaskIndex.assignee.is_(None))
        elif scope == "overdue":
            query = query.where(TaskIndex.due_at < now)
        return [task_view(row, campaign_id, now) for row, campaign_id in session.execute(query)]


def authorize(session: Session, username: str, task_id: str) -> tuple[User, TaskIndex]:
    """The service-layer rule: the task is READY, the user holds its lane's role and is its assignee."""
    user = get_user(session, username)
    row = session.get(TaskIndex, task_id)
    if row is None:
        done = session.scalars(select(AuditEvent.id).where(AuditEvent.task_id == task_id).limit(1)).first()
        if done is not None:
            raise TaskNotReady("Tugas ini sudah diselesaikan atau tidak lagi aktif.")
        raise NotFound(f"Tugas {task_id} tidak ditemukan.")
    if row.role not in user.role_names:
        raise NotAllowed(f"Tugas '{row.name}' adalah tugas lajur {row.lane}; Anda tidak memiliki peran {row.role}.")
    if row.assignee and row.assignee != username:
        raise NotAllowed(f"Tugas '{row.name}' ditugaskan kepada {row.assignee}.")
    if row.claimed_by and row.claimed_by != username and _is_active(session, row.claimed_by):
        raise NotAllowed(f"Tugas '{row.name}' sedang dikerjakan oleh {row.claimed_by}.")
    return user, row


def _is_active(session: Session, username: str) -> bool:
    """A claim by a deactivated user no longer blocks the lane."""
    return bool(session.scalar(select(User.active).where(User.username == username)))


def _returns(session: Session, instance_id: int, bpmn_id: str) -> tuple[ReturnNote, ...]:
    """Returns that sent this task back: decisions 'kembalikan' made since the task was last completed."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                      AuditEvent.action == "task_completed")
                             .order_by(AuditEvent.id.desc())).all()
    last_done = next((e.id for e in events if e.task_bpmn_id == bpmn_id), None)
    if last_done is None:
        return ()
    return tuple(ReturnNote(e.at, e.username, e.task_name or "", str(e.data.get("catatan", "")))
                 for e in events if e.id > last_done and e.data.get("keputusan") == "kembalikan")


def comments_of(session: Session, instance_id: int) -> tuple[CommentView, ...]:
    rows = session.scalars(select(TaskComment).where(TaskComment.instance_id == instance_id).order_by(TaskComment.id))
    return tuple(CommentView(c.at, c.username, c.task_name, c.text) for c in rows)


def get_task(ctx: Context, username: str, task_id: str) -> TaskDetail:
    """A task's page: SOP text, form, current data and the notes of earlier returns."""
    with ctx.transaction() as session:
        _, row = authorize(session, username, task_id)
        loaded = load_instance(ctx, session, row.instance_id, lock=False)
        task = find_task(loaded, task_id)
        schema = loaded.row.version.forms.get(row.form or "", {})
        data = {k: v for k, v in task.data.items() if k in schema.get("properties", {})}
        return TaskDetail(task_view(row, loaded.row.campaign_id, ctx.now()), task.task_spec.documentation or "",
                          schema, data, _returns(session, row.instance_id, row.bpmn_id),
                          task_properties(task.task_spec), comments_of(session, row.instance_id))


def _set_data(task: Any, data: dict[str, Any], extra: dict[str, Any]) -> None:
    """Store form data; a multi-instance child stores it as its output item (pitfalls 4–6)."""
    parent_spec = task.parent.task_spec if task.parent is not None else None
    output_item = getattr(parent_spec, "output_item", None)
    if output_item is not None:
        task.data[output_item.bpmn_id] = {**data, **extra}
    else:
        task.data.update({**data, **extra})


def complete_task(ctx: Context, username: str, task_id: str, data: Any) -> TaskView | None:
    """Validate and complete one task in one transaction; returns the task view as it was."""
    try:
        with ctx.transaction() as session:
            return _complete(ctx, session, username, task_id, data)
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict("Tugas ini baru saja diubah oleh pengguna lain; muat ulang halaman.") from exc


def _complete(ctx: Context, session: Session, username: str, task_id: str, data: Any) -> TaskView:
    user, row = authorize(session, username, task_id)
    loaded = load_instance(ctx, session, row.instance_id)
    view = task_view(row, loaded.row.campaign_id, ctx.now())
    task = find_task(loaded, task_id)
    if task.state != TaskState.READY:
        raise TaskNotReady("Tugas ini sudah diselesaikan atau tidak lagi aktif.")
    schema = loaded.row.version.forms.get(row.form or "", {"type": "object"})
    data = validate_form(session, schema, data)
    extra = actions.before_complete(ctx, session, loaded, task, row, user, data)
    _set_data(task, data, extra)
    loaded.run_task(task)
    audit(session, ctx.now(), username, "task_completed", loaded.row.id, loaded.row.campaign_id, row, data)
    save_instance(loaded)
    return view


def claim_task(ctx: Context, username: str, task_id: str, claim: bool = True) -> None:
    """Take (or give back) an unassigned lane task so colleagues see who works on it."""
    with ctx.transaction() as session:
        _, row = authorize(session, username, task_id)
        if row.assignee:
            raise NotAllowed("Tugas ini sudah ditugaskan kepada pengguna tertentu.")
        row.claimed_by = username if claim else None
        audit(session, ctx.now(), username, "task_claimed" if claim else "task_unclaimed",
              row.instance_id, None, row)
