"""The audit trail: one append-only row per thing that happened, written in the caller's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEvent, TaskIndex


def audit(session: Session, at: datetime, username: str, action: str, instance_id: int | None,
          campaign_id: int | None, task: TaskIndex | None = None, data: dict[str, Any] | None = None) -> None:
    """Record who did what and when; a task event also keeps the task's ready and due times."""
    session.add(AuditEvent(instance_id=instance_id, campaign_id=campaign_id, at=at, username=username,
                           action=action, task_id=task.task_id if task else None,
                           task_bpmn_id=task.bpmn_id if task else None, task_name=task.name if task else None,
                           task_ready_at=task.ready_at if task else None, task_due_at=task.due_at if task else None,
                           task_form=task.form if task else None,
                           data=data or {}))
