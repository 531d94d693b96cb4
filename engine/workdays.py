"""Working days (hari kerja): Indonesian holidays and cuti bersama, corrected by admin overrides."""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import String, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from .access import ADMIN_ROLES, Who, acting, require_roles
from .audit import audit
from .context import Context, connection
from .errors import InvalidInput, NotFound
from .i18n import N_
from .inputs import clean_text
from .kept import Kept
from .models import CalendarOverride
from .settings import Settings

NOTE_MAX = 255
NATIONAL_HOLIDAY, CUTI_BERSAMA = "public", "government"  # the holiday list's categories


@dataclass(frozen=True, order=True)
class Holiday:
    """A day of the holiday list: a national holiday or a cuti bersama (joint leave), with its Indonesian name."""

    day: date
    name: str
    category: str  # NATIONAL_HOLIDAY or CUTI_BERSAMA


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
        years = tuple(years)
        self._public = _holiday_list("public", years) if years else _shared_list("public")
        self._government = _holiday_list("government", years) if years else _shared_list("government")
        self._base = _BASE_DAYS[cuti_bersama_is_working_day] if not years else {}

    def is_working_day(self, d: date) -> bool:
        """Tell whether the office works on ``d``."""
        if d in self.overrides:
            return self.overrides[d]
        return self.base_is_working_day(d)

    def base_is_working_day(self, d: date) -> bool:
        """Whether the office works on ``d`` by the weekdays and the holiday list alone (no override)."""
        known = self._base.get(d)
        if known is None:
            known = self._base[d] = d.weekday() < 5 and d not in self._public and (
                self.cuti_bersama_is_working_day or d not in self._government)
        return known

    def holiday_name(self, d: date) -> str | None:
        """Return the name of the national holiday or cuti bersama on ``d``, if any."""
        return self._public.get(d) or self._government.get(d)

    def holidays_in(self, year: int) -> list[Holiday]:
        """The year's national holidays and cuti bersama from the holiday list, by day."""
        public = [Holiday(d, name, NATIONAL_HOLIDAY)
                  for d, name in _holiday_list("public", (year,)).items()]
        joint = [Holiday(d, name, CUTI_BERSAMA) for d, name in _holiday_list("government", (year,)).items()]
        return sorted(public + joint)

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


# The holiday list is the installed package's data: one copy per process (it loads each year when first asked), and
# what it says of a day is remembered (per cuti bersama setting). A calendar is built per request; this is not.
_BASE_DAYS: dict[bool, dict[date, bool]] = {False: {}, True: {}}


@functools.cache
def _shared_list(category: str) -> holidays.HolidayBase:
    return _holiday_list(category, ())


def _holiday_list(category: str, years: Iterable[int]) -> holidays.HolidayBase:
    """Build one category of the Indonesian holiday list, with Indonesian names."""
    return holidays.country_holidays("ID", years=tuple(years), categories=(category,), language="id")


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime, office: ZoneInfo) -> float:
    """The time from ``start`` to ``end`` that falls on the office's working days (whole office days, midnight to
    midnight office time): a task ready Friday 15:00 and done Monday 09:00 took 9 + 9 hours, the weekend not counted."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetime given; use aware datetimes")
    if end <= start:
        return 0.0
    first, last = start.astimezone(office), end.astimezone(office)
    total, day = 0.0, first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            opens = datetime.combine(day, time(0), tzinfo=office)
            closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=office)
            total += (min(closes, last) - max(opens, first)).total_seconds()
        day += timedelta(days=1)
    return total


# Rows, not entities, built once and run on the connection (the ORM's execution cost more than the query).
_OVERRIDES = select(CalendarOverride.day, CalendarOverride.is_working_day)


def load_calendar(session: Session, settings: Settings) -> WorkingCalendar:
    """Build the calendar from the settings and the admins' overrides (as this transaction sees them)."""
    rows = connection(session).execute(_OVERRIDES)
    return WorkingCalendar(
        {day: is_working_day for day, is_working_day in rows},
        cuti_bersama_is_working_day=settings.cuti_bersama_is_working_day,
        count_completion_day=settings.count_completion_day,
    )


# A fingerprint of the overrides that a caller reads inside one of its own statements (a scalar subquery): adding,
# changing or removing an override changes it, so a calendar kept for a stamp can never outlive an edit, in any
# process. (Its text is the database's own rendering of the rows; it is compared, never parsed.)
_DAY_TEXT = sql_cast(CalendarOverride.day, String) + ":" + sql_cast(CalendarOverride.is_working_day, String)
CALENDAR_STAMP = select(func.aggregate_strings(_DAY_TEXT, ",")).correlate(None).scalar_subquery()
_STAMPED = select(CalendarOverride.day, CalendarOverride.is_working_day, CALENDAR_STAMP.label("stamp"))
_CALENDARS: Kept[tuple[str | None, bool, bool], WorkingCalendar] = Kept(8)


def stamped_calendar(session: Session, settings: Settings, stamp: str | None) -> WorkingCalendar:
    """The calendar whose overrides ``stamp`` (CALENDAR_STAMP) fingerprints, built once per process and stamp; on a
    miss the overrides are read with their own stamp, in one statement, and kept under that."""
    key = (stamp, settings.cuti_bersama_is_working_day, settings.count_completion_day)
    calendar = _CALENDARS.find(key)
    if calendar is None:
        rows = connection(session).execute(_STAMPED).all()
        calendar = WorkingCalendar({row.day: row.is_working_day for row in rows},
                                   cuti_bersama_is_working_day=settings.cuti_bersama_is_working_day,
                                   count_completion_day=settings.count_completion_day)
        _CALENDARS.keep((rows[0].stamp if rows else None, *key[1:]), calendar)  # under the stamp of the rows read
    return calendar


def deadline_at(calendar: WorkingCalendar, finished_at: datetime, n: int, settings: Settings) -> datetime:
    """Return (in UTC) the end of the office day n working days after work finished at ``finished_at``."""
    if finished_at.tzinfo is None:
        raise ValueError("naive datetime given; use aware datetimes")
    office = ZoneInfo(settings.office_timezone)
    local_day = finished_at.astimezone(office).date()
    due_day = calendar.add_working_days(local_day, n)
    return datetime.combine(due_day, time(settings.deadline_hour), tzinfo=office).astimezone(timezone.utc)


# --- admin overrides (service functions: one transaction each, audited) ---------------------------

@dataclass(frozen=True)
class OverrideView:
    day: date
    is_working_day: bool
    note: str
    created_by: str
    created_at: datetime
    due_dates_moved: int = 0  # set by the change that made it: open tasks whose due date it moved


def _view(row: CalendarOverride) -> OverrideView:
    return OverrideView(row.day, row.is_working_day, row.note, row.created_by, row.created_at)


def _override_errors(calendar: WorkingCalendar, day: date | None, is_working_day: bool | None,
                     note: str) -> dict[str, str]:
    """What is wrong with an override: a day and its kind are given, a note says why (the decree, the office's
    decision), and it changes the day (an override repeating the holiday list would hide its later correction; a
    day already corrected goes back to the holiday list by removing its correction)."""
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = N_("Isi tanggal yang dikoreksi.")
    if is_working_day is None:
        errors["working"] = N_("Pilih hari kerja atau hari libur.")
    if not note:
        errors["note"] = N_("Catatan wajib diisi: sebutkan dasar koreksinya (mis. nomor SKB atau keputusan kantor).")
    elif len(note) > NOTE_MAX:
        errors["note"] = N_("Paling banyak {n} karakter.", n=NOTE_MAX)
    if day is not None and day in calendar.overrides and calendar.base_is_working_day(day) == is_working_day:
        errors["working"] = N_("Menurut daftar libur, {day} memang {kind}; hapus koreksi tanggal itu agar daftar libur "
                               "berlaku lagi.", day=day.strftime("%d-%m-%Y"),
                               kind=N_("hari kerja") if is_working_day else N_("bukan hari kerja"))
    elif day is not None and calendar.base_is_working_day(day) == is_working_day:
        errors["working"] = (N_("{day} sudah hari kerja menurut kalender; koreksi tidak diperlukan.",
                                day=day.strftime("%d-%m-%Y")) if is_working_day else
                             N_("{day} sudah bukan hari kerja menurut kalender; koreksi tidak diperlukan.",
                                day=day.strftime("%d-%m-%Y")))
    return errors


def set_override(ctx: Context, who: Who, day: date | None, is_working_day: bool | None,
                 note: str = "") -> OverrideView:
    """Make ``day`` a working or non-working day, replacing any earlier override of that day (administrators)."""
    note = " ".join(clean_text(note).split())
    with acting(ctx, who) as (session, user):
        require_roles(user, ADMIN_ROLES)
        errors = _override_errors(load_calendar(session, ctx.settings), day, is_working_day, note)
        if errors or day is None or is_working_day is None:
            raise InvalidInput(N_("Koreksi kalender tidak valid."), errors)
        row = session.get(CalendarOverride, day)
        before = {"working": row.is_working_day, "note": row.note} if row is not None else None
        if row is None:
            row = CalendarOverride(day=day)
            session.add(row)
        row.is_working_day, row.note, row.created_by, row.created_at = is_working_day, note, user.username, ctx.now()
        session.flush()
        moved = _reschedule(session, ctx, user.username, day)
        audit(session, ctx.now(), user.username, "calendar_override_set", None, None,
              data={"day": day.isoformat(), "working": is_working_day, "note": note, "before": before,
                    "due_dates_moved": moved})
        return replace(_view(row), due_dates_moved=moved)


def remove_override(ctx: Context, who: Who, day: date) -> int:
    """Remove the override of ``day``: the holiday list decides again (administrators). Returns how many open tasks'
    due dates moved back."""
    with acting(ctx, who) as (session, user):
        require_roles(user, ADMIN_ROLES)
        row = session.get(CalendarOverride, day)
        if row is None:
            raise NotFound(N_("Tidak ada koreksi kalender untuk tanggal {day}.", day=day.strftime("%d-%m-%Y")))
        working, note = row.is_working_day, row.note
        session.delete(row)
        session.flush()
        moved = _reschedule(session, ctx, user.username, day)
        audit(session, ctx.now(), user.username, "calendar_override_removed", None, None,
              data={"day": day.isoformat(), "working": working, "note": note, "due_dates_moved": moved})
        return moved


def _reschedule(session: Session, ctx: Context, actor: str, day: date) -> int:
    """Move the due dates of open tasks counted in working days to the corrected calendar, each move audited on its
    process instance; return how many moved."""
    from .process.deadlines import reschedule_open_tasks  # engine.process imports this module

    moved = reschedule_open_tasks(session, ctx.settings)
    for one in moved:
        audit(session, ctx.now(), actor, "due_date_moved", one.task.instance_id, one.campaign_id, one.task,
              data={"before": one.before.isoformat(), "after": one.task.due_at.isoformat() if one.task.due_at else None,
                    "day": day.isoformat()})
    return len(moved)


def list_overrides(ctx: Context) -> list[OverrideView]:
    """List all overrides, earliest day first."""
    with ctx.transaction() as session:
        return overrides(session)


def overrides(session: Session, year: int | None = None) -> list[OverrideView]:
    """The overrides (of one ``year``), earliest day first."""
    query = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        query = query.where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
    return [_view(row) for row in session.scalars(query)]
