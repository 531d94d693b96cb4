"""The audit trail: one append-only row per thing that happened, written in the caller's transaction.

The database refuses to change or delete a row of it (``engine.append_only``). Every read of taxpayers' personal
data (UU PDP) is one of its rows too (``record_access``), with the contacts it showed, written in the transaction
of the read: no data is shown whose access was not recorded.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from .context import connection
from .models import AuditEvent, AuditEventContact, TaskIndex

# The actions that read (or, recording a call, show) taxpayers' personal data: the access log lists them.
ACCESS_ACTIONS = ("contacts_listed", "contact_viewed", "call_recorded", "call_samples_viewed", "access_log_viewed")


# Built once rather than per event.
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_SHOWN = insert(AuditEventContact)


def audit(session: Session, at: datetime, username: str, action: str, instance_id: int | None,
          campaign_id: int | None, task: TaskIndex | None = None, data: dict[str, Any] | None = None) -> int:
    """Record who did what and when; a task event also keeps the task's ready and due times. Returns the event's id.

    Written at once, as a plain INSERT (no ORM object: the trail is only ever appended to)."""
    event_id: int = connection(session).execute(_INSERT_EVENT, {
        "instance_id": instance_id, "campaign_id": campaign_id, "at": at, "username": username, "action": action,
        "task_id": task.task_id if task else None, "task_bpmn_id": task.bpmn_id if task else None,
        "task_name": task.name if task else None, "task_ready_at": task.ready_at if task else None,
        "task_due_at": task.due_at if task else None, "task_form": task.form if task else None,
        "data": data or {}}).scalar_one()
    return event_id


def record_access(session: Session, at: datetime, username: str, action: str, campaign_id: int | None,
                  contact_ids: Iterable[int], data: dict[str, Any] | None = None) -> int:
    """Record that ``username`` was shown the personal data of ``contact_ids`` (one of ACCESS_ACTIONS); return the
    event's id. Written as rows (``INSERT … RETURNING``), not an ORM object: no flush of its own."""
    assert action in ACCESS_ACTIONS, action
    conn = connection(session)  # events added before this one are flushed first: they keep their order
    event_id: int = conn.execute(_INSERT_EVENT, {
        "campaign_id": campaign_id, "at": at, "username": username, "action": action, "data": data or {}}).scalar_one()
    shown = list(dict.fromkeys(contact_ids))
    if shown:
        conn.execute(_INSERT_SHOWN, [{"event_id": event_id, "contact_id": c} for c in shown])
    return event_id
