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

from .context import carried, carried_values, connection
from .models import AuditEvent, AuditEventContact, TaskIndex

# The actions that read (or, recording a call, show) taxpayers' personal data: the access log lists them.
ACCESS_ACTIONS = ("contacts_listed", "contact_viewed", "call_recorded", "call_samples_viewed", "access_log_viewed")


# Built once rather than per event.
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_SHOWN = insert(AuditEventContact)


def event_row(at: datetime, username: str, action: str, instance_id: int | None, campaign_id: int | None,
              task: TaskIndex | None = None, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """An audit row's values: who did what and when; a task event also keeps the task's ready and due times."""
    return {"instance_id": instance_id, "campaign_id": campaign_id, "at": at, "username": username, "action": action,
            "task_id": task.task_id if task else None, "task_bpmn_id": task.bpmn_id if task else None,
            "task_name": task.name if task else None, "task_ready_at": task.ready_at if task else None,
            "task_due_at": task.due_at if task else None, "task_form": task.form if task else None,
            "data": data or {}}


def audit(session: Session, at: datetime, username: str, action: str, instance_id: int | None,
          campaign_id: int | None, task: TaskIndex | None = None, data: dict[str, Any] | None = None) -> int:
    """Record who did what and when (``event_row``). Returns the event's id."""
    return write_event(session, event_row(at, username, action, instance_id, campaign_id, task, data))


def write_event(session: Session, row: dict[str, Any]) -> int:
    """Write an ``event_row`` at once, as a plain INSERT (no ORM object: the trail is only ever appended to)."""
    event_id: int = connection(session).execute(_INSERT_EVENT, row).scalar_one()
    return event_id


# The same row as a data-modifying WITH another statement carries (PostgreSQL; ``runtime.save_instance`` writes a
# completion's row in the state's UPDATE): one round trip fewer. Its values are bound as ``event_<column>``.
EVENT_WITH = insert(_EVENTS).values(carried_values(_EVENTS, "event", but=("id",))).cte("audit_event")


def event_params(row: dict[str, Any]) -> dict[str, Any]:
    """An ``event_row``'s values as EVENT_WITH binds them."""
    return carried("event", row)


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
