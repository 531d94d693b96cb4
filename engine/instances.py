"""Instance services: status, current tasks, audit trail; comments on tasks; notifications."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import access
from .access import Who
from .context import Context
from .errors import InvalidInput, NotFound
from .i18n import N_
from .models import AuditEvent, Campaign, Instance, Notification, TaskComment, TaskIndex, User
from .notifications import text_of
from .tasks import CommentView, TaskView, comments_of, task_view

MAX_COMMENT = 4000


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    username: str
    action: str
    task_name: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class InstanceView:
    id: int
    campaign_id: int | None
    campaign_title: str
    status: str
    version_id: int
    version_sha256: str
    created_at: datetime
    completed_at: datetime | None
    next_timer_at: datetime | None
    tasks: tuple[TaskView, ...]
    workable: frozenset[str]  # ids of the current tasks the viewer may work
    history: tuple[HistoryItem, ...]
    comments: tuple[CommentView, ...]


def history_item(event: AuditEvent, internal: bool) -> HistoryItem:
    """An audit event as the viewer may see it: KLIP staff see its data, the requesting unit does not."""
    return HistoryItem(event.at, event.username, event.action, event.task_name, event.data if internal else {})


def instance_view(session: Session, user: User, row: Instance, now: datetime, history: bool = True) -> InstanceView:
    """The instance as the user may see it, without deserializing the workflow (``history``: its own events)."""
    internal = access.is_internal(user)
    campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
    tasks = session.scalars(select(TaskIndex).where(TaskIndex.instance_id == row.id)
                            .order_by(TaskIndex.ready_at)).all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == row.id)
                             .order_by(AuditEvent.id)).all() if history else []
    return InstanceView(
        row.id, row.campaign_id, campaign.title if campaign else "", row.status, row.version_id,
        row.version.sha256, row.created_at, row.completed_at, row.next_timer_at,
        tuple(task_view(t, row.campaign_id, now) for t in tasks),
        frozenset(t.task_id for t in tasks if access.may_work(user, t)),
        tuple(history_item(e, internal) for e in events),
        comments_of(session, row.id) if internal else ())


def get_instance(ctx: Context, who: Who, instance_id: int) -> InstanceView:
    with access.acting(ctx, who) as (session, user):
        return instance_view(session, user, access.readable_instance(session, user, instance_id), ctx.now())


def add_comment(ctx: Context, who: Who, task_id: str, text: str) -> CommentView:
    """A note on a task the user may work; the next people in the flow see it on their task pages."""
    text = (text or "").strip()
    with access.acting(ctx, who) as (session, user):
        row = access.authorize_task(session, user, task_id)
        if not text or len(text) > MAX_COMMENT:
            raise InvalidInput(N_("Komentar tidak valid."),
                               {"text": N_("wajib diisi, paling panjang {n} karakter", n=MAX_COMMENT)})
        comment = TaskComment(instance_id=row.instance_id, task_id=task_id, task_name=row.name,
                              username=user.username, at=ctx.now(), text=text)
        session.add(comment)
        return CommentView(comment.at, user.username, row.name, text)


@dataclass(frozen=True)
class NotificationView:
    id: int
    at: datetime
    message: str  # in Bahasa Indonesia, as written when it was sent
    instance_id: int | None
    read: bool
    kind: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    url: str | None = None  # where to go: the task, the contact, the campaign

    def text(self, lang: str) -> str:
        """The notification in ``lang`` (its stored text when its kind is not known)."""
        return text_of(self.kind, self.params, lang) if self.kind else self.message


def notifications(ctx: Context, who: Who, unread_only: bool = False, limit: int = 100) -> list[NotificationView]:
    """The user's notifications, newest first."""
    with access.acting(ctx, who) as (session, user):
        query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return [NotificationView(n.id, n.created_at, n.message, n.instance_id, n.read_at is not None, n.kind,
                                 dict(n.params or {}), n.url) for n in session.scalars(query.limit(limit))]


def mark_read(ctx: Context, who: Who, notification_id: int) -> None:
    with access.acting(ctx, who) as (session, user):
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != user.id:
            raise NotFound(N_("Pemberitahuan tidak ditemukan."))
        note.read_at = note.read_at or ctx.now()
