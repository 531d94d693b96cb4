"""Working-day calendar: the worked examples of domain.md, overrides, year boundary, timezone, admin rule."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from engine import users
from engine.errors import NotAllowed, NotFound
from engine.settings import Settings
from engine.workdays import (
    WorkingCalendar,
    deadline_at,
    list_overrides,
    load_calendar,
    remove_override,
    set_override,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("finished", "due"),
    [
        (date(2025, 3, 27), date(2025, 4, 14)),  # Nyepi + Idul Fitri + cuti bersama
        (date(2025, 8, 13), date(2025, 8, 21)),  # 18 Aug 2025 cuti bersama added mid-year
        (date(2026, 3, 17), date(2026, 3, 31)),
    ],
)
def test_worked_examples_of_domain_notes(finished: date, due: date) -> None:
    assert WorkingCalendar().add_working_days(finished, 5) == due


def test_cuti_bersama_as_working_days_setting() -> None:
    calendar = WorkingCalendar(cuti_bersama_is_working_day=True)
    assert calendar.add_working_days(date(2025, 3, 27), 5) == date(2025, 4, 7)


def test_weekends_are_skipped() -> None:
    calendar = WorkingCalendar()
    assert not calendar.is_working_day(date(2026, 3, 7))  # Saturday
    assert not calendar.is_working_day(date(2026, 3, 8))  # Sunday
    assert calendar.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri → Mon
    assert calendar.add_working_days(date(2026, 3, 7), 5) == date(2026, 3, 13)  # from Saturday


def test_zero_days_and_negative_days() -> None:
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 3, 9), -1)


def test_count_completion_day_setting() -> None:
    calendar = WorkingCalendar(count_completion_day=True)
    assert calendar.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 9)
    assert calendar.add_working_days(date(2026, 3, 9), 5) == date(2026, 3, 13)
    # A non-working completion day is not counted.
    assert calendar.add_working_days(date(2026, 3, 17), 5) == date(2026, 3, 30)
    assert calendar.add_working_days(date(2026, 3, 18), 5) == date(2026, 3, 31)


def test_holiday_names() -> None:
    calendar = WorkingCalendar()
    assert calendar.holiday_name(date(2025, 3, 31)) == "Hari Raya Idul Fitri"
    assert "Cuti Bersama" in (calendar.holiday_name(date(2025, 8, 18)) or "")
    assert calendar.holiday_name(date(2026, 3, 9)) is None


def test_overrides_win_over_holidays_and_weekdays() -> None:
    holiday, weekday, saturday = date(2025, 4, 7), date(2025, 4, 9), date(2025, 4, 12)
    calendar = WorkingCalendar({holiday: True, weekday: False, saturday: True})
    assert calendar.is_working_day(holiday)
    assert not calendar.is_working_day(weekday)
    assert calendar.is_working_day(saturday)
    # 7 Apr (1), 8 Apr (2), 10 Apr (3), 11 Apr (4), Sat 12 Apr (5).
    assert calendar.add_working_days(date(2025, 3, 27), 5) == date(2025, 4, 12)


def test_year_boundary_loads_next_year() -> None:
    calendar = WorkingCalendar(years=[2026])
    # 24 Dec cuti bersama, 25 Dec Christmas, 28–31 Dec (4), 1 Jan 2027 New Year, Mon 4 Jan (5).
    assert calendar.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    assert not calendar.is_working_day(date(2027, 1, 1))


def test_working_days_between_inverts_add() -> None:
    for calendar in (WorkingCalendar(), WorkingCalendar(count_completion_day=True)):
        start = date(2026, 3, 16)
        for n in range(1, 12):
            assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    calendar = WorkingCalendar()
    assert calendar.working_days_between(date(2026, 3, 17), date(2026, 3, 31)) == 5
    assert calendar.working_days_between(date(2026, 3, 31), date(2026, 3, 17)) == -5
    assert calendar.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0


def test_deadline_at_end_of_office_day_in_utc() -> None:
    settings = Settings()
    finished = datetime(2026, 3, 17, 3, 0, tzinfo=UTC)  # Tue 10:00 WIB
    due = deadline_at(WorkingCalendar(), finished, 5, settings)
    assert due == datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # Tue 31 Mar 16:00 WIB
    assert due.tzinfo is UTC


def test_deadline_at_uses_the_office_date() -> None:
    settings = Settings()
    calendar = WorkingCalendar()
    # 20:00Z on 17 Mar is already 03:00 on Wed 18 Mar in Jakarta (a cuti bersama).
    assert deadline_at(calendar, datetime(2026, 3, 17, 20, 0, tzinfo=UTC), 5, settings) == datetime(
        2026, 3, 31, 9, 0, tzinfo=UTC
    )
    # 18:00Z on Thu 26 Mar is Fri 27 Mar in Jakarta: 30, 31 Mar, 1, 2 Apr, (Good Friday), Mon 6 Apr.
    assert deadline_at(calendar, datetime(2026, 3, 26, 18, 0, tzinfo=UTC), 5, settings) == datetime(
        2026, 4, 6, 9, 0, tzinfo=UTC
    )
    # 16:00Z on Thu 26 Mar is still 23:00 Thursday in Jakarta.
    assert deadline_at(calendar, datetime(2026, 3, 26, 16, 0, tzinfo=UTC), 5, settings) == datetime(
        2026, 4, 2, 9, 0, tzinfo=UTC
    )


def test_deadline_at_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        deadline_at(WorkingCalendar(), datetime(2026, 3, 17, 10, 0), 5, Settings())


def test_deadline_hour_setting() -> None:
    settings = Settings(deadline_hour=17)
    due = deadline_at(WorkingCalendar(), datetime(2026, 3, 9, 2, 0, tzinfo=UTC), 1, settings)
    assert due == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _add(ctx, username: str, *roles: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        users.add_user(session, ctx.now(), username, roles)


def _load(ctx) -> WorkingCalendar:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        return load_calendar(session, ctx.settings)


def test_admin_overrides_persist_and_feed_the_calendar(make_ctx) -> None:  # type: ignore[no-untyped-def]
    _add(make_ctx(), "admin1", "admin")
    set_override(make_ctx(), "admin1", date(2025, 4, 7), True, "SKB diubah")
    set_override(make_ctx(), "admin1", date(2025, 4, 9), False, "Kantor tutup")
    set_override(make_ctx(), "admin1", date(2025, 4, 9), False, "Kantor tutup (renovasi)")
    views = list_overrides(make_ctx())
    assert [(v.day, v.is_working_day, v.note) for v in views] == [
        (date(2025, 4, 7), True, "SKB diubah"),
        (date(2025, 4, 9), False, "Kantor tutup (renovasi)"),
    ]
    assert views[0].created_by == "admin1"
    calendar = _load(make_ctx())
    assert calendar.is_working_day(date(2025, 4, 7))
    assert not calendar.is_working_day(date(2025, 4, 9))

    remove_override(make_ctx(), "admin1", date(2025, 4, 9))
    assert [v.day for v in list_overrides(make_ctx())] == [date(2025, 4, 7)]
    assert _load(make_ctx()).add_working_days(date(2025, 3, 27), 5) == date(2025, 4, 11)
    with pytest.raises(NotFound):
        remove_override(make_ctx(), "admin1", date(2025, 4, 9))


def test_load_calendar_applies_settings(make_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx()
    settings = Settings(database_url=ctx.settings.database_url, cuti_bersama_is_working_day=True)
    with ctx.transaction() as session:
        calendar = load_calendar(session, settings)
    assert calendar.add_working_days(date(2025, 3, 27), 5) == date(2025, 4, 7)


def test_non_admin_may_not_change_the_calendar(make_ctx) -> None:  # type: ignore[no-untyped-def]
    _add(make_ctx(), "kasi1", "kasi")
    with pytest.raises(NotAllowed):
        set_override(make_ctx(), "kasi1", date(2025, 4, 7), True, "")
    with pytest.raises(NotAllowed):
        set_override(make_ctx(), "nobody", date(2025, 4, 7), True, "")
    with pytest.raises(NotAllowed):
        remove_override(make_ctx(), "kasi1", date(2025, 4, 7))
    assert list_overrides(make_ctx()) == []


def test_inactive_admin_may_not_change_the_calendar(make_ctx) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx()
    with ctx.transaction() as session:
        users.add_user(session, ctx.now(), "admin2", ["admin"])
        users.set_active(session, "admin2", False)
    with pytest.raises(NotAllowed):
        set_override(make_ctx(), "admin2", date(2025, 4, 7), True, "")
