"""The administrator's pages: users, requesting units and the working-day calendar — every change through the
engine's services (authorized, audited), bad input named by field with nothing stored."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from engine import logins, users
from engine.models import ApiToken, AuditEvent, CalendarOverride, Unit, User
from engine.workdays import set_override

from sop_helpers import do, instance_of, new_campaign, setup_sop
from web_helpers import bearer, has_class, login_as, one, page_tree, rows_of, text_of


@pytest.fixture
def office(make_ctx) -> None:
    setup_sop(make_ctx)


def get(client: Any, path: str, who: str = "admin") -> tuple[int, Any]:
    response = login_as(client, who).get(path)
    return response.status_code, page_tree(response)


def post(client: Any, path: str, data: Any, who: str = "admin") -> Any:
    return login_as(client, who).post(path, data=data)


def account(make_ctx, username: str) -> User | None:
    with make_ctx().transaction() as session:
        return users.find_user(session, username)


def events(make_ctx, action: str) -> list[AuditEvent]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def flash(tree: Any) -> str:
    return text_of(one(tree, f"//div[{has_class('flash')}]"))


def test_the_admin_menu_and_pages_are_for_administrators(client, office) -> None:
    assert get(client, "/admin/pengguna")[1].xpath("//nav[@class='mainnav']/a[@href='/admin/pengguna']")
    for who in ("kasi", "kepala", "unit"):
        status, html = get(client, "/", who)
        assert not html.xpath("//a[@href='/admin/pengguna']")
        for path in ("/admin/pengguna", "/admin/pengguna/baru", "/admin/pengguna/kasi", "/admin/unit",
                     "/admin/kalender"):
            assert get(client, path, who)[0] == 403, path


def test_the_user_list_searches_and_counts_by_status(client, make_ctx, office) -> None:
    with make_ctx().transaction() as session:
        users.set_active(session, "agen3", False)
    status, html = get(client, "/admin/pengguna?q=agen")
    table = one(html, f"//table[{has_class('user-table')}]")
    assert status == 200 and [r[0] for r in rows_of(table)] == ["agen1", "agen2", "agen3"]
    assert rows_of(table)[0][2] == "Pelaksana Seksi Operasional, Agen" and rows_of(table)[2][5] == "Nonaktif"
    tabs = [text_of(a) for a in html.xpath("//nav[@class='tabs']/a")]
    assert tabs == ["Semua 3", "Aktif 2", "Nonaktif 1"]
    html = get(client, "/admin/pengguna?q=agen&status=nonaktif")[1]
    assert [r[0] for r in rows_of(one(html, "//table"))] == ["agen3"]
    assert rows_of(one(get(client, "/admin/pengguna?q=P2Humas")[1], "//table"))[0][0] == "unit"  # by full name


def test_a_new_user_with_a_typed_password_and_errors_named_by_field(client, make_ctx, office) -> None:
    form = {"username": "siti", "full_name": "Siti Aminah", "email": "bukan-email", "nip": "123", "language": "id",
            "unit": "", "roles": ["agen", "pelaksana"], "mode": "typed", "password": "rahasia-123",
            "password_confirm": "rahasia-124"}
    refused = post(client, "/admin/pengguna/baru", form)
    html = page_tree(refused)
    assert refused.status_code == 422 and account(make_ctx, "siti") is None
    for field in ("email", "nip"):
        control = one(html, f"//input[@name='{field}']")
        assert control.get("aria-invalid") == "true" and f"error-{field}" in control.get("aria-describedby")
    assert "NIP terdiri atas 18 angka" in text_of(one(html, "//*[@id='error-nip']"))
    assert one(html, "//input[@name='full_name']").get("value") == "Siti Aminah"  # what was typed stays
    mismatch = post(client, "/admin/pengguna/baru", {**form, "email": "siti@pajak.go.id", "nip": ""})
    assert mismatch.status_code == 422
    assert "tidak sama" in text_of(one(page_tree(mismatch), "//*[@id='error-password_confirm']"))
    created = post(client, "/admin/pengguna/baru", {**form, "email": "siti@pajak.go.id", "nip": "",
                                                    "password_confirm": "rahasia-123"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/admin/pengguna/siti")
    assert logins.sign_in(make_ctx(), "siti", "rahasia-123", "-").user is not None
    [event] = events(make_ctx, "user_created")
    assert event.username == "admin" and event.data["user"] == "siti" and event.data["roles"] == ["agen", "pelaksana"]
    assert "rahasia" not in str(event.data)


def test_a_generated_password_is_shown_once_and_never_cached(client, make_ctx, office) -> None:
    response = post(client, "/admin/pengguna/baru", {"username": "budi", "roles": ["kasi"], "mode": "generate",
                                                     "language": "id"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = text_of(one(page_tree(response), f"//code[{has_class('secret')}]"))
    assert len(secret) >= 16 and logins.sign_in(make_ctx(), "budi", secret, "-").user is not None
    html = get(client, "/admin/pengguna/budi")[1]
    assert not html.xpath(f"//code[{has_class('secret')}]") and secret not in text_of(one(html, "//main"))
    reset = post(client, "/admin/pengguna/budi/kata-sandi", {"mode": "generate"})
    again = text_of(one(page_tree(reset), f"//code[{has_class('secret')}]"))
    assert again != secret and logins.sign_in(make_ctx(), "budi", again, "-").user
    assert not logins.sign_in(make_ctx(), "budi", secret, "-").user
    typed = post(client, "/admin/pengguna/budi/kata-sandi", {"mode": "typed", "password": "pendek",
                                                              "password_confirm": "pendek"})
    assert typed.status_code == 422
    assert "paling sedikit 8" in text_of(one(page_tree(typed), "//*[@id='error-password']"))
    assert [e.data for e in events(make_ctx, "user_password_reset")] == [{"user": "budi"}]


def test_editing_a_user_records_what_changed(client, make_ctx, office) -> None:
    form = {"full_name": "Agen Tiga", "email": "agen3@pajak.go.id", "nip": "199001012015031001", "position": "",
            "language": "en", "unit": "Direktorat P2Humas", "roles": ["agen"]}
    assert post(client, "/admin/pengguna/agen3", form).status_code == 302
    user = account(make_ctx, "agen3")
    assert user is not None and user.email == "agen3@pajak.go.id" and user.language == "en"
    assert user.role_names == {"agen"} and user.unit_id is not None
    [event] = events(make_ctx, "user_updated")
    assert event.data["changes"]["roles"] == [["agen", "pelaksana"], ["agen"]]
    assert event.data["changes"]["email"] == [None, "agen3@pajak.go.id"]
    history = one(get(client, "/admin/pengguna/agen3")[1], f"//section[{has_class('admin-history')}]")
    assert "admin mengubah data pengguna agen3" in text_of(history)
    assert "Peran: Pelaksana Seksi Operasional, Agen → Agen" in text_of(history)
    bad = post(client, "/admin/pengguna/agen3", {**form, "unit": "Unit Fiktif", "roles": ["raja"]})
    assert bad.status_code == 422
    html = page_tree(bad)
    assert "Unit Fiktif" in text_of(one(html, "//*[@id='error-unit']")) and html.xpath("//*[@id='error-roles']")
    assert account(make_ctx, "agen3").role_names == {"agen"}  # nothing half-stored


def test_an_administrator_cannot_lock_themselves_out(client, make_ctx, office) -> None:
    refused = post(client, "/admin/pengguna/admin/status", {"active": "0"})
    assert refused.status_code == 422
    assert "tidak dapat menonaktifkan akun Anda sendiri" in flash(page_tree(refused))
    dropped = post(client, "/admin/pengguna/admin", {"full_name": "Administrator (demo)", "language": "id",
                                                     "roles": ["analis"]})
    assert dropped.status_code == 422
    assert "administrator lain" in text_of(one(page_tree(dropped), "//*[@id='error-roles']"))
    assert account(make_ctx, "admin").active and account(make_ctx, "admin").role_names == {"admin", "analis"}
    html = get(client, "/admin/pengguna/admin")[1]
    assert not html.xpath("//form[contains(@action, '/status')]")  # no button to do it


def test_deactivating_revokes_tokens_and_activating_restores_the_login(client, make_ctx, office) -> None:
    bearer(make_ctx(), "agen2")
    bearer(make_ctx(), "agen2")
    done = post(client, "/admin/pengguna/agen2/status", {"active": "0"})
    assert done.status_code == 302 and not account(make_ctx, "agen2").active
    assert "2 token API dicabut" in flash(get(client, "/admin/pengguna/agen2")[1])
    with make_ctx().transaction() as session:
        assert session.scalars(select(ApiToken)).all() == []
    assert post(client, "/admin/pengguna/agen2/status", {"active": "1"}).status_code == 302
    assert account(make_ctx, "agen2").active
    assert [e.action for e in events(make_ctx, "user_deactivated") + events(make_ctx, "user_activated")] == [
        "user_deactivated", "user_activated"]
    assert post(client, "/admin/pengguna/agen2/status", {"active": "ya"}).status_code == 422


def test_revoking_every_token_of_a_user(client, make_ctx, office) -> None:
    headers = bearer(make_ctx(), "kasi")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    html = get(client, "/admin/pengguna/kasi")[1]
    assert "1 token aktif" in text_of(one(html, f"//section[{has_class('api-tokens')}]"))
    assert post(client, "/admin/pengguna/kasi/token", {}).status_code == 302
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    assert events(make_ctx, "user_tokens_revoked")[0].data == {"user": "kasi", "tokens": 1}


def test_units_are_added_renamed_and_deactivated(client, make_ctx, office) -> None:
    assert post(client, "/admin/unit", {"name": "  Kanwil   DJP Jakarta Pusat "}).status_code == 302
    duplicate = post(client, "/admin/unit", {"name": "kanwil djp jakarta pusat"})
    assert duplicate.status_code == 422 and "sudah ada" in text_of(one(page_tree(duplicate), "//*[@id='error-name']"))
    with make_ctx().transaction() as session:
        unit_id = session.scalars(select(Unit.id).where(Unit.name == "Kanwil DJP Jakarta Pusat")).one()
        p2humas = session.scalars(select(Unit.id).where(Unit.name == "Direktorat P2Humas")).one()
    clash = post(client, f"/admin/unit/{unit_id}", {"name": "Direktorat P2Humas"})
    assert clash.status_code == 422 and page_tree(clash).xpath(f"//*[@id='error-name-{unit_id}']")
    assert post(client, f"/admin/unit/{unit_id}", {"name": "Kanwil DJP Jakarta Pusat (baru)"}).status_code == 302
    assert post(client, f"/admin/unit/{p2humas}/status", {"active": "0"}).status_code == 302
    html = get(client, "/admin/unit")[1]
    cells = [text_of(td) for td in html.xpath("//tr[@data-unit='Direktorat P2Humas']/td")]
    assert cells[3] == "Nonaktif" and cells[1] == "1"  # its user "unit"
    history = text_of(one(html, f"//section[{has_class('admin-history')}]"))
    assert "admin mengganti nama unit menjadi Kanwil DJP Jakarta Pusat (baru)" in history
    assert "sebelumnya: Kanwil DJP Jakarta Pusat" in history
    assert "admin menonaktifkan unit Direktorat P2Humas" in history
    upload = login_as(client, "unit").post("/kampanye/unggah", data={"title": "Baru"})
    assert upload.status_code == 422 and "dinonaktifkan" in text_of(one(page_tree(upload), "//main"))


def test_the_calendar_lists_the_years_holidays_and_takes_corrections(client, make_ctx, office) -> None:
    status, html = get(client, "/admin/kalender?tahun=2026")
    assert status == 200
    row = one(html, "//tr[@data-day='2026-03-20']")
    assert "Cuti Bersama Hari Raya Idul Fitri" in text_of(row) and "Bukan hari kerja" in text_of(row)
    assert "(cuti bersama)" in text_of(row)
    assert "Hari Suci Nyepi (libur nasional)" in text_of(one(html, "//tr[@data-day='2026-03-19']"))
    days = text_of(one(html, f"//div[{has_class('calendar-stats')}]"))
    missing = post(client, "/admin/kalender?tahun=2026", {"day": "2026-03-20", "working": "1", "note": ""})
    assert missing.status_code == 422 and page_tree(missing).xpath("//input[@name='note'][@aria-invalid='true']")
    pointless = post(client, "/admin/kalender", {"day": "2026-03-21", "working": "0", "note": "Sabtu"})
    assert pointless.status_code == 422
    assert "sudah bukan hari kerja" in text_of(one(page_tree(pointless), "//*[@id='error-working']"))
    done = post(client, "/admin/kalender", {"day": "2026-03-20", "working": "1", "note": "SKB perubahan"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/kalender?tahun=2026")
    html = get(client, "/admin/kalender?tahun=2026")[1]
    row = one(html, "//tr[@data-day='2026-03-20']")
    assert "dijadikan hari kerja" in text_of(row) and "SKB perubahan" in text_of(row) and "Hari kerja" in text_of(row)
    assert text_of(one(html, f"//div[{has_class('calendar-stats')}]")) != days  # one more working day
    [event] = events(make_ctx, "calendar_override_set")
    assert event.username == "admin" and event.data["day"] == "2026-03-20" and event.data["note"] == "SKB perubahan"
    assert post(client, "/admin/kalender/2026-03-20/hapus", {}).status_code == 302
    with make_ctx().transaction() as session:
        assert session.get(CalendarOverride, date(2026, 3, 20)) is None
    assert events(make_ctx, "calendar_override_removed")[0].data["note"] == "SKB perubahan"
    assert post(client, "/admin/kalender/2026-03-20/hapus", {}).status_code == 404  # nothing left to remove


def test_deactivation_ends_an_open_session_and_the_login(client, make_ctx, office) -> None:
    typed = {"mode": "typed", "password": "rahasia-agen2", "password_confirm": "rahasia-agen2"}
    assert post(client, "/admin/pengguna/agen2/kata-sandi", typed).status_code == 302
    agent = client.application.test_client()
    assert agent.post("/login", data={"username": "agen2", "password": "rahasia-agen2"}).status_code == 302
    assert agent.get("/").status_code == 200  # a session of its own, by the login form
    assert post(client, "/admin/pengguna/agen2/status", {"active": "0"}).status_code == 302
    refused = agent.get("/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert agent.get("/").headers["Location"].startswith("/login")  # the session is gone, not just one page
    again = agent.post("/login", data={"username": "agen2", "password": "rahasia-agen2"})
    assert again.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in [text_of(f) for f in page_tree(again).xpath(
        f"//div[{has_class('flash')}]")]


def test_the_user_page_lists_the_tasks_the_user_holds(client, make_ctx, office) -> None:
    cid = new_campaign(make_ctx)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    held = one(get(client, "/admin/pengguna/pelaksana")[1], f"//section[{has_class('held-tasks')}]")
    assert "Menyusun konsep rencana kerja · Kampanye uji · batas 11 Mar 2026 16:00 WIB" in text_of(held)
    assert "Kepala Seksi Operasional mengalihkannya" in text_of(held)
    none = one(get(client, "/admin/pengguna/kepala")[1], f"//section[{has_class('held-tasks')}]")
    assert "Tidak ada tugas" in text_of(none)


def test_a_calendar_correction_moves_a_running_tasks_due_date_and_says_so(client, make_ctx, office) -> None:
    cid = new_campaign(make_ctx)  # Monday 9 Mar 2026: step 1 is due Tuesday 16:00 (1 working day)
    done = post(client, "/admin/kalender", {"day": "2026-03-10", "working": "0", "note": "Kantor tutup"})
    assert done.status_code == 302
    messages = [text_of(f) for f in get(client, "/admin/kalender?tahun=2026")[1].xpath(
        f"//div[{has_class('flash')}]")]
    assert messages == ["Koreksi kalender untuk 10-03-2026 disimpan.",
                        "Batas waktu 1 tugas yang sedang berjalan disesuaikan; lihat jejak audit prosesnya."]
    trail = get(client, f"/proses/{instance_of(make_ctx, cid)}", "kasi")[1]
    entry = text_of(one(trail, f"//li[{has_class('action-due_date_moved')}]"))
    assert "admin mengoreksi kalender hari kerja; batas waktu tugas bergeser: Menugaskan Pelaksana" in entry
    assert "dari 10 Mar 2026 16:00 WIB menjadi 11 Mar 2026 16:00 WIB (koreksi tanggal 10 Mar 2026)" in entry
    again = post(client, "/admin/kalender", {"day": "2026-03-10", "working": "1", "note": "Batal tutup"})
    assert again.status_code == 422  # back to the holiday list's own value: remove the correction instead
    assert "hapus koreksi" in text_of(one(page_tree(again), "//*[@id='error-working']"))


ADMIN_PAGES = ("/admin/pengguna/baru", "/admin/pengguna/agen2", "/admin/unit", "/admin/kalender?tahun=2026")


def test_every_admin_form_carries_a_csrf_token_and_a_post_without_it_changes_nothing(csrf_client, make_ctx,
                                                                                    office) -> None:
    set_override(make_ctx(), "admin", date(2026, 3, 14), True, "Hari kerja pengganti")  # a removal form to check
    client = login_as(csrf_client, "admin")
    forms = [form for path in ADMIN_PAGES for form in page_tree(client.get(path)).xpath("//form[@method='post']")]
    assert len(forms) >= 10
    assert all(form.xpath("./input[@name='csrf_token'][@value!='']") for form in forms)
    assert client.post("/admin/pengguna/agen2/status", data={"active": "0"}).status_code == 400
    assert client.post("/admin/kalender", data={"day": "2026-03-20", "working": "1", "note": "x"}).status_code == 400
    assert account(make_ctx, "agen2").active and events(make_ctx, "user_deactivated") == []
    assert len(events(make_ctx, "calendar_override_set")) == 1
