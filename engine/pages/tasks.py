"""Read models of the inbox and the task page, each built in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVarTuple, Unpack

from sqlalchemy import Connection, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from .. import access
from ..access import TaskScope, Who
from ..campaign.services import distribution_preview
from ..context import Context
from ..errors import InvalidInput
from ..models import AuditEvent, Campaign, Notification, TaskIndex, User
from ..tasks import Submission, TaskDetail, TaskView, overdue, task_detail
from ..users import Person, UserView, users_with_role, view
from .calls import CallListPage, call_list
from .listing import (
    DEFAULT_PER_PAGE,
    ListQuery,
    Paging,
    check_list_args,
    paging,
    search_clause,
    search_terms,
    search_values,
)
from .quality import QualityPanel, quality_panel
from .reports import ReportPage, report_of_campaign

ASSIGNMENT_PANEL_SIZE = 12  # contacts shown on the agent's step-5 task page (the call list has them all)
REPORT_VIEWS = frozenset({"report_draft", "report_review", "report_sign", "report_send"})
AGENT_ROLE = "agen"  # the role of the step-4 agent picker, whose choice the preview splits


Columns = TypeVarTuple("Columns")
MAX_FILTER_VALUE = 128  # characters of a step (bpmn id or name) or lane filter
MAX_CAMPAIGN_CHOICES = 100  # campaigns the inbox's campaign filter offers; beyond them, search their titles
# The user's unread notifications, built once (every inbox asks; building a statement costs more than running this one).
UNREAD = (select(func.count()).select_from(Notification)  # count(*): ix_notifications_user_read alone answers
          .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)))


class TaskSort(StrEnum):
    """The orders of a task list; each ends on the task id, so pages never overlap."""

    DUE = "due"  # due date (none last), then the longest waiting
    AGE = "age"  # the longest waiting first
    CAMPAIGN = "campaign"  # campaign title, then due date


@dataclass(frozen=True)
class TaskFilters:
    """What a task list is asked for: a search (task name, campaign title), filters, scope, order and page."""

    q: str = ""
    campaign: int | None = None  # campaign id
    step: str = ""  # the task's BPMN id (or its name)
    lane: str = ""
    scope: str = TaskScope.ALL
    sort: str = TaskSort.DUE
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def check(self) -> None:
        """InvalidInput naming each bad parameter (the API's 422; the web app only passes good values)."""
        fields = {name: f"paling panjang {MAX_FILTER_VALUE} karakter"
                  for name in ("step", "lane") if len(getattr(self, name)) > MAX_FILTER_VALUE}
        if self.campaign is not None and self.campaign < 1:
            fields["campaign"] = "harus berupa nomor kampanye"
        check_list_args(self.page, self.per_page, self.q,
                        {"scope": (self.scope, tuple(TaskScope)), "sort": (self.sort, tuple(TaskSort))}, fields)

    @property
    def narrowed(self) -> bool:
        """A search or a filter (beyond the scope tab) is applied."""
        return bool(self.q.strip() or self.campaign or self.step or self.lane)


@dataclass(frozen=True)
class TaskList:
    """One page of the tasks a user may work, as the API lists them."""

    tasks: tuple[TaskView, ...]
    paging: Paging
    campaign_titles: dict[int, str]  # of the page's tasks whose campaign the user may read


@dataclass(frozen=True)
class Inbox:
    scope: str
    tasks: tuple[TaskView, ...]  # the page shown
    counts: dict[str, int]  # tasks per scope tab, search and filters applied
    campaign_titles: dict[int, str]
    unread: int
    filters: TaskFilters
    paging: Paging
    campaigns: tuple[tuple[int, str], ...]  # the filter's choices: campaigns with work for the user, by title
    more_campaigns: bool  # more campaigns have work for the user than the filter offers
    steps: tuple[tuple[str, str], ...]  # (bpmn id, name)
    lanes: tuple[str, ...]


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail
    campaign_title: str
    role_holders: dict[str, tuple[UserView, ...]]
    prefill: dict[str, Any]
    assignment: CallListPage | None  # step 5: the agent's contacts and progress
    report: ReportPage | None  # steps 6–9: the report beside the form (step 9: the signed one)
    preview: dict[str, int] | None = None  # step 4: how the chosen agents would share the contacts
    preview_error: str = ""
    quality: QualityPanel | None = None  # the agents' quality assessment: its step's panel
    may_reassign: bool = False  # the viewer (the Kasi) may move this task to another holder


def _titles(session: Session, user: User, ids: set[int]) -> dict[int, str]:
    """Titles of the campaigns the user may read."""
    if not ids:
        return {}
    query = select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids), access.campaign_filter(user))
    return {cid: title for cid, title in session.execute(query)}


@dataclass(frozen=True)
class _Narrowing:
    """The shape of a search and filters (the scope tab apart): how many words, which filters; not their values."""

    terms: int
    campaign: bool
    step: bool
    lane: bool

    @classmethod
    def of(cls, filters: TaskFilters) -> _Narrowing:
        return cls(len(search_terms(filters.q)), filters.campaign is not None, bool(filters.step), bool(filters.lane))


def _values(user: Person, now: datetime, filters: TaskFilters) -> dict[str, Any]:
    """What the shaped statements below are run with: the user's, the search's and the filters' values."""
    return {**access.bound(user, now), **search_values(search_terms(filters.q)), "campaign": filters.campaign,
            "step": filters.step, "lane": filters.lane}


def _workable(query: Select[Unpack[Columns]], sight: access.CampaignSight,
              joined: bool = True) -> Select[Unpack[Columns]]:
    """``query`` over the user's workable tasks, joined (unless not ``joined``: no title is read) with their campaign
    when readable (the task index carries each task's campaign: no instance is looked up)."""
    query = query.select_from(TaskIndex).where(access.WORKABLE)
    if not joined or sight.every:  # a role that knows every campaign reads the title the index carries
        return query
    return query.outerjoin(Campaign, and_(Campaign.id == TaskIndex.campaign_id, access.campaign_clause(sight)))


def _title(sight: access.CampaignSight) -> Any:
    """The campaign title a task is shown, searched and sorted with: the index's for a role that knows every
    campaign, else its campaign's through ``_workable``'s join (none for a campaign the user may not know of)."""
    return TaskIndex.campaign_title if sight.every else Campaign.title


def _narrowing(shape: _Narrowing, sight: access.CampaignSight) -> list[Any]:
    """WHERE clauses of the search and the filters (the scope tab apart)."""
    clauses = [search_clause(shape.terms, TaskIndex.name, _title(sight))]
    if shape.campaign:
        clauses.append(TaskIndex.campaign_id == bindparam("campaign"))
    if shape.step:
        clauses.append(or_(TaskIndex.bpmn_id == bindparam("step"), TaskIndex.name == bindparam("step")))
    if shape.lane:
        clauses.append(TaskIndex.lane == bindparam("lane"))
    return clauses


def _order(sort: TaskSort, sight: access.CampaignSight) -> tuple[Any, ...]:
    due = (TaskIndex.due_at.asc().nulls_last(),)  # as ix_task_index_role_due reads it
    if sort is TaskSort.AGE:
        return TaskIndex.ready_at, *due, TaskIndex.task_id
    if sort is TaskSort.CAMPAIGN:
        title = _title(sight)
        return title.is_(None), func.lower(title), TaskIndex.campaign_id, *due, TaskIndex.ready_at, TaskIndex.task_id
    return *due, TaskIndex.ready_at, TaskIndex.task_id


# What a task list shows of each task: plain rows (no ORM object per row), read as TaskViews are.
TASK_COLUMNS = (TaskIndex.task_id, TaskIndex.instance_id, TaskIndex.bpmn_id, TaskIndex.name, TaskIndex.lane,
                TaskIndex.role, TaskIndex.assignee, TaskIndex.claimed_by, TaskIndex.form, TaskIndex.view,
                TaskIndex.due_at, TaskIndex.ready_at, TaskIndex.campaign_id)  # and the campaign's title (``_title``)
SHAPES = 256  # statements kept per list; shapes are few (rules × filters present × scope × sort)


@lru_cache(SHAPES)
def _tally_query(sight: access.CampaignSight, shape: _Narrowing, unread: bool) -> ListQuery:
    """Tasks per scope tab (search and filters applied inside the aggregates), grouped by step and lane; ``unread``:
    each group also carries the user's unread notifications (the inbox's, one statement less; computed once)."""
    narrowing = _narrowing(shape, sight)
    counts: list[Any] = [func.count(case((and_(*narrowing, access.scope_clause(scope)), 1))) for scope in TaskScope]
    if unread:
        counts.append(UNREAD.scalar_subquery())
    joined = bool(shape.terms)  # the search reads campaign titles
    return (_workable(select(TaskIndex.bpmn_id, TaskIndex.lane, func.min(TaskIndex.name), *counts), sight, joined)
            .group_by(TaskIndex.bpmn_id, TaskIndex.lane).order_by(func.min(TaskIndex.name)))


@lru_cache(SHAPES)
def _page_query(sight: access.CampaignSight, shape: _Narrowing, scope: TaskScope, sort: TaskSort) -> ListQuery:
    return (_workable(select(*TASK_COLUMNS, _title(sight)), sight).where(*_narrowing(shape, sight),
                                                                        access.scope_clause(scope))
            .order_by(*_order(sort, sight)).limit(bindparam("limit")).offset(bindparam("offset")))


@dataclass(frozen=True)
class _Tally:
    """What one aggregate over the user's workable tasks tells: tasks per scope tab (search and filters applied),
    and the steps and lanes of all of them (what the inbox's filters offer)."""

    counts: dict[str, int]
    steps: tuple[tuple[str, str], ...]  # (bpmn id, name), by name
    lanes: tuple[str, ...]
    unread: int | None  # the user's unread notifications, when asked for and the user has work (else not read)


def _tally(conn: Connection, query: ListQuery, values: dict[str, Any]) -> _Tally:
    """Counts per scope tab and the filters' steps and lanes in one query, grouped by step and lane (a handful of
    groups): the search and filters narrow the counts inside the aggregates, so the steps and lanes stay those of
    all the user's work."""
    counts: dict[str, int] = dict.fromkeys(TaskScope, 0)
    steps, lanes = dict[str, str](), set[str]()
    unread = None
    rows: Any = conn.execute(query, values)
    for bpmn_id, lane, name, *per_scope in rows:
        steps.setdefault(bpmn_id, name)  # groups come by name: a step's first group holds its first name
        lanes.update([lane] if lane else [])
        for scope, n in zip(TaskScope, per_scope, strict=False):  # an unread count, if any, comes after the scopes
            counts[scope] += int(n)
        if len(per_scope) > len(TaskScope):
            unread = int(per_scope[-1])
    return _Tally(counts, tuple(steps.items()), tuple(sorted(lanes)), unread)


def _task_page(conn: Connection, user: Person, now: datetime, filters: TaskFilters, clamp: bool,
               unread: bool = False) -> tuple[tuple[TaskView, ...], dict[int, str], _Tally, Paging]:
    """One page of the workable tasks (filter, count, order, limit in SQL; no workflow is loaded); ``unread``: the
    tally reads the user's unread notifications too."""
    sight, shape, values = access.campaign_sight(user), _Narrowing.of(filters), _values(user, now, filters)
    tally = _tally(conn, _tally_query(sight, shape, unread), {**values, "user_id": user.id} if unread else values)
    scope = TaskScope(filters.scope)
    shown = paging(filters.page, filters.per_page, tally.counts[scope], clamp)
    rows = conn.execute(_page_query(sight, shape, scope, TaskSort(filters.sort)),
                        {**values, "limit": shown.per_page, "offset": shown.offset}).all()
    titles = {row[-2]: row[-1] for row in rows if row[-2] is not None and row[-1] is not None}
    return tuple(_listed(row, now) for row in rows), titles, tally, shown


def _listed(row: tuple[Any, ...], now: datetime) -> TaskView:
    """The TaskView of a row of TASK_COLUMNS and the title (unpacked by position: reading 14 columns by name costs
    more)."""
    task_id, instance_id, bpmn_id, name, lane, role, assignee, claimed_by, form, view_name, due_at, ready_at, \
        campaign_id, _campaign_title = row
    return TaskView(task_id, instance_id, campaign_id, bpmn_id, name, lane, role, assignee, claimed_by, form,
                    view_name, due_at, ready_at, overdue(due_at, now))


def task_list(ctx: Context, who: Who, filters: TaskFilters | None = None, clamp: bool = False) -> TaskList:
    """A page of the READY tasks the user may work; InvalidInput naming a bad parameter."""
    filters = filters or TaskFilters()
    filters.check()
    with access.reading(ctx, who) as (conn, user):
        tasks, titles, _, shown = _task_page(conn, user, ctx.now(), filters, clamp)
    return TaskList(tasks, shown, titles)


@lru_cache(SHAPES)
def _choices_query(sight: access.CampaignSight) -> Select[int | None, str | None]:
    """The campaigns with work for the user, by title (one more than are offered: "there are more"): read from
    ix_task_index_role_campaigns alone, which holds a lane's campaigns in this order, so the statement stops after as
    many campaigns as it offers (each task row carries its campaign's title)."""
    title_key = func.lower(TaskIndex.campaign_title)  # the index's expression, written alike
    query = select(TaskIndex.campaign_id, func.min(TaskIndex.campaign_title)).where(  # a row without a title: not
        access.WORKABLE, TaskIndex.campaign_id.is_not(None), TaskIndex.campaign_title.is_not(None))  # offered
    if not sight.every:  # the campaigns the user may know of (an office role knows every one)
        query = query.where(TaskIndex.campaign_id.in_(select(Campaign.id).where(access.campaign_clause(sight))))
    return (query.group_by(title_key, TaskIndex.campaign_id).order_by(title_key, TaskIndex.campaign_id)
            .limit(MAX_CAMPAIGN_CHOICES + 1))


def _campaign_choices(conn: Connection, user: Person, now: datetime) -> tuple[tuple[int, str], ...]:
    """The campaigns the inbox's campaign filter offers."""
    rows: Any = conn.execute(_choices_query(access.campaign_sight(user)), access.bound(user, now)).all()
    return tuple((cid, title) for cid, title in rows)  # fetched at once: iterating the result fetched row by row


def inbox(ctx: Context, who: Who, filters: TaskFilters | None = None) -> Inbox:
    """A page of the user's READY tasks (search, filters, scope tab, order), the count per tab with the same
    search and filters, the filters' choices and the unread notifications; a page past the last shows the last."""
    filters = filters or TaskFilters()
    filters.check()
    with access.reading(ctx, who) as (conn, user):
        tasks, titles, tally, shown = _task_page(conn, user, ctx.now(), filters, clamp=True, unread=True)
        campaigns = _campaign_choices(conn, user, ctx.now())
        unread = (tally.unread if tally.unread is not None  # no work: the tally had no row to carry it
                  else conn.scalar(UNREAD, {"user_id": user.id}) or 0)
    return Inbox(filters.scope, tasks, tally.counts, titles, unread, filters, shown, campaigns[:MAX_CAMPAIGN_CHOICES],
                 len(campaigns) > MAX_CAMPAIGN_CHOICES, tally.steps, tally.lanes)


def _roles_in(schema: dict[str, Any]) -> set[str]:
    return {prop["x-role"] for prop in schema.get("properties", {}).values() if prop.get("x-role")}


def agents_field(schema: dict[str, Any]) -> str:
    """The step-4 form's agent picker: the field whose values are users of the agent role."""
    props = schema.get("properties", {})
    return next((name for name, prop in props.items() if prop.get("x-role") == AGENT_ROLE), AGENT_ROLE)


def _prefill(session: Session, detail: TaskDetail) -> dict[str, Any]:
    """What this task's form last submitted in this instance (a redraft starts from the earlier draft).

    Not ``detail.data``: workflow data is shared, so another form's ``catatan`` or ``keputusan`` would show up
    here. Decisions are never prefilled: each examination decides afresh.
    """
    fields = detail.schema.get("properties", {})
    if "keputusan" in fields:
        return {}
    query = (select(AuditEvent.data).where(AuditEvent.instance_id == detail.task.instance_id,
                                           AuditEvent.action == "task_completed",
                                           AuditEvent.task_bpmn_id == detail.task.bpmn_id)
             .order_by(AuditEvent.id.desc()).limit(1))
    if detail.task.assignee:
        query = query.where(AuditEvent.username == detail.task.assignee)
    if detail.subject:  # one of a multi-instance task's instances (an agent's score sheet): its own last one
        query = query.where(AuditEvent.task_name == detail.task.name)
    last: dict[str, Any] = session.scalars(query).first() or {}
    return {k: v for k, v in last.items() if k in fields}


def _preview(session: Session, user: User, detail: TaskDetail,
             submission: Submission) -> tuple[dict[str, int] | None, str]:
    """Step 4's split of the chosen agents (nothing is stored), or the reason it cannot be made."""
    data = submission(detail.schema) if callable(submission) else submission
    try:
        return distribution_preview(session, user, detail.task.campaign_id or 0,
                                    list(data.get(agents_field(detail.schema), []))), ""
    except InvalidInput as exc:
        return None, "; ".join(exc.fields.values()) or exc.message


def task_page(ctx: Context, who: Who, task_id: str, preview: Submission | None = None) -> TaskPage:
    """A task the user may work, its campaign, the users its pickers offer, its prefill and its step's panel.

    ``preview`` (step 4 only): the submitted agents, to show how they would share the contacts.
    """
    with access.acting(ctx, who) as (session, user):
        detail = task_detail(ctx, session, user, task_id)
        cid, view_name = detail.task.campaign_id, detail.task.view
        title = _titles(session, user, {cid}).get(cid, "") if cid else ""
        holders = {role: tuple(view(u) for u in users_with_role(session, role)) for role in _roles_in(detail.schema)}
        campaign = session.get(Campaign, cid) if cid else None
        assignment = (call_list(session, user, ctx.now(), campaign, ASSIGNMENT_PANEL_SIZE)
                      if view_name == "call_list" and campaign else None)
        report = report_of_campaign(session, user, campaign) if view_name in REPORT_VIEWS and campaign else None
        counts, problem = (_preview(session, user, detail, preview)
                           if preview is not None and view_name == "distribution" else (None, ""))
        return TaskPage(detail, title, holders, _prefill(session, detail), assignment, report, counts, problem,
                        quality_panel(session, user, ctx.now(), detail), access.may_reassign(user, detail.task.role))

