"""Read model of a campaign's personal-data access log (UU PDP): who was shown which taxpayers' data, when, and
through which screen — for the office roles, from the campaign page.

Listing the log shows taxpayers' names too, so reading it is itself recorded (``access_log_viewed``), in the same
transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..audit import ACCESS_ACTIONS, record_access
from ..campaign.identifiers import mask_npwp
from ..context import Context
from ..errors import NotFound
from ..i18n import N_
from ..models import AuditEvent, AuditEventContact, Contact, User
from .listing import DEFAULT_PER_PAGE, Paging, check_list_args, paging


@dataclass(frozen=True)
class AccessFilters:
    """One user's accesses, the accesses that showed one taxpayer, one kind of access; a page."""

    username: str = ""
    contact_id: int | None = None
    action: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def check(self) -> None:
        choices = {"action": (self.action, ACCESS_ACTIONS)} if self.action else {}
        check_list_args(self.page, self.per_page, "", choices)


@dataclass(frozen=True)
class TaxpayerRef:
    """A taxpayer as the log names it: the contact's name and masked NPWP (empty once the data is gone)."""

    id: int
    name: str
    npwp_masked: str


@dataclass(frozen=True)
class AccessEntry:
    id: int
    at: datetime
    username: str
    full_name: str
    action: str  # one of ACCESS_ACTIONS
    taxpayers: int  # how many taxpayers' data it showed
    taxpayer: TaxpayerRef | None  # the one it showed, when it showed one
    data: dict[str, Any]  # the access's details (a list's scope and page)

    @property
    def list_page(self) -> int | None:
        """The page of a contact list that was shown (from 1); None for anything else."""
        limit, offset = self.data.get("limit"), self.data.get("offset") or 0
        return offset // limit + 1 if isinstance(limit, int) and limit > 0 and isinstance(offset, int) else None


@dataclass(frozen=True)
class AccessLogPage:
    campaign_id: int
    campaign_title: str
    entries: tuple[AccessEntry, ...]
    paging: Paging
    users: tuple[tuple[str, str], ...]  # (username, full name) of everyone in this campaign's log: the filter
    taxpayer: TaxpayerRef | None  # the filter's taxpayer
    filters: AccessFilters


def _taxpayers(session: Session, contact_ids: set[int]) -> dict[int, TaxpayerRef]:
    if not contact_ids:
        return {}
    rows = session.execute(select(Contact.id, Contact.name, Contact.npwp).where(Contact.id.in_(sorted(contact_ids))))
    found = {cid: TaxpayerRef(cid, name, mask_npwp(npwp)) for cid, name, npwp in rows}
    return {cid: found.get(cid, TaxpayerRef(cid, "", "")) for cid in contact_ids}


def _shown(session: Session, event_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """For each event: how many contacts it showed, and the contact of those that showed exactly one."""
    if not event_ids:
        return {}, {}
    counts = {eid: int(n) for eid, n in session.execute(
        select(AuditEventContact.event_id, func.count()).where(AuditEventContact.event_id.in_(event_ids))
        .group_by(AuditEventContact.event_id))}
    single = [eid for eid, n in counts.items() if n == 1]
    one = session.execute(select(AuditEventContact.event_id, AuditEventContact.contact_id)
                          .where(AuditEventContact.event_id.in_(single))).all() if single else []
    return counts, {int(event_id): int(contact_id) for event_id, contact_id in one}


def access_log_page(ctx: Context, who: Who, campaign_id: int, filters: AccessFilters | None = None) -> AccessLogPage:
    """A page of the campaign's access log, newest first (the office roles only); reading it is recorded."""
    filters = filters or AccessFilters()
    filters.check()
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        access.require_roles(user, access.ACCESS_LOG_ROLES)
        taxpayer = None
        if filters.contact_id is not None:
            contact = session.get(Contact, filters.contact_id)
            if contact is None or contact.campaign_id != campaign.id:
                raise NotFound(N_("Kontak tidak ditemukan."))
            taxpayer = TaxpayerRef(contact.id, contact.name, mask_npwp(contact.npwp))
        where = [AuditEvent.campaign_id == campaign.id, AuditEvent.action.in_(ACCESS_ACTIONS)]
        if filters.username:
            where.append(AuditEvent.username == filters.username)
        if filters.action:
            where.append(AuditEvent.action == filters.action)
        if taxpayer is not None:
            where.append(AuditEvent.id.in_(select(AuditEventContact.event_id)
                                           .where(AuditEventContact.contact_id == taxpayer.id)))
        shown = paging(filters.page, filters.per_page,
                       session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0, clamp=True)
        events = list(session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id.desc())
                                      .limit(shown.per_page).offset(shown.offset)))
        counts, single = _shown(session, [e.id for e in events])
        named = _taxpayers(session, set(single.values()))
        everyone = sorted(set(session.scalars(select(AuditEvent.username).distinct().where(
            AuditEvent.campaign_id == campaign.id, AuditEvent.action.in_(ACCESS_ACTIONS)))) | {user.username})
        names = dict(session.execute(select(User.username, User.full_name).where(User.username.in_(everyone))).all())
        entries = tuple(AccessEntry(e.id, e.at, e.username, names.get(e.username) or e.username, e.action,
                                    counts.get(e.id, 0), named.get(single[e.id]) if e.id in single else None,
                                    dict(e.data or {})) for e in events)
        record_access(session, ctx.now(), user.username, "access_log_viewed", campaign.id,
                      [*named, *([taxpayer.id] if taxpayer else [])],
                      data={"username": filters.username, "contact_id": filters.contact_id, "action": filters.action,
                            "page": shown.page})
        return AccessLogPage(campaign.id, campaign.title, entries, shown,
                             tuple((u, names.get(u) or u) for u in everyone), taxpayer, filters)

