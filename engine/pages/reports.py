"""Read model of the report page (and the report panel of steps 6–8), built in one transaction."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..campaign.services import CampaignView, campaign_view, report_of
from ..context import Context
from ..models import Campaign, User


@dataclass(frozen=True)
class ReportPage:
    campaign: CampaignView
    report: dict[str, Any]
    names: dict[str, str]  # username -> full name of every agent in the figures, the drafter and the signer


def _names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({u for u in usernames if u})
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    return {username: full_name or username for username, full_name in rows}


def report_of_campaign(session: Session, user: User, campaign: Campaign) -> ReportPage:
    """The campaign (which the user may read), its report (live figures until drafted), the people named."""
    report = report_of(session, user, campaign)
    agents = [row.get("agent") for row in report["figures"].get("by_agent", [])]
    names = _names(session, [*agents, report.get("drafted_by"), report.get("signed_by")])
    return ReportPage(campaign_view(session, campaign), report, names)


def report_page(ctx: Context, who: Who, campaign_id: int) -> ReportPage:
    with access.acting(ctx, who) as (session, user):
        return report_of_campaign(session, user, access.readable_campaign(session, user, campaign_id))
