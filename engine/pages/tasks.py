"""Read models of the inbox and the task page, each built in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import access
from ..access import TaskScope, Who
from ..campaign.services import distribution_preview
from ..context import Context
from ..errors import InvalidInput
from ..models import AuditEvent, Campaign, Notification, User
from ..tasks import Submission, TaskDetail, TaskView, task_detail, workable_tasks
from ..users import UserView, users_with_role, view
from .calls import CallListPage, call_list
from .reports import ReportPage, report_of_campaign

ASSIGNMENT_PANEL_SIZE = 12  # contacts shown on the agent's step-5 task page (the call list has them all)
REPORT_VIEWS = frozenset({"report_draft", "report_review", "report_sign"})
AGENT_ROLE = "agen"  # the role of the step-4 agent picker, whose choice the preview splits


@dataclass(frozen=True)
class Inbox:
    scope: str
    tasks: tuple[TaskView, ...]
    counts: dict[str, int]
    campaign_titles: dict[int, str]
    unread: int


@dataclass(frozen=True)
class TaskPage:
    detail: TaskDetail
    campaign_title: str
    role_holders: dict[str, tuple[UserView, ...]]
    prefill: dict[str, Any]
    assignment: CallListPage | None  # step 5: the agent's contacts and progress
    report: ReportPage | None  # steps 6–8: the report beside the form
    preview: dict[str, int] | None = None  # step 4: how the chosen agents would share the contacts
    preview_error: str = ""


def in_scope(task: TaskView, scope: TaskScope, username: str) -> bool:
    """mine: assigned to or claimed by me; lane: open to my whole lane; overdue: past due."""
    if scope is TaskScope.MINE:
        return username in (task.assignee, task.claimed_by)
    if scope is TaskScope.LANE:
        return task.assignee is None
    if scope is TaskScope.OVERDUE:
        return task.overdue
    return True


def _titles(session: Session, user: User, ids: set[int]) -> dict[int, str]:
    """Titles of the campaigns the user may read."""
    if not ids:
        return {}
    query = select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids), access.campaign_filter(user))
    return {cid: title for cid, title in session.execute(query)}


def inbox(ctx: Context, who: Who, scope: str = TaskScope.ALL) -> Inbox:
    """The user's READY tasks filtered by ``scope``, with the count per scope and unread notifications."""
    chosen = TaskScope(scope) if scope in TaskScope.__members__.values() else TaskScope.ALL
    with access.acting(ctx, who) as (session, user):
        everything = workable_tasks(session, user, ctx.now())
        unread = session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
        titles = _titles(session, user, {t.campaign_id for t in everything if t.campaign_id})
        name = user.username
    return Inbox(chosen, tuple(t for t in everything if in_scope(t, chosen, name)),
                 {s: sum(in_scope(t, s, name) for t in everything) for s in TaskScope}, titles, unread)


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
        return TaskPage(detail, title, holders, _prefill(session, detail), assignment, report, counts, problem)

