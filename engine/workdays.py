"""Working days (hari kerja): Indonesian holidays and cuti bersama, corrected by admin overrides."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import ADMIN_ROLES, acting_user, require_roles
from .context import Context
from .errors import InvalidInput, NotFound
from .i18n import N_
from .models import CalendarOverride
from .settings import Settings

NOTE_MAX = 255


class WorkingCalendar:
    """Monday–Friday minus national holidays (and, by default, cuti bersama), plus admin overrides."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        cuti_bersama_is_working_day: bool = False,
        count_completion_day: bool = False,
        years: Iterable[int] = (),
    ):
        self.overrides = dict(overrides or {})
        self.cuti_bersama_is_working_day = cuti_bersama_is_working_day
        self.count_completion_day = count_completion_day
        # expand=True makes each list load a year the first time a date in it is looked up, so a
        # deadline that crosses a year boundary needs no preloading.
        self._public = _holiday_list("public", years)
        self._government = _holiday_list("government", years)

    def is_working_day(self, d: date) -> bool:
        """Tell whether the office works on ``d``."""
        if d in self.overrides:
            return self.overrides[d]
        if d.weekday() >= 5 or d in self._public:
            return False
        return self.cuti_bersama_is_working_day or d not in self._government

    def holiday_name(self, d: date) -> str | None:
        """Return the name of the national holiday or cuti bersama on ``d``, if any."""
        return self._public.get(d) or self._government.get(d)

    def add_working_days(self, start: date, n: int) -> date:
        """Return the nth working day after ``start`` (``start`` is day 1 if count_completion_day)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day, counted = start, 0
        if n > 0 and self.count_completion_day and self.is_working_day(start):
            counted = 1
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Count working days after ``a`` up to and including ``b`` (negative when ``b`` < ``a``).

        With count_completion_day, ``a`` itself counts as well, so that
        ``working_days_between(a, add_working_days(a, n)) == n`` holds for n >= 1 under both settings.
        """
        if b < a:
            return -self.working_days_between(b, a)
        first = a if self.count_completion_day else a + timedelta(days=1)
        return sum(self.is_working_day(first + timedelta(days=i)) for i in range((b - first).days + 1))


def _holiday_list(category: str, years: Iterable[int]) -> holidays.HolidayBase:
    """Build one category of the Indonesian holiday list, with Indonesian names."""
    return holidays.country_holidays("ID", years=tuple(years), categories=(category,), language="id")


def load_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """Build the calendar from the settings and the admins' overrides."""
    rows = session.scalars(select(CalendarOverride)).all()
    return WorkingCalendar(
        {row.day: row.is_working_day for row in rows},
        cuti_bersama_is_working_day=settings.cuti_bersama_is_working_day,
        count_completion_day=settings.count_completion_day,
    )


def deadline_at(calendar: WorkingCalendar, finished_at: datetime, n: int, settings: Settings) -> datetime:
    """Return (in UTC) the end of the office day n working days after work finished at ``finished_at``."""
    if finished_at.tzinfo is None:
        raise ValueError("naive datetime given; use aware datetimes")
    office = ZoneInfo(settings.office_timezone)
    local_day = finished_at.astimezone(office).date()
    due_day = calendar.add_working_days(local_day, n)
    return datetime.combine(due_day, time(settings.deadline_hour), tzinfo=office).astimezone(timezone.utc)


# --- admin overrides (service functions: one transaction each) ------------------------------------

@dataclass(frozen=True)
class OverrideView:
    day: date
    is_working_day: bool
    note: str
    created_by: str
    created_at: datetime


def _view(row: CalendarOverride) -> OverrideView:
    return OverrideView(row.day, row.is_working_day, row.note, row.created_by, row.created_at)


def set_override(
    ctx: Context, username: str, day: date, is_working_day: bool, note: str = ""
) -> OverrideView:
    """Make ``day`` a working or non-working day, replacing any earlier override of that day."""
    if len(note) > NOTE_MAX:
        raise InvalidInput(N_("Catatan terlalu panjang."), {"note": N_("Paling banyak {n} karakter.", n=NOTE_MAX)})
    with ctx.transaction() as session:
        require_roles(acting_user(session, username, ctx.now()), ADMIN_ROLES)
        row = session.get(CalendarOverride, day)
        if row is None:
            row = CalendarOverride(day=day)
            session.add(row)
        row.is_working_day = is_working_day
        row.note = note
        row.created_by = username
        row.created_at = ctx.now()
        session.flush()
        return _view(row)


def remove_override(ctx: Context, username: str, day: date) -> None:
    """Remove the override of ``day``: the holiday list decides again."""
    with ctx.transaction() as session:
        require_roles(acting_user(session, username, ctx.now()), ADMIN_ROLES)
        row = session.get(CalendarOverride, day)
        if row is None:
            raise NotFound(N_("Tidak ada koreksi kalender untuk tanggal {day}.", day=day.strftime("%d-%m-%Y")))
        session.delete(row)


def list_overrides(ctx: Context) -> list[OverrideView]:
    """List all overrides, earliest day first."""
    with ctx.transaction() as session:
        rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
        return [_view(row) for row in rows]
