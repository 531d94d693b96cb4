"""Sessions end when they should: logout, a new password (admin page, ``klip user password``), other roles and a
deactivation end every session of the user, copied cookies included; an idle session ends; API tokens expire."""
from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import users
from engine.migrate import upgrade
from engine.models import ApiToken, AuditEvent
from engine.settings import Settings
from engine.users import create_token, create_user
from webapp import create_app

from web_helpers import has_class, login_as, one, page_tree, text_of

PASSWORD = "sandi-agen-2026"


@pytest.fixture
def accounts(make_ctx) -> None:
    create_user(make_ctx(), "agen1", ["agen"], PASSWORD, "Agen Satu")
    create_user(make_ctx(), "admin", ["admin"], "sandi-admin-2026", "Administrator")


def log_in(client: Any, username: str = "agen1", password: str = PASSWORD) -> Any:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app: Any, client: Any) -> Any:
    """Another browser holding the same session cookie (as if it had been stolen)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie(cookie.key, cookie.value)
    return other


def signed_out(response: Any) -> bool:
    return response.status_code == 302 and "/login?next=" in response.headers["Location"]


def flash(client: Any) -> str:
    return text_of(one(page_tree(client.get("/login")), f"//div[{has_class('flash')}]"))


def test_a_cookie_copied_before_logout_no_longer_works_after_it(app, client, accounts) -> None:
    log_in(client)
    stolen, another = copy_of(app, client), copy_of(app, client)
    assert stolen.get("/").status_code == 200  # the copy works while the session lasts
    assert client.post("/logout").status_code == 302
    assert signed_out(stolen.get("/")) and "Sesi ini sudah berakhir" in flash(stolen)
    assert signed_out(stolen.get("/kampanye"))
    assert another.post("/pemberitahuan/1/dibaca").status_code == 401  # a POST is refused, not redirected away
    log_in(client)  # a new login is a new session
    assert client.get("/").status_code == 200


def klip_command(make_ctx, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    """Run ``klip ARGS…`` on the test database, as the operator would."""
    from engine import cli
    from webapp.cli import main

    monkeypatch.setattr(cli, "_ctx", make_ctx)  # the test database, its pool closed after the test
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(args))


def admin_resets_password(client: Any, make_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    response = login_as(client, "admin").post("/admin/pengguna/agen1/kata-sandi", data={"mode": "generate"})
    assert response.status_code == 200


def cli_sets_password(client: Any, make_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert klip_command(make_ctx, monkeypatch, "user", "password", "agen1", stdin="sandi-baru-2026\n") == 0


def admin_changes_roles(client: Any, make_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    response = login_as(client, "admin").post("/admin/pengguna/agen1", data={
        "full_name": "Agen Satu", "language": "id", "roles": ["agen", "pelaksana"]})
    assert response.status_code == 302


def admin_deactivates(client: Any, make_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert login_as(client, "admin").post("/admin/pengguna/agen1/status", data={"active": "0"}).status_code == 302


def cli_changes_roles(client: Any, make_ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert klip_command(make_ctx, monkeypatch, "user", "roles", "agen1", "--role", "pelaksana") == 0


@pytest.mark.parametrize("change", [admin_resets_password, cli_sets_password, admin_changes_roles, cli_changes_roles,
                                    admin_deactivates])
def test_a_new_password_other_roles_or_a_deactivation_end_every_session_of_the_user(
        app, client, accounts, make_ctx, monkeypatch, change: Callable[..., None]) -> None:
    phone, laptop = log_in(app.test_client()), log_in(app.test_client())
    assert phone.get("/").status_code == 200 and laptop.get("/").status_code == 200
    change(client, make_ctx, monkeypatch)
    assert signed_out(phone.get("/")) and signed_out(laptop.get("/"))


def test_an_administrator_changing_their_own_password_keeps_that_session_only(app, client, accounts) -> None:
    elsewhere = log_in(app.test_client(), "admin", "sandi-admin-2026")
    log_in(client, "admin", "sandi-admin-2026")
    changed = client.post("/admin/pengguna/admin/kata-sandi", data={"mode": "generate"})
    assert changed.status_code == 200  # the page showing the new password (once)
    assert "sesi Anda yang lain diakhiri" in text_of(one(page_tree(changed), f"//div[{has_class('flash')}]"))
    assert client.get("/admin/pengguna").status_code == 200
    assert signed_out(elsewhere.get("/admin/pengguna"))


def test_a_session_ends_after_the_idle_time_and_using_it_keeps_it_alive(app, client, clock, accounts) -> None:
    log_in(client)
    clock.set(clock() + timedelta(hours=7, minutes=59))
    assert client.get("/").status_code == 200  # used: the idle time starts again
    clock.set(clock() + timedelta(hours=7, minutes=59))
    assert client.get("/").status_code == 200
    clock.set(clock() + timedelta(hours=8, minutes=1))
    assert signed_out(client.get("/kampanye"))
    assert "tidak digunakan selama lebih dari 8 jam" in flash(client)
    assert signed_out(client.get("/"))  # ended, not only refused once


def test_the_idle_time_is_configurable(settings, make_ctx, clock, accounts) -> None:
    app = create_app({"KLIP_SETTINGS": replace(settings, session_idle_hours=0.5), "KLIP_CLOCK": clock,
                      "TESTING": True, "WTF_CSRF_ENABLED": False})
    client = log_in(app.test_client())
    clock.set(clock() + timedelta(minutes=31))
    assert client.post("/pemberitahuan/1/dibaca").status_code == 401  # a POST after the idle time is refused
    assert signed_out(client.get("/"))
    assert Settings.from_env({"KLIP_SESSION_IDLE_HOURS": "2"}).session_idle_hours == 2
    assert Settings().session_idle_hours == 8
    app.extensions["klip"].engine.dispose()


def test_login_as_makes_the_session_a_real_login_makes(client, accounts, make_ctx) -> None:
    assert login_as(client, "agen1").get("/").status_code == 200
    with make_ctx().transaction() as session:
        users.end_sessions(users.get_user(session, "agen1"))
    assert signed_out(client.get("/"))


def test_api_tokens_expire_after_their_days(client, make_ctx, clock, accounts) -> None:
    token = create_token(make_ctx(), "agen1", days=30)
    forever = create_token(make_ctx(), "agen1")
    headers = {"Authorization": f"Bearer {token}"}
    with make_ctx().transaction() as session:
        assert sorted(session.scalars(select(ApiToken.expires_at)), key=str) == [clock() + timedelta(days=30), None]
    clock.set(clock() + timedelta(days=30) - timedelta(seconds=1))
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    clock.set(clock() + timedelta(seconds=1))
    expired = client.get("/api/v1/campaigns", headers=headers)
    assert expired.status_code == 401 and "kedaluwarsa" in expired.get_json()["message"]
    assert client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {forever}"}).status_code == 200
    with make_ctx().transaction() as session:
        [refused] = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token_refused"))
        assert refused.data == {"client": "127.0.0.1", "reason": "expired"}


def test_klip_user_token_days(klip) -> None:
    klip("init-db")
    assert klip("user", "add", "sistem", "--role", "analis").returncode == 0
    made = klip("user", "token", "sistem", "--days", "7")
    assert made.returncode == 0 and len(made.stdout.strip()) >= 43
    refused = klip("user", "token", "sistem", "--days", "0")
    assert refused.returncode != 0 and "1–3660 hari" in refused.stderr


def test_existing_users_get_a_session_stamp_each_when_migrated(tmp_path) -> None:
    from sqlalchemy import text

    from engine.context import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "8ca573b72ccc")  # the schema before session stamps
    engine = make_engine(url)
    with engine.begin() as connection:
        for name in ("lama1", "lama2"):
            connection.execute(text("INSERT INTO users (username, full_name, active, created_at, language) "
                                    "VALUES (:name, '', 1, '2026-01-01 00:00:00', 'id')"), {"name": name})
    upgrade(url)
    with engine.connect() as connection:
        stamps = connection.execute(text("SELECT session_stamp FROM users")).scalars().all()
    engine.dispose()
    assert len(set(stamps)) == 2 and all(len(s) == 32 for s in stamps)
