"""Instance pages: status, current tasks, audit trail; comments on tasks; notifications."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .campaigns import STAFF_ROLES
from .context import Context
from .errors import InvalidInput, NotAllowed, NotFound
from .models import AuditEvent, Campaign, Instance, Notification, TaskComment, TaskIndex, User
from .tasks import CommentView, TaskView, authorize, comments_of, task_view
from .users import get_user

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
    history: tuple[HistoryItem, ...]
    comments: tuple[CommentView, ...]


def readable_instance(session: Session, user: User, instance_id: int) -> Instance:
    row = session.get(Instance, instance_id)
    if row is None:
        raise NotFound(f"Instans proses {instance_id} tidak ditemukan.")
    if not user.role_names & STAFF_ROLES:
        campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
        if campaign is None or campaign.created_by != user.username:
            raise NotAllowed("Anda hanya dapat melihat proses kampanye yang Anda ajukan.")
    return row


def internal_view(user: User) -> bool:
    """KLIP staff see decisions, notes and comments; the requesting unit sees who did what and when."""
    return bool(user.role_names & STAFF_ROLES)


def get_instance(ctx: Context, username: str, instance_id: int) -> InstanceView:
    """Everything the instance page shows, without deserializing the workflow."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        row = readable_instance(session, user, instance_id)
        internal = internal_view(user)
        campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
        tasks = session.scalars(select(TaskIndex).where(TaskIndex.instance_id == instance_id)
                                .order_by(TaskIndex.ready_at)).all()
        events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                 .order_by(AuditEvent.id)).all()
        return InstanceView(
            row.id, row.campaign_id, campaign.title if campaign else "", row.status, row.version_id,
            row.version.sha256, row.created_at, row.completed_at, row.next_timer_at,
            tuple(task_view(t, row.campaign_id, ctx.now()) for t in tasks),
            tuple(HistoryItem(e.at, e.username, e.action, e.task_name, e.data if internal else {}) for e in events),
            comments_of(session, instance_id) if internal else ())


def instance_for_campaign(ctx: Context, username: str, campaign_id: int) -> int:
    """The process instance of a campaign the user may see."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        found = session.scalars(select(Instance.id).where(Instance.campaign_id == campaign_id)).first()
        if found is None:
            raise NotFound(f"Kampanye {campaign_id} tidak memiliki instans proses.")
        readable_instance(session, user, found)
        return found


def add_comment(ctx: Context, username: str, task_id: str, text: str) -> CommentView:
    """A note on a task the user may work; the next people in the flow see it on their task pages."""
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput("Komentar tidak valid.", {"text": f"wajib diisi, paling panjang {MAX_COMMENT} karakter"})
    with ctx.transaction() as session:
        _, row = authorize(session, username, task_id)
        comment = TaskComment(instance_id=row.instance_id, task_id=task_id, task_name=row.name,
                              username=username, at=ctx.now(), text=text)
        session.add(comment)
        return CommentView(comment.at, username, row.name, text)


@dataclass(frozen=True)
class NotificationView:
    id: int
    at: datetime
    message: str
    instance_id: int | None
    read: bool


def notifications(ctx: Context, username: str, unread_only: bool = False) -> list[NotificationView]:
    with ctx.transaction() as session:
        user = get_user(session, username)
        query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return [NotificationView(n.id, n.created_at, n.message, n.instance_id, n.read_at is not None)
                for n in session.scalars(query.limit(100))]


def mark_read(ctx: Context, username: str, notification_id: int) -> None:
    with ctx.transaction() as session:
        user = get_user(session, username)
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != user.id:
            raise NotFound("Pemberitahuan tidak ditemukan.")
        note.read_at = note.read_at or ctx.now()
