"""Logins as a bank does them: throttled per username and per client address, locked for a while after repeated
failures (the right password too, with the time it ends), every failure and lock audited; the same for API tokens
guessed from one address (429 with Retry-After)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import logins
from engine.models import AuditEvent, LoginThrottle
from engine.settings import Settings
from engine.users import create_token, create_user
from webapp import create_app

from web_helpers import page_tree, text_of

PASSWORD = "sandi-kasi-2026"
LOCK = timedelta(minutes=15)


def make_app(settings: Settings, clock: Any, **config: Any) -> Any:
    return create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": False,
                       **config})


@pytest.fixture
def unthrottled(settings: Settings, clock: Any) -> Iterator[Any]:
    """A client of an app without Flask-Limiter's rate limits: only the database's lock-out stands in the way."""
    app = make_app(settings, clock, RATELIMIT_ENABLED=False)
    yield app.test_client()
    app.extensions["klip"].engine.dispose()


@pytest.fixture
def kasi(make_ctx) -> None:
    create_user(make_ctx(), "kasi", ["kasi"], PASSWORD, "Kasi Operasional")


def log_in(client: Any, username: str, password: str, address: str = "192.0.2.10") -> Any:
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def audited(make_ctx, action: str) -> list[AuditEvent]:
    with make_ctx().transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def message(response: Any) -> str:
    return " ".join(text_of(e) for e in page_tree(response).xpath("//div[contains(@class, 'flash')]"))


def test_two_hundred_wrong_passwords_lock_the_account_and_the_right_one_waits_for_the_lock_to_end(
        unthrottled, make_ctx, clock, kasi) -> None:
    started = clock()
    answers = [log_in(unthrottled, "kasi", f"tebakan-{n}") for n in range(200)]
    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert all("salah" in message(a) for a in answers[:4])
    assert {a.status_code for a in answers[4:]} == {429}  # the fifth failure locks the account
    right = log_in(unthrottled, "kasi", PASSWORD)
    assert right.status_code == 429
    with unthrottled.session_transaction() as cookie:
        assert "_user_id" not in cookie
    assert right.headers["Retry-After"] == str(int(LOCK.total_seconds()))
    assert "dikunci sampai 9 Mar 2026 09:15 WIB" in message(right)  # 02:00 UTC + 15 minutes, office time
    assert unthrottled.get("/").status_code == 302  # not let in
    failed = audited(make_ctx, "login_failed")
    assert len(failed) == 201  # every attempt: 5 wrong passwords, 195 + the right one refused while locked
    assert [e.data["reason"] for e in failed[:5]] == ["wrong_password"] * 5
    assert {e.data["reason"] for e in failed[5:]} == {"locked"}
    assert {(e.username, e.data["user"], e.data["client"]) for e in failed} == {("kasi", "kasi", "192.0.2.10")}
    [lock] = audited(make_ctx, "login_locked")
    assert lock.data == {"user": "kasi", "client": "192.0.2.10", "failures": 5,
                         "until": (started + LOCK).isoformat()}

    clock.set(started + LOCK - timedelta(seconds=1))
    assert log_in(unthrottled, "kasi", PASSWORD).status_code == 429  # still locked
    clock.set(started + LOCK)
    opened = log_in(unthrottled, "kasi", PASSWORD)
    assert opened.status_code == 302 and opened.headers["Location"] == "/"
    assert unthrottled.get("/").status_code == 200
    with make_ctx().transaction() as session:  # a success forgets the failures
        assert session.scalars(select(func.count()).select_from(LoginThrottle)).one() == 0


def test_the_lock_message_is_in_the_readers_language_and_does_not_tell_which_usernames_exist(
        unthrottled, kasi) -> None:
    unthrottled.get("/bahasa/en")
    for _ in range(5):
        locked = log_in(unthrottled, "tidak-ada", "apa-saja-123")
    assert locked.status_code == 429  # an unknown username is locked like a real one
    assert "locked until 9 Mar 2026 09:15 WIB" in message(locked) and "right password" in message(locked)
    assert log_in(unthrottled, "kasi", PASSWORD).status_code == 302  # another username is not affected


def test_failures_spread_over_more_than_the_window_do_not_lock(unthrottled, clock, kasi) -> None:
    for _ in range(4):
        log_in(unthrottled, "kasi", "salah-salah")
    clock.set(clock() + timedelta(minutes=16))
    for _ in range(4):
        assert log_in(unthrottled, "kasi", "salah-salah").status_code == 200
    assert log_in(unthrottled, "kasi", PASSWORD).status_code == 302


def test_the_lock_out_follows_the_settings(settings, make_ctx, clock, kasi) -> None:
    strict = replace(settings, login_max_failures=2, login_lock_minutes=60)
    ctx = replace(make_ctx(), settings=strict)
    assert logins.sign_in(ctx, "kasi", "salah-1", "-").locked_until is None
    assert logins.sign_in(ctx, "kasi", "salah-2", "-").locked_until == clock() + timedelta(minutes=60)
    assert logins.sign_in(ctx, "kasi", PASSWORD, "-").user is None


def test_the_login_form_is_throttled_per_username_and_per_address(settings, clock, kasi) -> None:
    app = make_app(replace(settings, login_rate_per_user="3 per minute", login_rate_per_address="5 per minute",
                           login_max_failures=100), clock)
    client = app.test_client()
    for _ in range(3):
        assert log_in(client, "kasi", "salah-salah").status_code == 200
    refused = log_in(client, "kasi", PASSWORD)  # the 4th attempt for kasi within the minute is not even checked
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Terlalu banyak percobaan masuk" in message(refused)
    assert log_in(client, "lain", "salah-salah").status_code == 200  # 4 attempts from this address so far
    assert log_in(client, "lain-lagi", "salah-salah").status_code == 200  # the 5th
    assert log_in(client, "siapa", "salah-salah").status_code == 429  # the address has had its 5
    assert log_in(client, "kasi", PASSWORD, address="192.0.2.99").status_code == 429  # kasi's own limit stands
    assert log_in(client, "lain", "salah-salah", address="192.0.2.99").status_code == 200  # another address
    app.extensions["klip"].engine.dispose()


def api(client: Any, token: str, address: str) -> Any:
    return client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"},
                      environ_base={"REMOTE_ADDR": address})


def test_unknown_api_tokens_from_one_address_lock_it_out_with_429_and_retry_after(client, make_ctx, clock,
                                                                                 kasi) -> None:
    token = create_token(make_ctx(), "kasi")
    started = clock()
    answers = [api(client, f"tebakan-{n}", "198.51.100.7") for n in range(10)]
    assert [a.status_code for a in answers[:9]] == [401] * 9
    assert answers[9].status_code == 429 and answers[9].headers["Retry-After"] == "900"
    assert answers[9].get_json()["error"] == "too_many_attempts"
    assert "198.51.100.7" in answers[9].get_json()["message"]
    assert api(client, token, "198.51.100.7").status_code == 429  # nothing is checked from there while it lasts
    assert api(client, token, "198.51.100.8").status_code == 200  # other addresses are not affected
    refused = audited(make_ctx, "api_token_refused")
    assert len(refused) == 10 and {(e.data["client"], e.data["reason"]) for e in refused} == {
        ("198.51.100.7", "unknown")}
    [lock] = audited(make_ctx, "api_client_locked")
    assert lock.data == {"client": "198.51.100.7", "failures": 10, "until": (started + LOCK).isoformat()}
    clock.set(started + LOCK)
    assert api(client, token, "198.51.100.7").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_clients(settings, make_ctx, clock, kasi) -> None:
    app = make_app(replace(settings, proxy_count=1, token_max_failures=2), clock)
    client = app.test_client()
    for _ in range(2):
        client.get("/api/v1/campaigns", headers={"Authorization": "Bearer salah", "X-Forwarded-For": "203.0.113.5"})
    [lock] = audited(make_ctx, "api_client_locked")
    assert lock.data["client"] == "203.0.113.5"
    app.extensions["klip"].engine.dispose()


def test_lock_out_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"KLIP_LOGIN_MAX_FAILURES": "3", "KLIP_LOGIN_WINDOW_MINUTES": "10",
                                  "KLIP_LOGIN_LOCK_MINUTES": "30", "KLIP_TOKEN_MAX_FAILURES": "20",
                                  "KLIP_LOGIN_RATE_PER_USER": "5 per minute", "KLIP_PROXY_COUNT": "1"})
    assert (settings.login_max_failures, settings.login_window_minutes, settings.login_lock_minutes,
            settings.token_max_failures, settings.login_rate_per_user, settings.proxy_count) == (
        3, 10, 30, 20, "5 per minute", 1)
    assert Settings.from_env({}).login_max_failures == 5
    with pytest.raises(ValueError, match="KLIP_LOGIN_MAX_FAILURES"):
        Settings.from_env({"KLIP_LOGIN_MAX_FAILURES": "0"})
