"""Read model of the dashboard: the office's campaigns, calls, agents' load, overdue tasks and report deadlines (for
those who run the campaigns), and the agents' approved quality scores (for them and PKL).

Every figure is an SQL aggregate (counts and sums grouped in the database; no contact is loaded), all in one
transaction. Its roles see every campaign (``access.DASHBOARD_ROLES`` ⊆ ``access.OFFICE_ROLES``), so it counts the
whole office. Days are office days (``KLIP_TIMEZONE``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..campaign import contacts, figures, report_deadline
from ..context import Context
from ..errors import InvalidInput
from ..i18n import N_
from ..models import CallAttempt, Campaign, CampaignStatus, Contact, Instance, QaResult, TaskIndex, User, UserRole
from ..users import full_names
from ..workdays import load_calendar
from .campaigns import status_rank

DAY_CHOICES = (7, 14, 30)  # the periods of the calls-per-day chart
DEFAULT_DAYS = 14
MAX_CAMPAIGNS = 100  # rows of the campaign table (the campaign list has them all)
MAX_OVERDUE = 50  # rows of the overdue-task table (the most overdue first)
AGENT_ROLE = "agen"


@dataclass(frozen=True)
class StatusFigures:
    """Campaigns in one status, and the progress of their contacts."""

    status: str
    campaigns: int
    contacts: int
    final: int  # contacts with a final outcome

    @property
    def progress(self) -> float:
        return self.final / self.contacts if self.contacts else 0.0


@dataclass(frozen=True)
class CampaignFigures:
    """One campaign's progress and reach rate (the report's definition, ``figures.reach_rate``)."""

    id: int
    title: str
    status: str
    contacts: int
    final: int
    reached: int
    attempts: int

    @property
    def progress(self) -> float:
        return self.final / self.contacts if self.contacts else 0.0

    @property
    def reach_rate(self) -> float:
        return figures.reach_rate(self.reached, self.contacts)


@dataclass(frozen=True)
class DayCalls:
    day: date  # office date
    calls: int  # call attempts recorded that day


@dataclass(frozen=True)
class AgentLoad:
    username: str
    name: str
    open_contacts: int  # not closed, in campaigns now calling (penyampaian)
    calls_today: int
    campaigns: int  # campaigns now calling in which they hold contacts


@dataclass(frozen=True)
class OverdueTask:
    task_id: str
    name: str
    instance_id: int
    campaign_id: int | None
    campaign_title: str
    role: str | None  # the lane's role
    assignee: str | None
    assignee_name: str | None
    due_at: datetime
    workable: bool  # the user may work it (its link opens the task; else the process page)


@dataclass(frozen=True)
class ReportDeadline:
    campaign_id: int
    title: str
    instance_id: int
    due_at: datetime
    working_days_left: int  # working days after today up to the deadline's day (negative: that many late)
    passed: bool


@dataclass(frozen=True)
class AgentQuality:
    username: str
    name: str
    average: float  # mean score of their approved assessments, 0–100
    results: int  # approved assessments (one per campaign)
    calls: int  # recorded calls those assessments sampled
    last_approved_at: datetime


@dataclass(frozen=True)
class Operations:
    statuses: tuple[StatusFigures, ...]  # every status, in process order
    campaigns: tuple[CampaignFigures, ...]  # unfinished, and finished this month (at most MAX_CAMPAIGNS)
    campaigns_total: int
    calls_per_day: tuple[DayCalls, ...]  # oldest first, today last
    agents: tuple[AgentLoad, ...]
    overdue: tuple[OverdueTask, ...]  # at most MAX_OVERDUE
    overdue_total: int
    deadlines: tuple[ReportDeadline, ...]  # reports not signed yet, soonest first
    breaches: tuple[report_deadline.Breach, ...]  # report deadlines of this month that passed unsigned
    month_start: datetime

    @property
    def calls_total(self) -> int:
        return sum(d.calls for d in self.calls_per_day)


@dataclass(frozen=True)
class Dashboard:
    at: datetime
    days: int
    operations: Operations | None  # None: not for this user
    quality: tuple[AgentQuality, ...] | None  # None: not for this user


def dashboard_page(ctx: Context, who: Who, days: int = DEFAULT_DAYS) -> Dashboard:
    """The dashboard parts the user may see, built in one transaction."""
    with access.acting(ctx, who) as (session, user):
        return dashboard_of(ctx, session, user, days)


def dashboard_of(ctx: Context, session: Session, user: User, days: int = DEFAULT_DAYS) -> Dashboard:
    """``dashboard_page`` in the caller's transaction (the dashboard's workbook reuses it)."""
    parts = access.dashboard_parts(user)
    if days not in DAY_CHOICES:
        raise InvalidInput(N_("Periode tidak dikenal."), {"days": N_("Pilih {choices} hari.", choices=DAY_CHOICES)})
    now = ctx.now()
    operations = _operations(ctx, session, user, now, days) if parts.operations else None
    return Dashboard(now, days, operations, _quality(session) if parts.quality else None)


def _office(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office_timezone)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """The moment an office day begins, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def _operations(ctx: Context, session: Session, user: User, now: datetime, days: int) -> Operations:
    zone = _office(ctx)
    today = now.astimezone(zone).date()
    month_start = _start_of(today.replace(day=1), zone)
    campaigns, total = _campaigns(session, month_start)
    overdue, overdue_total = _overdue(session, user, now)
    unsigned = report_deadline.open_deadlines(session)
    return Operations(
        _statuses(session), campaigns, total, _calls_per_day(session, today, days, zone),
        _agents(session, now, _start_of(today, zone)), overdue, overdue_total,
        _deadlines(ctx, session, unsigned, now, today, zone),
        tuple(report_deadline.breaches(session, month_start, now, unsigned)), month_start)


def _statuses(session: Session) -> tuple[StatusFigures, ...]:
    rows: list[Any] = list(session.execute(
        select(Campaign.status, func.count(func.distinct(Campaign.id)), func.count(Contact.id),
               func.count(Contact.final_outcome))
        .outerjoin(Contact, Contact.campaign_id == Campaign.id).group_by(Campaign.status)))
    found = {status: (int(n), int(c), int(f)) for status, n, c, f in rows}
    codes = [s.value for s in CampaignStatus] + sorted(set(found) - {s.value for s in CampaignStatus})
    return tuple(StatusFigures(code, *found.get(code, (0, 0, 0))) for code in codes)


def _campaigns(session: Session, month_start: datetime) -> tuple[tuple[CampaignFigures, ...], int]:
    """Unfinished campaigns and those finished this month, in process order, with their progress."""
    finished = Campaign.id.in_(select(Instance.campaign_id).where(Instance.completed_at >= month_start))
    shown = or_(Campaign.status != CampaignStatus.SELESAI.value, finished)
    total = session.scalar(select(func.count(Campaign.id)).where(shown)) or 0
    rows = session.execute(select(Campaign.id, Campaign.title, Campaign.status).where(shown)
                           .order_by(status_rank(), Campaign.id.desc()).limit(MAX_CAMPAIGNS)).all()
    progress = contacts.progress_by_campaign(session.connection(), [row.id for row in rows])
    return tuple(CampaignFigures(row.id, row.title, row.status, *(progress[row.id][k] for k in (
        "contacts", "final", "reached", "attempts"))) for row in rows), total


def _calls_per_day(session: Session, today: date, days: int, zone: ZoneInfo) -> tuple[DayCalls, ...]:
    """Call attempts per office day, the last ``days`` days: one scan, one sum per day."""
    dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    bounds = [_start_of(d, zone) for d in [*dates, today + timedelta(days=1)]]
    sums = [func.coalesce(func.sum(case((and_(CallAttempt.at >= lo, CallAttempt.at < hi), 1), else_=0)), 0)
            for lo, hi in zip(bounds, bounds[1:], strict=False)]
    row: Any = session.execute(select(*sums).where(CallAttempt.at >= bounds[0], CallAttempt.at < bounds[-1])).one()
    return tuple(DayCalls(d, int(n)) for d, n in zip(dates, row, strict=True))


def _agents(session: Session, now: datetime, today_start: datetime) -> tuple[AgentLoad, ...]:
    """Every active agent (idle ones too) and anyone else holding open contacts or calling today."""
    calling: list[Any] = list(session.execute(
        select(Contact.agent, func.count(case((Contact.final_outcome.is_(None), 1))),
               func.count(func.distinct(Contact.campaign_id)))
        .join(Campaign, Campaign.id == Contact.campaign_id)
        .where(Campaign.status == CampaignStatus.PENYAMPAIAN.value, Contact.agent.is_not(None))
        .group_by(Contact.agent)))
    load = {str(agent): (int(n_open), int(n_campaigns)) for agent, n_open, n_campaigns in calling}
    today = {str(agent): int(n) for agent, n in session.execute(
        select(CallAttempt.agent, func.count(CallAttempt.id))
        .where(CallAttempt.at >= today_start, CallAttempt.at <= now).group_by(CallAttempt.agent))}
    agents: set[str] = set(session.scalars(select(User.username).join(UserRole, UserRole.user_id == User.id)
                                 .where(UserRole.role == AGENT_ROLE, User.active.is_(True))))
    everyone: set[str] = agents | set(load) | set(today)
    names = full_names(session, everyone)
    usernames = sorted(everyone, key=lambda u: (str(names.get(u, u)).lower(), u))
    return tuple(AgentLoad(u, names.get(u, u), load.get(u, (0, 0))[0], today.get(u, 0), load.get(u, (0, 0))[1])
                 for u in usernames)


def _overdue(session: Session, user: User, now: datetime) -> tuple[tuple[OverdueTask, ...], int]:
    """READY tasks past their due date (task index), the most overdue first."""
    late = TaskIndex.due_at < now
    total = session.scalar(select(func.count(TaskIndex.task_id)).where(late)) or 0
    rows = session.execute(
        select(TaskIndex, Instance.campaign_id, Campaign.title)
        .join(Instance, Instance.id == TaskIndex.instance_id).outerjoin(Campaign, Campaign.id == Instance.campaign_id)
        .where(late).order_by(TaskIndex.due_at, TaskIndex.task_id).limit(MAX_OVERDUE)).all()
    names = full_names(session, [row.assignee for row, _, _ in rows])
    return tuple(OverdueTask(row.task_id, row.name, row.instance_id, cid, title or "", row.role, row.assignee,
                             names.get(row.assignee or "", row.assignee), row.due_at, access.may_work(user, row))
                 for row, cid, title in rows if row.due_at is not None), total


def _deadlines(ctx: Context, session: Session, unsigned: list[report_deadline.OpenDeadline], now: datetime,
               today: date, zone: ZoneInfo) -> tuple[ReportDeadline, ...]:
    """Each unsigned report's deadline with the working days left (the office's calendar)."""
    if not unsigned:
        return ()
    calendar = load_calendar(session, ctx.settings)
    return tuple(ReportDeadline(d.campaign_id, d.title, d.instance_id, d.due_at,
                                calendar.working_days_between(today, d.due_at.astimezone(zone).date()),
                                d.due_at <= now) for d in unsigned)


def _quality(session: Session) -> tuple[AgentQuality, ...]:
    """Per agent: the mean of their QA scores that the Kepala Seksi PKL approved."""
    rows: list[Any] = list(session.execute(
        select(QaResult.agent, func.avg(QaResult.score), func.count(QaResult.id),
               func.coalesce(func.sum(QaResult.calls), 0), func.max(QaResult.approved_at))
        .where(QaResult.approved_at.is_not(None), QaResult.score.is_not(None))
        .group_by(QaResult.agent)))
    names = full_names(session, [row[0] for row in rows])
    found = [AgentQuality(agent, names.get(agent, agent), float(avg), int(n), int(calls), last)
             for agent, avg, n, calls, last in rows]
    return tuple(sorted(found, key=lambda q: (q.name.lower(), q.username)))
