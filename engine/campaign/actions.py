"""Domain actions named by a task's ``action`` property; they run in the completing task's transaction."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ..context import Context
from ..errors import InvalidInput
from ..models import Report, TaskIndex, User
from . import contacts, figures

Action = Callable[[Context, Session, int, TaskIndex, User, dict[str, Any]], dict[str, Any]]


def report_content(report: Report) -> bytes:
    """The canonical bytes of a report: what the Kepala Kantor signs and what the SHA-256 covers."""
    body = {"campaign_id": report.campaign_id, "figures": report.figures, "narrative": report.narrative,
            "drafted_by": report.drafted_by, "drafted_at": report.drafted_at.isoformat()}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _distribute(ctx: Context, session: Session, campaign_id: int, row: TaskIndex, user: User,
                data: dict[str, Any]) -> dict[str, Any]:
    return {"pembagian": contacts.distribute_contacts(session, campaign_id, list(data["agen"]))}


def _finish_assignment(ctx: Context, session: Session, campaign_id: int, row: TaskIndex, user: User,
                       data: dict[str, Any]) -> dict[str, Any]:
    return {"agen": row.assignee, "progres": contacts.progress(session, campaign_id, agent=row.assignee)}


def _draft_report(ctx: Context, session: Session, campaign_id: int, row: TaskIndex, user: User,
                  data: dict[str, Any]) -> dict[str, Any]:
    report = session.get(Report, campaign_id) or Report(campaign_id=campaign_id)
    report.figures = figures.compute_figures(session, campaign_id)
    report.narrative = dict(data)
    report.drafted_by, report.drafted_at = user.username, ctx.now()
    report.sha256 = report.signed_by = report.signed_at = None
    session.add(report)
    return {}


def _sign_report(ctx: Context, session: Session, campaign_id: int, row: TaskIndex, user: User,
                 data: dict[str, Any]) -> dict[str, Any]:
    if data.get("keputusan") != "tandatangani":
        return {}
    report = session.get(Report, campaign_id)
    if report is None:
        raise InvalidInput("Konsep laporan belum ada.", {"keputusan": "laporan belum disusun"})
    report.sha256 = hashlib.sha256(report_content(report)).hexdigest()
    report.signed_by, report.signed_at = user.username, ctx.now()
    return {"sha256_laporan": report.sha256}


def _send_report(ctx: Context, session: Session, campaign_id: int, row: TaskIndex, user: User,
                 data: dict[str, Any]) -> dict[str, Any]:
    report = session.get(Report, campaign_id)
    if report is None or report.signed_at is None:
        raise InvalidInput("Laporan belum ditandatangani Kepala Kantor.", {"nomor_surat": "laporan belum sah"})
    return {}


ACTIONS: dict[str, Action] = {
    "distribute_contacts": _distribute,
    "finish_assignment": _finish_assignment,
    "draft_report": _draft_report,
    "sign_report": _sign_report,
    "send_report": _send_report,
}


def run_action(name: str | None, ctx: Context, session: Session, campaign_id: int | None, row: TaskIndex,
               user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Run the action a completing task names (if any); return extra values to store with the task's data."""
    if not name or campaign_id is None:
        return {}
    return ACTIONS[name](ctx, session, campaign_id, row, user, data)
