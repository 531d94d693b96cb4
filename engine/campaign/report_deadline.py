"""The report's deadline (SOP LIP20-0008, Jangka Waktu Penyelesaian angka 2): the execution report is made within
5 working days after the calls end.

The model computes it once, when step 5 ends (script task ``tetapkan_batas_laporan``: ``batas_laporan``), and gives
it as the due date of the report steps 6–8 (``dueDateVariable``) and to the boundary timer that escalates a breach.
So the task index holds it while the report is being made, and the audit trail keeps it with the signature (the
signing task's ``task_due_at``): both are read here in SQL, no workflow is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Campaign, Instance, TaskIndex

# The report steps whose due date is the report deadline (their ``view``); step 9 (``report_send``) is not.
DEADLINE_VIEWS = ("report_draft", "report_review", "report_sign")
SIGN_DECISION = "tandatangani"  # the Kepala Kantor's decision that signs the report (step 8)


@dataclass(frozen=True)
class OpenDeadline:
    """A report being made (steps 6–8), and when it must be signed."""

    campaign_id: int
    title: str
    instance_id: int
    due_at: datetime


@dataclass(frozen=True)
class Breach:
    """A deadline that passed without a signature: signed later (``signed_at``) or not signed yet (None)."""

    campaign_id: int
    title: str
    due_at: datetime
    signed_at: datetime | None


def open_deadlines(session: Session) -> list[OpenDeadline]:
    """The deadline of every report not signed yet, soonest first."""
    due = func.min(TaskIndex.due_at)
    rows = session.execute(
        select(Campaign.id, Campaign.title, Instance.id, due)
        .join(Instance, Instance.id == TaskIndex.instance_id).join(Campaign, Campaign.id == Instance.campaign_id)
        .where(TaskIndex.view.in_(DEADLINE_VIEWS), TaskIndex.due_at.is_not(None))
        .group_by(Campaign.id, Campaign.title, Instance.id).order_by(due, Campaign.id))
    return [OpenDeadline(cid, title, iid, at) for cid, title, iid, at in rows if at is not None]


def breaches(session: Session, since: datetime, now: datetime, unsigned: list[OpenDeadline]) -> list[Breach]:
    """The deadlines that fell in [``since``, ``now``) and passed unsigned: reports signed after their deadline, and
    reports still unsigned (``unsigned``: ``open_deadlines``). A breach counts once, when its deadline fell."""
    signed = session.execute(
        select(Campaign.id, Campaign.title, AuditEvent.task_due_at, AuditEvent.at)
        .join(Campaign, Campaign.id == AuditEvent.campaign_id)
        .where(AuditEvent.action == "task_completed", AuditEvent.data["keputusan"].as_string() == SIGN_DECISION,
               AuditEvent.task_due_at >= since, AuditEvent.task_due_at < now,
               AuditEvent.at > AuditEvent.task_due_at))
    late = [Breach(cid, title, due, at) for cid, title, due, at in signed if due is not None]
    passed = [Breach(d.campaign_id, d.title, d.due_at, None) for d in unsigned if since <= d.due_at < now]
    return sorted(late + passed, key=lambda b: (b.due_at, b.campaign_id))
