"""Read models of the agents' quality assessment: the panels of its three steps and the results page."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..audit import record_access
from ..campaign.identifiers import mask_npwp
from ..campaign.outcomes import CONVERSATION_OUTCOMES
from ..context import Context
from ..models import CallAttempt, Campaign, Contact, Instance, QaResult, QaSample, User
from ..quality import SHEET_FIELD, Section, sections
from ..tasks import TaskDetail

QUALITY_VIEWS = frozenset({"qa_sample", "qa_score", "qa_review"})


@dataclass(frozen=True)
class SampleView:
    """A sampled call as the assessor hears it, with its score sheet as far as it is filled in."""

    id: int
    agent: str
    at: datetime
    taxpayer: str
    npwp: str  # masked
    phone: str
    outcome: str  # code (engine.campaign.OUTCOMES)
    notes: str  # the agent's notes on the call
    recording_ref: str
    duration_s: int | None
    scores: dict[str, int]  # section → points
    fatal: bool
    assessor_notes: str
    score: float | None  # 0–100 once scored
    contact_id: int  # the taxpayer called: showing the call shows its personal data (recorded: record_access)
    campaign_id: int


@dataclass(frozen=True)
class AgentResult:
    """An agent's assessment in one campaign."""

    agent: str
    name: str
    campaign_id: int
    campaign_title: str
    score: float | None
    calls: int
    feedback: str
    scored_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    samples: tuple[SampleView, ...]
    sections: tuple[Section, ...]  # of the score sheet it was scored with


@dataclass(frozen=True)
class Candidates:
    """Step 1: what an agent's sample is drawn from."""

    agent: str
    name: str
    conversations: int  # calls in which someone answered
    recorded: int  # of which have a recording reference


@dataclass(frozen=True)
class QualityPanel:
    """What a step of the assessment shows beside its form."""

    view: str
    sections: tuple[Section, ...]
    candidates: tuple[Candidates, ...] = ()  # qa_sample
    agent: str | None = None  # qa_score: the agent being scored
    agent_name: str = ""
    samples: tuple[SampleView, ...] = ()  # qa_score
    feedback: str = ""  # qa_score: the feedback given before a return
    results: tuple[AgentResult, ...] = ()  # qa_review


@dataclass(frozen=True)
class ResultsPage:
    """The results the user may read: an agent its own approved ones; the quality roles every one."""

    results: tuple[AgentResult, ...]
    own_only: bool
    campaign: int | None  # the filter


def _names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    return {u: n or u for u, n in session.execute(select(User.username, User.full_name)
                                                  .where(User.username.in_(wanted)))}


def _samples(session: Session, *clauses: Any) -> list[tuple[int, SampleView]]:
    """(instance id, sample) of the sampled calls matching ``clauses``, by agent and call time."""
    query = (select(QaSample, CallAttempt, Contact).join(CallAttempt, CallAttempt.id == QaSample.call_attempt_id)
             .join(Contact, Contact.id == CallAttempt.contact_id).where(*clauses)
             .order_by(QaSample.agent, CallAttempt.at, QaSample.id))
    return [(s.instance_id, SampleView(s.id, s.agent, a.at, c.name, mask_npwp(c.npwp), a.phone, a.outcome, a.notes,
                                       a.recording_ref, a.duration_s, dict(s.scores or {}), s.fatal, s.notes,
                                       s.score, c.id, s.campaign_id))
            for s, a, c in session.execute(query)]


def _results(session: Session, *clauses: Any) -> tuple[AgentResult, ...]:
    rows = list(session.execute(select(QaResult, Campaign.title).join(Campaign, Campaign.id == QaResult.campaign_id)
                                .where(*clauses).order_by(QaResult.id.desc())))
    by_result: dict[tuple[int, str], list[SampleView]] = defaultdict(list)
    instances = {r.instance_id for r, _ in rows}
    if instances:
        for instance_id, sample in _samples(session, QaSample.instance_id.in_(instances)):
            by_result[(instance_id, sample.agent)].append(sample)
    names = _names(session, (r.agent for r, _ in rows))
    sheets = {i: score_sheet(row.version.forms) for i in instances if (row := session.get(Instance, i)) is not None}
    return tuple(AgentResult(r.agent, names.get(r.agent, r.agent), r.campaign_id, title, r.score, r.calls, r.feedback,
                             r.scored_by, r.approved_by, r.approved_at, tuple(by_result[(r.instance_id, r.agent)]),
                             sheets.get(r.instance_id, ()))
                 for r, title in rows)


def _candidates(session: Session, campaign_id: int) -> tuple[Candidates, ...]:
    recorded = func.sum(case((CallAttempt.recording_ref != "", 1), else_=0))
    rows: Any = session.execute(select(CallAttempt.agent, func.count(CallAttempt.id), recorded)
                           .where(CallAttempt.campaign_id == campaign_id,
                                  CallAttempt.outcome.in_(sorted(CONVERSATION_OUTCOMES)))
                           .group_by(CallAttempt.agent).order_by(CallAttempt.agent)).all()
    names = _names(session, (str(agent) for agent, _, _ in rows))
    return tuple(Candidates(str(agent), names.get(str(agent), str(agent)), int(n), int(r or 0)) for agent, n, r in rows)


def _record_samples(session: Session, user: User, now: datetime, samples: Iterable[SampleView]) -> None:
    """The sampled calls shown name taxpayers and their numbers: one access record per campaign (UU PDP)."""
    by_campaign: dict[int, list[int]] = defaultdict(list)
    for sample in samples:
        by_campaign[sample.campaign_id].append(sample.contact_id)
    for campaign_id, contact_ids in sorted(by_campaign.items()):
        record_access(session, now, user.username, "call_samples_viewed", campaign_id, contact_ids)


def quality_panel(session: Session, user: User, now: datetime, detail: TaskDetail) -> QualityPanel | None:
    """The panel of a step of the assessment (the caller authorized the task); the calls it shows are recorded as
    an access to their taxpayers' data."""
    view, task = detail.task.view, detail.task
    if view not in QUALITY_VIEWS or task.campaign_id is None:
        return None
    if view == "qa_sample":
        return QualityPanel(view, (), candidates=_candidates(session, task.campaign_id))
    if view == "qa_score":
        sheet, agent = sections(detail.schema), str(detail.subject or "")
        result = session.scalars(select(QaResult).where(QaResult.instance_id == task.instance_id,
                                                        QaResult.agent == agent)).one_or_none()
        samples = tuple(s for _, s in _samples(session, QaSample.instance_id == task.instance_id,
                                               QaSample.agent == agent))
        _record_samples(session, user, now, samples)
        return QualityPanel(view, sheet, agent=agent, agent_name=_names(session, [agent]).get(agent, agent),
                            samples=samples, feedback=result.feedback if result else "")
    instance = session.get(Instance, task.instance_id)
    results = _results(session, QaResult.instance_id == task.instance_id)
    _record_samples(session, user, now, (s for r in results for s in r.samples))
    return QualityPanel(view, score_sheet(instance.version.forms if instance else {}), results=results)


def score_sheet(forms: dict[str, Any]) -> tuple[Section, ...]:
    """The sections of a version's scoring form (the form holding the list of scored calls)."""
    form: dict[str, Any] = next((f for f in forms.values() if SHEET_FIELD in f.get("properties", {})), {})
    return sections(form)


def quality_results(ctx: Context, who: Who, campaign: int | None = None) -> ResultsPage:
    """The assessment results the user may read, newest first (``campaign``: of one campaign)."""
    with access.acting(ctx, who) as (session, user):
        access.may_read_quality(user)
        clauses = [access.quality_filter(user)]
        if campaign is not None:
            clauses.append(QaResult.campaign_id == campaign)
        own_only = not user.role_names & access.QUALITY_ROLES
        results = _results(session, *clauses)
        _record_samples(session, user, ctx.now(), (s for r in results for s in r.samples))
        return ResultsPage(results, own_only, campaign)
