"""Page-level services for the campaign and call screens: one call per page, composed of the campaign services.

Each function checks access through the services it composes (``engine.campaigns``), so the web layer
makes a single call per request and never reads the database itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import campaigns, contacts
from .campaigns import CallView, CampaignView
from .contacts import ContactView
from .context import Context
from .errors import NotFound
from .models import Campaign, Contact, Instance, TaskIndex, User


@dataclass(frozen=True)
class CallListPage:
    """An agent's call list in one campaign: their contacts (open first), progress and running task."""

    campaign: CampaignView
    contacts: list[ContactView]
    progress: dict[str, int]
    task_id: str | None  # the agent's READY step-5 task; None once the assignment is finished
    offset: int
    limit: int | None


@dataclass(frozen=True)
class ContactPage:
    """One contact with its calls, and what the viewer may do with it."""

    contact: ContactView
    calls: list[CallView]
    campaign_id: int
    campaign_title: str
    campaign_topic: str  # the information the agent delivers
    mine: bool  # the viewer is the contact's agent
    task_id: str | None  # the viewer's READY step-5 task in this campaign
    progress: dict[str, int]  # the viewer's progress in this campaign


@dataclass(frozen=True)
class RecordResult:
    contact: ContactView
    next_contact: ContactView | None
    campaign_id: int


@dataclass(frozen=True)
class ReportPage:
    campaign: CampaignView
    report: dict[str, Any]
    names: dict[str, str]  # username -> full name of every agent in the figures


def _assignment_task(session: Session, username: str, campaign_id: int) -> str | None:
    return session.scalars(
        select(TaskIndex.task_id).join(Instance, Instance.id == TaskIndex.instance_id)
        .where(Instance.campaign_id == campaign_id, TaskIndex.assignee == username, TaskIndex.view == "call_list")
    ).first()


def _names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({u for u in usernames if u})
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    return {username: full_name or username for username, full_name in rows}


def call_list_page(ctx: Context, username: str, campaign_id: int, limit: int | None = None,
                   offset: int = 0) -> CallListPage:
    """The agent's own contacts (audited listing), their progress and whether the assignment still runs."""
    campaign = campaigns.get_campaign(ctx, username, campaign_id)
    mine = campaigns.list_contacts(ctx, username, campaign_id, assigned_to_me=True, limit=limit, offset=offset)
    with ctx.transaction() as session:
        progress = contacts.progress(session, campaign_id, agent=username)
        task_id = _assignment_task(session, username, campaign_id)
    return CallListPage(campaign, mine, progress, task_id, offset, limit)


def contact_page(ctx: Context, username: str, contact_id: int) -> ContactPage:
    """A contact with its call history (access checked and audited by ``contact_detail``)."""
    contact, calls = campaigns.contact_detail(ctx, username, contact_id)
    with ctx.transaction() as session:
        row = session.get(Contact, contact_id)
        if row is None:
            raise NotFound("Kontak tidak ditemukan.")
        campaign = session.get(Campaign, row.campaign_id)
        return ContactPage(contact, calls, row.campaign_id, campaign.title if campaign else "",
                           campaign.topic if campaign else "", row.agent == username,
                           _assignment_task(session, username, row.campaign_id),
                           contacts.progress(session, row.campaign_id, agent=username))


def record_and_next(ctx: Context, username: str, contact_id: int, outcome: str, notes: str = "",
                    callback_at: datetime | None = None, duration_s: int | None = None,
                    recording_ref: str = "", phone: str = "") -> RecordResult:
    """Record one call attempt, then find the agent's next open contact after this one (None: all done)."""
    recorded = campaigns.record_call(ctx, username, contact_id, outcome, notes, callback_at, duration_s,
                                     recording_ref, phone)
    with ctx.transaction() as session:
        campaign_id = session.scalars(select(Contact.campaign_id).where(Contact.id == contact_id)).one()
    following = campaigns.next_contact(ctx, username, campaign_id, after_id=contact_id)
    return RecordResult(recorded, following, campaign_id)


def report_page(ctx: Context, username: str, campaign_id: int) -> ReportPage:
    """The campaign, its report (live figures until drafted) and the agents' full names."""
    campaign = campaigns.get_campaign(ctx, username, campaign_id)
    report = campaigns.get_report(ctx, username, campaign_id)
    agents = [row.get("agent") for row in report["figures"].get("by_agent", [])]
    with ctx.transaction() as session:
        names = _names(session, [*agents, report.get("drafted_by"), report.get("signed_by")])
    return ReportPage(campaign, report, names)

