"""Read models of the administrator's pages: users (list, one user), requesting units, the working-day calendar of a
year; each built in one transaction, for active administrators only, with the changes recorded about it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..accounts import ADMIN_ACTIONS
from ..context import Context
from ..models import ApiToken, AuditEvent, Campaign, Instance, TaskIndex, Unit, User
from ..units import UnitView, views
from ..users import ROLES, get_user, profile_of
from ..workdays import CUTI_BERSAMA, OverrideView, load_calendar, overrides
from .listing import DEFAULT_PER_PAGE, Paging, check_list_args, matches, paging

USER_STATUSES = ("", "aktif", "nonaktif")  # the user list's tabs: all, active, deactivated
UNIT_ACTIONS = ("unit_added", "unit_renamed", "unit_activated", "unit_deactivated")
CALENDAR_ACTIONS = ("calendar_override_set", "calendar_override_removed")
HISTORY_SHOWN = 20  # changes listed on an admin page
USER_HISTORY_SCAN = 2000  # latest account changes searched for one user's (the trail's data is JSON)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # years the calendar page shows


@dataclass(frozen=True)
class Change:
    """One recorded administrative change: who, when, what (the audit action) and its data."""

    at: datetime
    by: str
    action: str
    data: dict[str, Any]


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    roles: tuple[str, ...]
    unit: str | None
    email: str | None
    active: bool


@dataclass(frozen=True)
class UserList:
    users: tuple[UserRow, ...]
    paging: Paging
    q: str
    status: str
    counts: dict[str, int]  # users per status tab, search applied


@dataclass(frozen=True)
class HeldTask:
    """A ready task assigned to or claimed by the user: what the Kasi moves when the user is absent or leaves."""

    name: str
    campaign_title: str
    due_at: datetime | None
    claimed: bool  # claimed from the lane (else assigned by name)


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    nip: str | None
    position: str | None
    language: str
    created_at: datetime
    tokens: int
    token_last_used: datetime | None
    held: tuple[HeldTask, ...] = ()


@dataclass(frozen=True)
class UserForm:
    """What the user forms offer: the roles, the active units (and a user's own, even when deactivated)."""

    roles: tuple[str, ...]
    units: tuple[str, ...]


@dataclass(frozen=True)
class UserPage:
    user: UserDetail
    form: UserForm
    is_self: bool  # the administrator's own account: not to be deactivated, nor its admin role dropped
    history: tuple[Change, ...]


@dataclass(frozen=True)
class UnitsPage:
    units: tuple[UnitView, ...]
    history: tuple[Change, ...]


@dataclass(frozen=True)
class CalendarDay:
    """A day the calendar page lists: a holiday of the list, or a day an administrator corrected."""

    day: date
    holiday: str  # the holiday list's Indonesian name ('' when none)
    cuti_bersama: bool
    override: OverrideView | None
    working: bool  # what the office calendar says now


@dataclass(frozen=True)
class CalendarPage:
    year: int
    days: tuple[CalendarDay, ...]
    cuti_bersama_is_working_day: bool
    working_days: int  # in the year, by the office calendar
    history: tuple[Change, ...]


@contextmanager
def _as_admin(ctx: Context, who: Who) -> Iterator[tuple[Session, User]]:
    """One transaction on behalf of an active administrator."""
    with access.acting(ctx, who) as (session, user):
        yield session, access.require_roles(user, access.ADMIN_ROLES)


def _changes(session: Session, actions: tuple[str, ...], limit: int) -> list[Change]:
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions))
                           .order_by(AuditEvent.id.desc()).limit(limit))
    return [Change(e.at, e.username, e.action, dict(e.data or {})) for e in rows]


def _row(session: Session, user: User, units: dict[int, str] | None = None) -> UserRow:
    unit = (units or {}).get(user.unit_id or 0) if units is not None else profile_of(session, user).unit
    return UserRow(user.username, user.full_name, tuple(r for r in ROLES if r in user.role_names), unit, user.email,
                   user.active)


def user_list(ctx: Context, who: Who, q: str = "", status: str = "", page: int = 1,
              per_page: int = DEFAULT_PER_PAGE) -> UserList:
    """A page of the users (search: username, name, e-mail, NIP), by username, with the count per status tab."""
    check_list_args(page, per_page, q, {"status": (status, USER_STATUSES)})
    search = matches(q, User.username, User.full_name, User.email, User.nip)
    with _as_admin(ctx, who) as (session, _):
        counts = {s: 0 for s in USER_STATUSES}
        for active, n in session.execute(select(User.active, func.count(User.id)).where(search).group_by(User.active)):
            counts["aktif" if active else "nonaktif"] += n
            counts[""] += n
        shown = paging(page, per_page, counts[status], clamp=True)
        query = select(User).where(search).order_by(User.username).limit(shown.per_page).offset(shown.offset)
        if status:
            query = query.where(User.active.is_(status == "aktif"))
        units = dict(session.execute(select(Unit.id, Unit.name)).all())
        rows = tuple(_row(session, u, units) for u in session.scalars(query))
    return UserList(rows, shown, q, status, counts)


def _form(session: Session, own_unit: str | None = None) -> UserForm:
    names = list(session.scalars(select(Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)))
    if own_unit and own_unit not in names:
        names.append(own_unit)
    return UserForm(tuple(ROLES), tuple(names))


def new_user_form(ctx: Context, who: Who) -> UserForm:
    with _as_admin(ctx, who) as (session, _):
        return _form(session)


def user_page(ctx: Context, who: Who, username: str) -> UserPage:
    """One user with their profile, roles, unit, API tokens and the changes recorded about them."""
    with _as_admin(ctx, who) as (session, admin):
        user = get_user(session, username)
        row, profile = _row(session, user), profile_of(session, user)
        tokens, last_used = session.execute(select(func.count(ApiToken.id), func.max(ApiToken.last_used_at))
                                            .where(ApiToken.user_id == user.id)).one()
        detail = UserDetail(row, user.nip, user.position, profile.language, user.created_at, int(tokens),
                            _aware(last_used), _held(session, username))
        history = [c for c in _changes(session, ADMIN_ACTIONS, USER_HISTORY_SCAN) if c.data.get("user") == username]
        return UserPage(detail, _form(session, profile.unit), admin.username == username,
                        tuple(history[:HISTORY_SHOWN]))


def _held(session: Session, username: str) -> tuple[HeldTask, ...]:
    rows = session.execute(select(TaskIndex, Campaign.title).join(Instance, Instance.id == TaskIndex.instance_id)
                           .outerjoin(Campaign, Campaign.id == Instance.campaign_id)
                           .where(or_(TaskIndex.assignee == username, TaskIndex.claimed_by == username))
                           .order_by(TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.ready_at))
    return tuple(HeldTask(task.name, title or "", task.due_at, task.assignee != username) for task, title in rows)


def units_page(ctx: Context, who: Who) -> UnitsPage:
    with _as_admin(ctx, who) as (session, _):
        return UnitsPage(tuple(views(session)), tuple(_changes(session, UNIT_ACTIONS, HISTORY_SHOWN)))


def calendar_page(ctx: Context, who: Who, year: int) -> CalendarPage:
    """The year's holidays from the holiday list and the administrators' corrections, as the office calendar
    counts them (the settings decide whether cuti bersama is a working day)."""
    year = min(max(year, FIRST_YEAR), LAST_YEAR)
    with _as_admin(ctx, who) as (session, _):
        calendar = load_calendar(session, ctx.settings)
        corrected = {o.day: o for o in overrides(session, year)}
        holidays = {h.day: h for h in calendar.holidays_in(year)}
        days = tuple(CalendarDay(d, holidays[d].name if d in holidays else "",
                                 d in holidays and holidays[d].category == CUTI_BERSAMA, corrected.get(d),
                                 calendar.is_working_day(d)) for d in sorted(set(holidays) | set(corrected)))
        first = date(year, 1, 1)
        working = sum(calendar.is_working_day(first + timedelta(days=i))
                      for i in range((date(year + 1, 1, 1) - first).days))
        history = [c for c in _changes(session, CALENDAR_ACTIONS, USER_HISTORY_SCAN)
                   if str(c.data.get("day", "")).startswith(f"{year}-")]
        return CalendarPage(year, days, ctx.settings.cuti_bersama_is_working_day, working,
                            tuple(history[:HISTORY_SHOWN]))


def _aware(value: Any) -> datetime | None:
    """max() bypasses the column type (SQLite returns naive UTC or text): make it aware UTC."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

