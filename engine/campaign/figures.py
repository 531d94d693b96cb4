"""Figures of the Laporan Pelaksanaan Layanan Penyampaian Informasi Perpajakan, aggregated in SQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..i18n import N_
from ..models import CallAttempt, Campaign, Contact
from .outcomes import OUTCOMES, REACHED_OUTCOMES


def compute_figures(session: Session, campaign_id: int) -> dict[str, Any]:
    """Return the campaign's figures as a JSON-able dict (counts per outcome, per agent, reach rate)."""
    if session.get(Campaign, campaign_id) is None:
        raise NotFound(N_("Kampanye tidak ditemukan"))
    by_agent = _by_agent(session, campaign_id)
    contacts = sum(a["contacts"] for a in by_agent)
    reached = sum(a["reached"] for a in by_agent)
    final = sum(a["final"] for a in by_agent)
    attempts_by_outcome = _attempts_by_outcome(session, campaign_id)
    return {
        "contacts": contacts,
        "reached": reached,
        "not_reached": contacts - reached,
        "final": final,
        "open": contacts - final,
        "attempts": sum(attempts_by_outcome.values()),
        "reach_rate": reach_rate(reached, contacts),
        "by_outcome": _contacts_by_final_outcome(session, campaign_id),
        "attempts_by_outcome": attempts_by_outcome,
        "by_agent": by_agent,
        "callbacks_open": _callbacks_open(session, campaign_id),
    }


def reach_rate(reached: int, contacts: int) -> float:
    """The report's reach rate (tingkat keterhubungan): contacts whose final outcome reached the right party, over
    all contacts of the campaign (0 without contacts). The dashboard shows the same figure."""
    return round(reached / contacts, 4) if contacts else 0.0


def _callbacks_open(session: Session, campaign_id: int) -> int:
    """Open contacts waiting for the callback their taxpayer asked for."""
    return session.scalar(select(func.count(Contact.id)).where(
        Contact.campaign_id == campaign_id, Contact.final_outcome.is_(None), Contact.callback_at.is_not(None))) or 0


def _reached_flag() -> Any:
    return case((Contact.final_outcome.in_(sorted(REACHED_OUTCOMES)), 1), else_=0)


def _by_agent(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Per agent (None = not distributed): contacts, call attempts, reached and closed contacts."""
    query: Select[str | None, int, int, int, int] = (
        select(
            Contact.agent,
            func.count(Contact.id),
            func.coalesce(func.sum(Contact.attempts), 0),
            func.coalesce(func.sum(_reached_flag()), 0),
            func.count(Contact.final_outcome),
        )
        .where(Contact.campaign_id == campaign_id)
        .group_by(Contact.agent)
    )
    rows = session.execute(query).all()
    figures = [
        {"agent": agent, "contacts": n, "attempts": int(attempts), "reached": int(reached), "final": final}
        for agent, n, attempts, reached, final in rows
    ]
    return sorted(figures, key=lambda f: (f["agent"] is None, f["agent"] or ""))


def _contacts_by_final_outcome(session: Session, campaign_id: int) -> dict[str, int]:
    """Contacts per final outcome; every known outcome is listed, zero included."""
    rows = session.execute(
        select(Contact.final_outcome, func.count(Contact.id))
        .where(Contact.campaign_id == campaign_id, Contact.final_outcome.is_not(None))
        .group_by(Contact.final_outcome)
    ).all()
    return _with_all_outcomes(rows)


def _attempts_by_outcome(session: Session, campaign_id: int) -> dict[str, int]:
    """Call attempts per outcome; every known outcome is listed, zero included."""
    rows = session.execute(
        select(CallAttempt.outcome, func.count(CallAttempt.id))
        .where(CallAttempt.campaign_id == campaign_id)
        .group_by(CallAttempt.outcome)
    ).all()
    return _with_all_outcomes(rows)


def _with_all_outcomes(rows: Any) -> dict[str, int]:
    counts = {code: 0 for code in OUTCOMES}
    for code, n in rows:
        counts[code] = n  # an unknown stored code is kept rather than silently dropped
    return counts
