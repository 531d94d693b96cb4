"""Read model of the campaign list: search, status, order and page in SQL, the progress of a page's campaigns
in one aggregate query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, case, func, select

from .. import access
from ..access import Who
from ..campaign import contacts
from ..context import Context
from ..models import Campaign, CampaignStatus, Instance, Unit
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


class CampaignSort(StrEnum):
    """The orders of the campaign list; each ends on the campaign id, so pages never overlap."""

    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"
    STATUS = "status"  # in process order: perencanaan … selesai


@dataclass(frozen=True)
class CampaignFilters:
    """What the campaign list is asked for: a search (title, requester), a status, an order and a page."""

    q: str = ""
    status: str = ""  # "" = every status
    sort: str = CampaignSort.NEWEST
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def check(self) -> None:
        """InvalidInput naming each bad parameter (the API's 422; the web app only passes good values)."""
        choices: dict[str, tuple[str, tuple[str, ...]]] = {"sort": (self.sort, tuple(CampaignSort))}
        if self.status:
            choices["status"] = (self.status, tuple(CampaignStatus))
        check_list_args(self.page, self.per_page, self.q, choices)


class CampaignRow(NamedTuple):
    """A campaign as lists show it: no import report, the call progress included (a named tuple, as a
    ``TaskView``: a page makes 50)."""

    id: int
    title: str
    requester: str
    topic: str
    status: str
    instance_id: int | None
    created_by: str
    created_at: datetime
    progress: dict[str, int]


@dataclass(frozen=True)
class CampaignList:
    filters: CampaignFilters
    campaigns: tuple[CampaignRow, ...]  # the page shown
    paging: Paging
    counts: dict[str, int]  # campaigns per status, the search applied
    total: int  # of every status, the search applied


def status_rank() -> Any:
    """A campaign's status as its place in process order (perencanaan first, selesai last, unknown codes after)."""
    return case({status.value: n for n, status in enumerate(CampaignStatus)}, value=Campaign.status,
                else_=len(CampaignStatus))


def _order(sort: CampaignSort) -> tuple[Any, ...]:
    if sort is CampaignSort.OLDEST:
        return Campaign.created_at, Campaign.id
    if sort is CampaignSort.TITLE:
        return func.lower(Campaign.title), Campaign.id
    if sort is CampaignSort.STATUS:
        return status_rank(), Campaign.created_at.desc(), Campaign.id.desc()
    return Campaign.created_at.desc(), Campaign.id.desc()


SHAPES = 128  # statements kept: shapes are few (rules × words searched × a status or not × sort)


@lru_cache(SHAPES)
def _counts_query(sight: access.CampaignSight, terms: int) -> Select[str, int]:
    """Campaigns per status, the search applied."""
    return (select(Campaign.status, func.count())
            .where(access.campaign_clause(sight), search_clause(terms, Campaign.title, Campaign.requester))
            .group_by(Campaign.status))


@lru_cache(SHAPES)
def _page_query(sight: access.CampaignSight, terms: int, status: bool, sort: CampaignSort) -> ListQuery:
    """A page of campaigns with their (first) instance."""
    instance = select(func.min(Instance.id)).where(Instance.campaign_id == Campaign.id).scalar_subquery()
    query = (select(Campaign.id, Campaign.title, Campaign.requester, Campaign.topic, Campaign.status,
                    Campaign.created_by, Campaign.created_at, instance.label("instance_id"))
             .where(access.campaign_clause(sight), search_clause(terms, Campaign.title, Campaign.requester)))
    if status:
        query = query.where(Campaign.status == bindparam("status"))
    return query.order_by(*_order(sort)).limit(bindparam("limit")).offset(bindparam("offset"))


def _listed(row: tuple[Any, ...], progress: dict[int, dict[str, int]]) -> CampaignRow:
    """The CampaignRow of a row of the page (unpacked by position: reading its columns by name costs more)."""
    cid, title, requester, topic, status, created_by, created_at, instance_id = row
    return CampaignRow(cid, title, requester, topic, status, instance_id, created_by, created_at, progress[cid])


def campaign_list(ctx: Context, who: Who, filters: CampaignFilters | None = None,
                  clamp: bool = False) -> CampaignList:
    """A page of the campaigns the user may see; ``clamp``: a page past the last shows the last (the web).

    Three queries whatever the page size: counts per status, the page with its instances, its progress.
    """
    filters = filters or CampaignFilters()
    filters.check()
    terms = search_terms(filters.q)
    with access.reading(ctx, who) as (conn, user):  # Core: the list's rows are only read, no ORM object is made
        sight, values = access.campaign_sight(user), {**access.bound(user, ctx.now()), **search_values(terms)}
        counts = {status: int(n) for status, n in conn.execute(_counts_query(sight, len(terms)), values)}
        total = sum(counts.values())
        shown = paging(filters.page, filters.per_page, counts.get(filters.status, 0) if filters.status else total,
                       clamp)
        rows = conn.execute(_page_query(sight, len(terms), bool(filters.status), CampaignSort(filters.sort)),
                            {**values, "status": filters.status, "limit": shown.per_page,
                             "offset": shown.offset}).all()
        progress = contacts.progress_by_campaign(conn, [row.id for row in rows])
    items = tuple(_listed(row, progress) for row in rows)
    return CampaignList(filters, items, shown, {s: counts.get(s, 0) for s in CampaignStatus}, total)


@dataclass(frozen=True)
class UploadPage:
    """What the upload form offers: whether the user may upload, and for which requesting unit."""

    may_upload: bool
    own_unit: str | None  # a requesting unit's user uploads for it, and only for it
    units: tuple[str, ...]  # KLIP staff choose among the registered units


def upload_page(ctx: Context, who: Who) -> UploadPage:
    with access.acting(ctx, who) as (session, user):
        may = bool(user.role_names & access.UPLOAD_ROLES)
        if access.REQUESTER_ROLE in user.role_names and not user.role_names & access.STAFF_ROLES:
            unit = session.get(Unit, user.unit_id) if user.unit_id is not None else None
            return UploadPage(may and unit is not None, unit.name if unit else None, ())
        names = session.scalars(select(Unit.name).where(Unit.active.is_(True)).order_by(Unit.name))
        return UploadPage(may, None, tuple(names))
