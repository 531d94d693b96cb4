"""Read models of the report page (and the report panel of the report steps) and of the campaign page with its
signed report, each built in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..campaign.services import CampaignView, SignedReport, campaign_view, report_of, report_row, signed_report
from ..context import Context
from ..errors import NotAllowed
from ..models import Campaign, User
from ..users import full_names
from .reassign import AgentWork, agent_work


@dataclass(frozen=True)
class CampaignPage:
    """The campaign page: the campaign, its progress and, once signed, its report and cover letter."""

    campaign: CampaignView
    signed_report: SignedReport | None
    may_read_report: bool  # the report page is open to the user (staff: always; the requesting unit: once signed)
    names: dict[str, str]  # username -> full name of the signer and the sender
    agents: tuple[AgentWork, ...] = ()  # for the Kasi: each agent's open contacts, to move them when one is absent


@dataclass(frozen=True)
class ReportPage:
    campaign: CampaignView
    report: dict[str, Any]
    names: dict[str, str]  # username -> full name of every agent in the figures, the drafter and the signer


def report_of_campaign(session: Session, user: User, campaign: Campaign) -> ReportPage:
    """The campaign (which the user may read), its report (live figures until drafted), the people named."""
    report = report_of(session, user, campaign)
    agents = [row.get("agent") for row in report["figures"].get("by_agent", [])]
    names = full_names(session, [*agents, report.get("drafted_by"), report.get("signed_by")])
    return ReportPage(campaign_view(session, campaign), report, names)


def report_page(ctx: Context, who: Who, campaign_id: int) -> ReportPage:
    with access.acting(ctx, who) as (session, user):
        return report_of_campaign(session, user, access.readable_campaign(session, user, campaign_id))


def campaign_page(ctx: Context, who: Who, campaign_id: int) -> CampaignPage:
    """A campaign the user may read, with its signed report and cover letter (what the requesting unit follows)."""
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        report = report_row(session, campaign.id)
        signed = signed_report(report)
        try:
            access.may_read_report(user, report)
            may_read = True
        except NotAllowed:
            may_read = False
        names = full_names(session, [signed.signed_by, signed.sent_by] if signed else [])
        return CampaignPage(campaign_view(session, campaign), signed, may_read, names,
                            agent_work(session, user, campaign.id))
