"""Read models for the web inbox, task page and instance page (one call per screen)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select

from .campaigns import STAFF_ROLES
from .context import Context
from .instances import HistoryItem, InstanceView, get_instance, internal_view
from .models import AuditEvent, Campaign, Notification
from .tasks import TaskDetail, TaskView, get_task, ready_tasks
from .users import UserView, get_user, users_with_role, view

INBOX_SCOPES = ("all", "mine", "lane", "overdue")
# Per-contact events: shown on the instance page as one line per user and action, not one per call.
GROUPED_ACTIONS = ("call_recorded", "contacts_listed", "contact_viewed")


@dataclass(frozen=True)
class Inbox:
    scope: str
    tasks: tuple[TaskView, ...]
    counts: dict[str, int]
    campaign_titles: dict[int, str]
    unread: int


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail
    campaign_title: str
    role_holders: dict[str, tuple[UserView, ...]]
    prefill: dict[str, Any]


@dataclass(frozen=True)
class GroupedEvent:
    """Many per-contact events of one user, e.g. 35 calls recorded between ``first`` and ``last``."""

    first: datetime
    last: datetime
    username: str
    action: str
    count: int


def in_scope(task: TaskView, scope: str, username: str) -> bool:
    """mine: assigned to or claimed by me; lane: open to my whole lane; overdue: past due."""
    if scope == "mine":
        return username in (task.assignee, task.claimed_by)
    if scope == "lane":
        return task.assignee is None
    if scope == "overdue":
        return task.overdue
    return True


def _titles(session: Any, username: str, ids: set[int]) -> dict[int, str]:
    """Titles of the campaigns the user may read (staff: all; Pengguna Layanan: their own)."""
    if not ids:
        return {}
    query = select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids))
    if not get_user(session, username).role_names & STAFF_ROLES:
        query = query.where(Campaign.created_by == username)
    return {cid: title for cid, title in session.execute(query)}


def inbox(ctx: Context, username: str, scope: str = "all") -> Inbox:
    """The user's READY tasks filtered by ``scope``, with the count per scope and unread notifications."""
    scope = scope if scope in INBOX_SCOPES else "all"
    everything = ready_tasks(ctx, username, "all")
    with ctx.transaction() as session:
        user = get_user(session, username)
        unread = session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
        titles = _titles(session, username, {t.campaign_id for t in everything if t.campaign_id})
    return Inbox(scope, tuple(t for t in everything if in_scope(t, scope, username)),
                 {s: sum(in_scope(t, s, username) for t in everything) for s in INBOX_SCOPES}, titles, unread)


def _roles_in(schema: dict[str, Any]) -> set[str]:
    return {prop["x-role"] for prop in schema.get("properties", {}).values() if prop.get("x-role")}


def _prefill(session: Any, detail: TaskDetail) -> dict[str, Any]:
    """What this task's form last submitted in this instance (a redraft starts from the earlier draft).

    Not ``detail.data``: workflow data is shared, so another form's ``catatan`` or ``keputusan`` would show up
    here. Decisions are never prefilled: each examination decides afresh.
    """
    fields = detail.schema.get("properties", {})
    if "keputusan" in fields:
        return {}
    query = (select(AuditEvent.data).where(AuditEvent.instance_id == detail.task.instance_id,
                                           AuditEvent.action == "task_completed",
                                           AuditEvent.task_bpmn_id == detail.task.bpmn_id)
             .order_by(AuditEvent.id.desc()).limit(1))
    if detail.task.assignee:
        query = query.where(AuditEvent.username == detail.task.assignee)
    last = session.scalars(query).first() or {}
    return {k: v for k, v in last.items() if k in fields}


def task_page(ctx: Context, username: str, task_id: str) -> TaskPage:
    """A task (authorized by ``get_task``), its campaign title, the users its pickers offer, its prefill."""
    detail = get_task(ctx, username, task_id)
    with ctx.transaction() as session:
        cid = detail.task.campaign_id
        title = _titles(session, username, {cid}).get(cid, "") if cid else ""
        holders = {role: tuple(view(u) for u in users_with_role(session, role)) for role in _roles_in(detail.schema)}
        return TaskPage(detail, title, holders, _prefill(session, detail))


def instance_trail(
    ctx: Context, username: str, instance_id: int
) -> tuple[InstanceView, list[HistoryItem | GroupedEvent]]:
    """The instance (authorized by ``get_instance``) and its whole trail: process and campaign events, in order."""
    instance = get_instance(ctx, username, instance_id)
    if instance.campaign_id is None:
        return instance, list(instance.history)
    mine = or_(AuditEvent.instance_id == instance_id,
               and_(AuditEvent.campaign_id == instance.campaign_id, AuditEvent.instance_id.is_(None)))
    with ctx.transaction() as session:
        internal = internal_view(get_user(session, username))
        events = session.scalars(select(AuditEvent).where(mine, AuditEvent.action.not_in(GROUPED_ACTIONS))
                                 .order_by(AuditEvent.id))
        items: list[HistoryItem | GroupedEvent] = [
            HistoryItem(e.at, e.username, e.action, e.task_name, e.data if internal else {}) for e in events]
        grouped = session.execute(
            select(AuditEvent.username, AuditEvent.action, func.count(AuditEvent.id),
                   func.min(AuditEvent.at), func.max(AuditEvent.at))
            .where(mine, AuditEvent.action.in_(GROUPED_ACTIONS)).group_by(AuditEvent.username, AuditEvent.action))
        items += [GroupedEvent(_aware(first), _aware(last), user, action, n)
                  for user, action, n, first, last in grouped]
    # sorted() is stable: events at the same instant keep their recorded order.
    return instance, sorted(items, key=lambda i: i.at if isinstance(i, HistoryItem) else i.first)


def _aware(value: Any) -> datetime:
    """min()/max() bypass the column type, so SQLite returns naive UTC (or text): make it aware UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
