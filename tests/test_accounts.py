"""The administrator's services (accounts, units, calendar corrections): authorized in the service, audited, bad input
named by field with nothing stored; the command line runs the same audited cores as ``system``."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine import accounts, logins, units, users
from engine.accounts import NewPassword
from engine.errors import InvalidInput, NotAllowed, NotAuthenticated
from engine.models import AuditEvent, Instance, TaskIndex, User
from engine.users import Profile
from engine.walkthrough import work_plan
from engine.workdays import WorkingCalendar, remove_override, set_override, working_seconds

from sop_helpers import do, instance_of, new_campaign, setup_sop, to_distribution

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def office(make_ctx) -> None:
    setup_sop(make_ctx)


def audit_rows(make_ctx, *actions: str) -> list[AuditEvent]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def count_users(make_ctx) -> int:
    with make_ctx().transaction() as session:
        return session.scalar(select(func.count(User.id))) or 0


def test_only_an_active_administrator_changes_accounts_units_and_the_calendar(make_ctx, office) -> None:
    calls = (
        lambda who: accounts.create_account(make_ctx(), who, "baru", ["agen"], Profile(), NewPassword("none")),
        lambda who: accounts.update_account(make_ctx(), who, "agen1", Profile("X"), ["agen"]),
        lambda who: accounts.set_account_active(make_ctx(), who, "agen1", False),
        lambda who: accounts.reset_password(make_ctx(), who, "agen1", NewPassword("generate")),
        lambda who: accounts.revoke_account_tokens(make_ctx(), who, "agen1"),
        lambda who: units.create_unit(make_ctx(), who, "Kanwil Baru"),
        lambda who: units.rename(make_ctx(), who, 1, "Nama Lain"),
        lambda who: units.set_active(make_ctx(), who, 1, False),
        lambda who: set_override(make_ctx(), who, date(2026, 3, 20), True, "SKB"),
    )
    with make_ctx().transaction() as session:
        users.add_user(session, make_ctx().now(), "admin.off", ["admin"])
        users.set_active(session, "admin.off", False)
    before = audit_rows(make_ctx, *accounts.ADMIN_ACTIONS, "unit_added", "calendar_override_set")
    for call in calls:
        for who in ("kasi", "analis.tidak.ada", "admin.off"):
            with pytest.raises((NotAllowed, NotAuthenticated)):
                call(who)
    after = audit_rows(make_ctx, *accounts.ADMIN_ACTIONS, "unit_added", "calendar_override_set")
    assert [e.id for e in after] == [e.id for e in before]


def test_a_new_account_names_every_problem_at_once(make_ctx, office) -> None:
    before = count_users(make_ctx)
    with pytest.raises(InvalidInput) as caught:
        accounts.create_account(make_ctx(), "admin", "Bad Name", ["raja"], Profile(email="x@", nip="12"),
                                NewPassword("typed", "rahasia-123", "rahasia-321"))
    assert set(caught.value.fields) == {"username", "roles", "email", "nip", "password_confirm"}
    with pytest.raises(InvalidInput) as caught:
        accounts.create_account(make_ctx(), "admin", "baru", ["agen"], Profile(), NewPassword("?"))
    assert set(caught.value.fields) == {"mode"}
    with pytest.raises(InvalidInput) as caught:
        accounts.create_account(make_ctx(), "admin", "baru", ["agen"], Profile(),
                                NewPassword("typed", "x" * 257, "x" * 257))
    assert "paling banyak 256" in caught.value.fields["password"]
    assert count_users(make_ctx) == before
    made = accounts.create_account(make_ctx(), "admin", "  Sistem.Lain ", ["pengguna_layanan"],
                                   Profile("Sistem lain", unit="Direktorat P2Humas"), NewPassword("none"))
    assert made.user.username == "sistem.lain" and made.password is None
    assert logins.sign_in(make_ctx(), "sistem.lain", "", "-").user is None  # no password: API tokens only
    [row] = audit_rows(make_ctx, "user_created")
    assert row.username == "admin" and row.data == {"user": "sistem.lain", "roles": ["pengguna_layanan"],
                                                    "unit": "Direktorat P2Humas", "password": False}


def test_an_edit_that_changes_nothing_is_not_recorded(make_ctx, office) -> None:
    profile = Profile("Agen 1 (demo)")
    assert accounts.update_account(make_ctx(), "admin", "agen1", profile, ["agen", "pelaksana"]) == {}
    assert audit_rows(make_ctx, "user_updated") == []
    changes = accounts.update_account(make_ctx(), "admin", "agen1", Profile("Agen 1 (demo)", " agen1@pajak.go.id "),
                                      ["agen", "pelaksana"])
    assert changes == {"email": [None, "agen1@pajak.go.id"]}


def test_administrators_cannot_lock_themselves_out_but_can_each_other(make_ctx, office) -> None:
    with pytest.raises(InvalidInput) as caught:
        accounts.set_account_active(make_ctx(), "admin", "admin", False)
    assert set(caught.value.fields) == {"active"}
    with pytest.raises(InvalidInput) as caught:
        accounts.update_account(make_ctx(), "admin", "admin", Profile("Administrator (demo)"), ["analis"])
    assert set(caught.value.fields) == {"roles"}
    accounts.create_account(make_ctx(), "admin", "admin2", ["admin"], Profile(), NewPassword("generate"))
    accounts.update_account(make_ctx(), "admin2", "admin", Profile("Administrator (demo)"), ["analis"])
    assert accounts.set_account_active(make_ctx(), "admin2", "admin", False) == 0
    with pytest.raises(NotAuthenticated):  # the former administrator is out
        accounts.set_account_active(make_ctx(), "admin", "admin2", False)


def test_a_deactivated_unit_is_kept_for_its_users(make_ctx, office) -> None:
    with make_ctx().transaction() as session:
        unit_id = next(v.id for v in units.views(session) if v.name == "Direktorat P2Humas")
    assert not units.set_active(make_ctx(), "admin", unit_id, False).active
    with pytest.raises(InvalidInput) as caught:
        units.set_active(make_ctx(), "admin", unit_id, None)
    assert set(caught.value.fields) == {"active"}
    # "unit" keeps its (now inactive) unit when an admin edits something else about it.
    accounts.update_account(make_ctx(), "admin", "unit", Profile("Unit", unit="Direktorat P2Humas"),
                            ["pengguna_layanan"])
    with pytest.raises(InvalidInput) as caught:  # … but nobody new joins it
        accounts.update_account(make_ctx(), "admin", "kpp", Profile("KPP", unit="Direktorat P2Humas"),
                                ["pengguna_layanan"])
    assert "bukan unit peminta yang terdaftar" in caught.value.fields["unit"]
    renamed = units.rename(make_ctx(), "admin", unit_id, "Direktorat P2Humas (lama)")
    assert renamed.name == "Direktorat P2Humas (lama)" and renamed.users == 1
    assert [e.action for e in audit_rows(make_ctx, "unit_deactivated", "unit_renamed")] == [
        "unit_deactivated", "unit_renamed"]


def test_calendar_corrections_need_a_note_and_must_change_the_day(make_ctx, office) -> None:
    with pytest.raises(InvalidInput) as caught:
        set_override(make_ctx(), "admin", None, None, "")
    assert set(caught.value.fields) == {"day", "working", "note"}
    with pytest.raises(InvalidInput) as caught:
        set_override(make_ctx(), "admin", date(2026, 3, 9), True, "Senin biasa")  # already a working day
    assert "sudah hari kerja" in caught.value.fields["working"]
    set_override(make_ctx(), "admin", date(2026, 3, 9), False, "Kantor tutup: renovasi")
    set_override(make_ctx(), "admin", date(2026, 3, 9), False, "Kantor tutup: renovasi gedung")
    remove_override(make_ctx(), "admin", date(2026, 3, 9))
    rows = audit_rows(make_ctx, "calendar_override_set", "calendar_override_removed")
    assert [(r.action, r.data["note"], r.data.get("before")) for r in rows] == [
        ("calendar_override_set", "Kantor tutup: renovasi", None),
        ("calendar_override_set", "Kantor tutup: renovasi gedung",
         {"working": False, "note": "Kantor tutup: renovasi"}),
        ("calendar_override_removed", "Kantor tutup: renovasi gedung", None)]


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WIB).astimezone(timezone.utc)


def test_working_time_counts_only_the_offices_working_days() -> None:
    calendar = WorkingCalendar()
    hours = lambda a, b: working_seconds(calendar, a, b, WIB) / 3600  # noqa: E731
    assert hours(at(6, 15), at(9, 9)) == 18  # Friday 15:00 → Monday 09:00
    assert hours(at(9, 9), at(9, 11)) == 2
    # Tue 17 Mar 12:00 → Wed 25 Mar 12:00: Nyepi, Idul Fitri and their cuti bersama fill every day between.
    assert hours(at(17, 12), at(25, 12)) == 12 + 12
    assert hours(at(9, 11), at(9, 9)) == 0
    with pytest.raises(ValueError):
        working_seconds(calendar, datetime(2026, 3, 9, 9), at(9, 11), WIB)


def test_the_command_line_runs_the_same_audited_changes_as_system(klip) -> None:
    klip("init-db")
    assert klip("user", "add", "budi", "--role", "kasi").returncode == 0
    edited = klip("user", "edit", "budi", "--email", "budi@pajak.go.id", "--nip", "199001012015031001")
    assert edited.returncode == 0 and "email, nip" in edited.stdout
    assert klip("user", "edit", "budi", "--nip", "12").returncode == 1
    assert klip("unit", "add", "KPP Pratama Satu").returncode == 0
    assert klip("unit", "rename", "1", "KPP Pratama Satu Baru").returncode == 0
    assert "nonaktif" in klip("unit", "deactivate", "1").stdout
    assert "(nonaktif)" in klip("unit", "list").stdout
    assert klip("user", "deactivate", "budi").returncode == 0
    from engine.context import Context
    from engine.settings import Settings

    ctx = Context.from_settings(Settings.from_env())
    with ctx.transaction() as session:
        trail = [(e.username, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    ctx.engine.dispose()
    assert trail == [("system", "user_created"), ("system", "user_updated"), ("system", "unit_added"),
                     ("system", "unit_renamed"), ("system", "unit_deactivated"), ("system", "user_deactivated")]


def due_dates(make_ctx, cid: int) -> dict[str, datetime | None]:
    with make_ctx().transaction() as session:
        rows = session.scalars(select(TaskIndex).join(Instance, Instance.id == TaskIndex.instance_id)
                               .where(Instance.campaign_id == cid))
        return {f"{row.bpmn_id}:{row.assignee or ''}": row.due_at for row in rows}


def test_a_correction_moves_the_due_dates_counted_in_working_days(make_ctx, office) -> None:
    """Monday 9 Mar 2026: step 2 (2 working days) is due Wednesday 16:00; Tuesday made a holiday moves it to Thursday
    and back again when the correction is removed. Step 5's due date is the work plan's end date: it stays."""
    drafting = new_campaign(make_ctx, 4)
    do(make_ctx, "kasi", "tugaskan_pelaksana", drafting, {"pelaksana": "pelaksana"})
    calling = new_campaign(make_ctx, 4)
    to_distribution(make_ctx, calling)
    do(make_ctx, "kasi", "distribusi_pekerjaan", calling, {"agen": ["agen1"]})
    assert due_dates(make_ctx, drafting) == {"susun_rencana_kerja:pelaksana": at(11, 16)}
    agent_due = due_dates(make_ctx, calling)
    assert agent_due == {"hubungi_wajib_pajak:agen1": at(19, 16)}  # the plan's end date, ten days on

    done = set_override(make_ctx(), "admin", date(2026, 3, 10), False, "Kantor tutup")
    assert done.due_dates_moved == 1
    assert due_dates(make_ctx, drafting) == {"susun_rencana_kerja:pelaksana": at(12, 16)}
    assert due_dates(make_ctx, calling) == agent_due
    [moved] = audit_rows(make_ctx, "due_date_moved")
    assert moved.username == "admin" and moved.instance_id == instance_of(make_ctx, drafting)
    assert moved.task_name == "Menyusun konsep rencana kerja" and moved.task_due_at == at(12, 16)
    assert moved.data == {"before": at(11, 16).isoformat(), "after": at(12, 16).isoformat(), "day": "2026-03-10"}
    assert audit_rows(make_ctx, "calendar_override_set")[0].data["due_dates_moved"] == 1

    # A Saturday made a working day is a day the count may use: nothing due before it moves.
    assert set_override(make_ctx(), "admin", date(2026, 3, 14), True, "Hari kerja pengganti").due_dates_moved == 0
    assert remove_override(make_ctx(), "admin", date(2026, 3, 10)) == 1
    assert due_dates(make_ctx, drafting) == {"susun_rencana_kerja:pelaksana": at(11, 16)}
    # Corrected again: the moved due date is the one the task is completed against, and the next step counts with
    # the corrected calendar from the start (1 working day from Monday, Tuesday closed: Wednesday).
    set_override(make_ctx(), "admin", date(2026, 3, 10), False, "Kantor tutup")
    do(make_ctx, "pelaksana", "susun_rencana_kerja", drafting, work_plan(make_ctx()))
    with make_ctx().transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "task_completed",
                                                           AuditEvent.campaign_id == drafting,
                                                           AuditEvent.task_bpmn_id == "susun_rencana_kerja"))
        assert event.task_due_at == at(12, 16)
    assert due_dates(make_ctx, drafting) == {"teliti_rencana_kerja:": at(11, 16)}
