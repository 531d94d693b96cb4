"""The actions the agent-quality process names; they run in the completing task's transaction."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from ..actions import Action, ActionCall
from ..campaign.outcomes import CONVERSATION_OUTCOMES
from ..errors import InvalidInput, ProcessFailed
from ..i18n import N_
from ..models import CallAttempt, Campaign, Instance, QaResult, QaSample
from ..notifications import named, notify
from . import sampling, sheet

RESULTS_URL = "/penilaian-kualitas"  # where an agent reads its results


def _sample_calls(call: ActionCall) -> dict[str, Any]:
    """Draw each agent's sample (drawn again from scratch if the step is repeated)."""
    session, instance_id = call.session, call.row.instance_id
    session.execute(delete(QaResult).where(QaResult.instance_id == instance_id))
    session.execute(delete(QaSample).where(QaSample.instance_id == instance_id))
    rows = session.execute(select(CallAttempt.id, CallAttempt.agent, CallAttempt.recording_ref != "").where(
        CallAttempt.campaign_id == call.campaign_id, CallAttempt.outcome.in_(sorted(CONVERSATION_OUTCOMES))))
    chosen = sampling.choose((sampling.Candidate(i, a, bool(r)) for i, a, r in rows),
                             int(call.data["jumlah_per_agen"]), seed=f"{call.campaign_id}:{instance_id}")
    session.add_all(QaSample(campaign_id=call.campaign_id, instance_id=instance_id, agent=agent,
                             call_attempt_id=attempt_id, scores={}, fatal=False, notes="")
                    for agent, ids in chosen.items() for attempt_id in ids)
    return {"agen_dinilai": sorted(chosen), "jumlah_sampel": sum(len(ids) for ids in chosen.values())}


def _score_agent(call: ActionCall) -> dict[str, Any]:
    """Store one agent's score sheet: every sampled call scored once, the agent's mean and the feedback."""
    agent = call.subject
    if not agent:
        raise ProcessFailed(N_("Tugas '{task}' tidak menyebut agen yang dinilai (subjectVariable).",
                               task=call.row.name))
    session, instance_id = call.session, call.row.instance_id
    samples = {s.id: s for s in session.scalars(select(QaSample).where(
        QaSample.instance_id == instance_id, QaSample.agent == agent))}
    entries = list(call.data.get(sheet.SHEET_FIELD) or [])
    _check_entries(samples, entries)
    instance = session.get(Instance, instance_id)
    sections = sheet.sections(instance.version.forms.get(call.row.form or "", {}) if instance else {})
    now = call.ctx.now()
    for entry in entries:
        sample = samples[int(entry[sheet.SAMPLE_FIELD])]
        sample.scores = {s.name: int(entry.get(s.name) or 0) for s in sections}
        sample.fatal = bool(entry.get(sheet.FATAL_FIELD))
        sample.notes = str(entry.get(sheet.NOTES_FIELD) or "")
        sample.score = sheet.call_score(sections, entry)
        sample.scored_by, sample.scored_at = call.user.username, now
    result = session.scalars(select(QaResult).where(QaResult.instance_id == instance_id,
                                                    QaResult.agent == agent)).one_or_none()
    if result is None:
        result = QaResult(campaign_id=call.campaign_id, instance_id=instance_id, agent=agent)
        session.add(result)
    result.score = sheet.mean_score(s.score or 0.0 for s in samples.values())
    result.calls, result.feedback = len(samples), str(call.data.get(sheet.FEEDBACK_FIELD) or "")
    result.scored_by, result.scored_at = call.user.username, now
    result.approved_by = result.approved_at = None
    return {"agen": agent, "nilai_agen": result.score}


def _check_entries(samples: dict[int, QaSample], entries: list[dict[str, Any]]) -> None:
    """Every sampled call of the agent scored exactly once, and nothing else: each wrong entry is named."""
    fields: dict[str, str] = {}
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        sample_id = int(entry.get(sheet.SAMPLE_FIELD, 0))
        where = f"{sheet.SHEET_FIELD}/{index}/{sheet.SAMPLE_FIELD}"
        if sample_id not in samples:
            fields[where] = N_("panggilan {id} bukan sampel agen ini", id=sample_id)
        elif sample_id in seen:
            fields[where] = N_("panggilan {id} dinilai lebih dari sekali", id=sample_id)
        seen.add(sample_id)
    missing = sorted(set(samples) - seen)
    if missing:
        fields[sheet.SHEET_FIELD] = N_("panggilan sampel belum dinilai: {ids}", ids=[str(i) for i in missing])
    if fields:
        raise InvalidInput(N_("Lembar penilaian belum lengkap."), fields)


def _approve_assessment(call: ActionCall) -> dict[str, Any]:
    """Approved: every agent of the assessment sees its result and is told so. Returned: nothing changes yet."""
    if call.data.get("keputusan") != "setujui":
        return {}
    session, now = call.session, call.ctx.now()
    results = list(session.scalars(select(QaResult).where(QaResult.instance_id == call.row.instance_id)))
    campaign = session.get(Campaign, call.campaign_id)
    for result in results:
        result.approved_by, result.approved_at = call.user.username, now
        params = {"campaign": campaign.title if campaign else "", "calls": result.calls,
                  "score": "-" if result.score is None else f"{result.score:.1f}"}
        notify(session, call.ctx.settings, now, named(session, [result.agent]), "qa_published", params,
               ref=f"qa:{result.id}:{now.isoformat()}", url=RESULTS_URL, instance_id=call.row.instance_id)
    return {"disetujui_oleh": call.user.username}


ACTIONS: dict[str, Action] = {
    "sample_calls": _sample_calls,
    "score_agent": _score_agent,
    "approve_assessment": _approve_assessment,
}
