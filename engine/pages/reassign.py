"""Read models of the reassignment form (a task, or an agent's open contacts) and of the campaign's agent panel the
Kasi moves contacts from; each built in one transaction, for those who may reassign."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..campaign import contacts
from ..campaign.services import ASSIGNMENT_VIEW
from ..context import Context
from ..models import Campaign, Instance, TaskIndex, User
from ..reassignment import AGENT_ROLE, agent_in_campaign
from ..tasks import TaskView, task_view
from ..users import users_with_role


@dataclass(frozen=True)
class Candidate:
    """A user who may receive the work: holds the role, is active; for step 5, whether their own step 5 runs in
    the campaign (then the contacts join it and the absent agent's task closes)."""

    username: str
    full_name: str
    calling: bool = False


@dataclass(frozen=True)
class ReassignPage:
    task: TaskView | None  # None: an agent's open contacts after their step 5 ended
    campaign_id: int | None
    campaign_title: str
    holder: str | None  # who holds it now (assignee, claimer, or the agent); None: open to the lane
    holder_name: str
    role: str  # the role a receiver must hold
    candidates: tuple[Candidate, ...]
    open_contacts: int | None  # step 5 and contacts: how many open contacts move (None: no contacts involved)


@dataclass(frozen=True)
class AgentWork:
    """One agent of a campaign as the Kasi's panel shows it."""

    username: str
    full_name: str
    contacts: int
    open: int
    task_id: str | None  # their running step 5


def _candidates(session: Session, role: str, holder: str | None, campaign_id: int | None) -> tuple[Candidate, ...]:
    calling = set()
    if role == AGENT_ROLE and campaign_id is not None:
        calling = set(session.scalars(select(TaskIndex.assignee).join(Instance, Instance.id == TaskIndex.instance_id)
                                      .where(Instance.campaign_id == campaign_id,
                                             TaskIndex.view == ASSIGNMENT_VIEW)))
    return tuple(Candidate(u.username, u.full_name or u.username, u.username in calling)
                 for u in users_with_role(session, role) if u.username != holder)


def _name(session: Session, username: str | None) -> str:
    user = session.scalars(select(User).where(User.username == username)).first() if username else None
    return (user.full_name or user.username) if user else (username or "")


def task_reassign_page(ctx: Context, who: Who, task_id: str) -> ReassignPage:
    """The form that moves a task: its holder, the users of its lane who may take it, the contacts moving with it."""
    with access.acting(ctx, who) as (session, user):
        row = access.reassignable_task(session, user, task_id)
        instance = session.get(Instance, row.instance_id)
        cid = instance.campaign_id if instance else None
        campaign = session.get(Campaign, cid) if cid else None
        holder = row.assignee or row.claimed_by
        moving = (contacts.open_contacts_by_agent(session, cid).get(holder or "", (0, 0))[1]
                  if row.view == ASSIGNMENT_VIEW and cid else None)
        return ReassignPage(task_view(row, cid, ctx.now()), cid, campaign.title if campaign else "", holder,
                            _name(session, holder), row.role or "", _candidates(session, row.role or "", holder, cid),
                            moving)


def agent_reassign_page(ctx: Context, who: Who, campaign_id: int, agent: str) -> ReassignPage:
    """The form that moves an agent's open contacts of a campaign (with their step 5 while it runs)."""
    with access.acting(ctx, who) as (session, user):
        access.require_roles(user, access.REASSIGN_ROLES)
        campaign = access.readable_campaign(session, user, campaign_id)
        running, still_open = agent_in_campaign(session, campaign.id, agent)
        return ReassignPage(task_view(running, campaign.id, ctx.now()) if running else None, campaign.id,
                            campaign.title, agent, _name(session, agent), AGENT_ROLE,
                            _candidates(session, AGENT_ROLE, agent, campaign.id), still_open)


def agent_work(session: Session, user: User, campaign_id: int) -> tuple[AgentWork, ...]:
    """Each agent's contacts, open contacts and running step 5 in the campaign (for those who may reassign)."""
    if not access.may_reassign(user, AGENT_ROLE):
        return ()
    counts = contacts.open_contacts_by_agent(session, campaign_id)
    running = dict(session.execute(select(TaskIndex.assignee, TaskIndex.task_id)
                                   .join(Instance, Instance.id == TaskIndex.instance_id)
                                   .where(Instance.campaign_id == campaign_id, TaskIndex.view == ASSIGNMENT_VIEW))
                   .all())
    names = dict(session.execute(select(User.username, User.full_name)
                                 .where(User.username.in_(sorted(set(counts) | set(running))))).all())
    return tuple(AgentWork(a, names.get(a) or a, counts.get(a, (0, 0))[0], counts.get(a, (0, 0))[1], running.get(a))
                 for a in sorted(set(counts) | {a for a in running if a}))
