"""Due dates counted in working days, moved when an administrator corrects the working-day calendar.

A task's due date is worked out once, when it becomes ready (``runtime._new_due_at``). When it is "N working days from
then" — the time standard ``mutuBakuWaktu`` "N hari kerja", or a ``dueDate`` of exactly ``add_working_days(now(), N)``
— a later correction of the calendar (a new cuti bersama, a Saturday made a working day) changes what it should be,
and ``reschedule_open_tasks`` works it out again from the same start. Due dates taken from a date someone chose
(``dueDateVariable``, e.g. the work plan's end date or the report deadline) or from any other expression stay.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bpmn_xml import BPMN, parse_xml
from ..models import Instance, TaskIndex
from ..settings import Settings
from ..workdays import deadline_at, load_calendar
from .loader import _properties
from .runtime import counted_working_days


@dataclass(frozen=True)
class Moved:
    """An open task whose due date a calendar correction moved (``task.due_at`` is the new one)."""

    task: TaskIndex
    campaign_id: int | None
    before: datetime


def working_day_counts(bpmn_xml: str) -> dict[str, int]:
    """User task id → N, for the tasks of a model whose due date is N working days from when they become ready."""
    tree, _ = parse_xml(bpmn_xml.encode(), "model")
    counts: dict[str, int] = {}
    for task in tree.iter(BPMN + "userTask") if tree is not None else ():
        days = counted_working_days(_properties(task))
        if days is not None:
            counts[str(task.get("id"))] = days
    return counts


def reschedule_open_tasks(session: Session, settings: Settings) -> list[Moved]:
    """Work out again, with the calendar as it is now, the due date of every ready task counted in working days;
    return those that moved (their new due date is already set)."""
    calendar = load_calendar(session, settings)
    counts: dict[int, dict[str, int]] = {}
    moved: list[Moved] = []
    rows = session.execute(select(TaskIndex, Instance).join(Instance, Instance.id == TaskIndex.instance_id)
                           .where(TaskIndex.due_at.is_not(None)).order_by(TaskIndex.ready_at))
    for row, instance in rows:
        if instance.version_id not in counts:
            counts[instance.version_id] = working_day_counts(instance.version.bpmn_xml)
        n = counts[instance.version_id].get(row.bpmn_id)
        if n is None or row.due_at is None:
            continue
        due = deadline_at(calendar, row.ready_at, n, settings)
        if due != row.due_at:
            moved.append(Moved(row, instance.campaign_id, row.due_at))
            row.due_at = due
    return moved
