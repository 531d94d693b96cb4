"""Read models of the agent's screens: call list, contact page, record-and-next; each in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..campaign import contacts
from ..campaign.services import (
    CallSubmission,
    CallView,
    CampaignView,
    assignment,
    assignment_task,
    call_recorded,
    callbacks_waiting,
    campaign_view,
    contact_history,
    contacts_of,
    next_open_contact,
)
from ..case_file import CaseEntry, case_of
from ..context import Context
from ..models import Campaign, Instance, User


@dataclass(frozen=True)
class CallListPage:
    """An agent's call list in one campaign: their contacts (open first), progress and running task."""

    campaign: CampaignView
    contacts: list[contacts.ContactView]
    progress: dict[str, int]
    task_id: str | None  # the agent's READY step-5 task; None once the assignment is finished
    offset: int
    limit: int | None


@dataclass(frozen=True)
class ContactPage:
    """One contact with its calls, and what the viewer may do with it."""

    contact: contacts.ContactView
    calls: list[CallView]
    campaign_id: int
    campaign_title: str
    campaign_topic: str  # the information the agent delivers
    mine: bool  # the viewer is the contact's agent
    task_id: str | None  # the viewer's READY step-5 task in this campaign
    progress: dict[str, int]  # the viewer's progress in this campaign
    case: tuple[CaseEntry, ...] = ()  # the call script and instruction from earlier steps


@dataclass(frozen=True)
class RecordResult:
    contact: contacts.ContactView
    next_contact: contacts.ContactView | None  # None: nothing to call now
    campaign_id: int
    waiting: int = 0  # the agent's callbacks planned for later


def call_list(session: Session, user: User, now: datetime, campaign: Campaign, limit: int | None = None,
              offset: int = 0) -> CallListPage:
    """The agent's own contacts in a campaign they may read (an audited listing), progress, running task."""
    mine = contacts_of(session, user, now, campaign, assigned_to_me=True, limit=limit, offset=offset)
    return CallListPage(campaign_view(session, campaign), mine,
                        contacts.progress(session, campaign.id, agent=user.username),
                        assignment_task(session, user.username, campaign.id), offset, limit)


def call_list_page(ctx: Context, who: Who, campaign_id: int, limit: int | None = None,
                   offset: int = 0) -> CallListPage:
    with access.acting(ctx, who) as (session, user):
        return call_list(session, user, ctx.now(), access.readable_campaign(session, user, campaign_id),
                         limit, offset)


def contact_page(ctx: Context, who: Who, contact_id: int) -> ContactPage:
    """A contact with its call history (access checked and the viewing audited), and what the agent's step-5
    task shows from earlier steps (the call script, the Kasi's instruction) while its assignment runs."""
    with access.acting(ctx, who) as (session, user):
        row, contact, calls = contact_history(session, user, ctx.now(), contact_id)
        campaign = session.get(Campaign, row.campaign_id)
        task = assignment(session, user.username, row.campaign_id)
        case = case_of(session, task.instance_id, task.case_file, _forms(session, task.instance_id)) if task else ()
        return ContactPage(contact, calls, row.campaign_id, campaign.title if campaign else "",
                           campaign.topic if campaign else "", row.agent == user.username,
                           task.task_id if task else None,
                           contacts.progress(session, row.campaign_id, agent=user.username), case)


def _forms(session: Session, instance_id: int) -> dict[str, Any]:
    instance = session.get(Instance, instance_id)
    return instance.version.forms if instance else {}


def record_and_next(ctx: Context, who: Who, contact_id: int, call: CallSubmission) -> RecordResult:
    """Record one call attempt (its fields, or a function reading them once the caller is known to be the
    contact's agent), then find the agent's next contact to call (None: nothing now)."""
    with access.acting(ctx, who) as (session, user):
        recorded = call_recorded(ctx, session, user, contact_id, call)
        campaign_id = recorded.campaign_id
        following = next_open_contact(session, user.username, campaign_id, ctx.now(), after_id=contact_id)
        return RecordResult(recorded.contact, following, campaign_id,
                            callbacks_waiting(session, user.username, campaign_id, ctx.now()))
