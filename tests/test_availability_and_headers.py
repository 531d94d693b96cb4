"""Hardening of the web layer: HTTPS pinning outside demo mode, and what happens while the database is unreachable
(503 with Retry-After, an honest /healthz, recovery without a restart).

The security headers, the absence of inline script and CSRF are asserted for every route of the URL map in
tests/test_authorization_matrix.py.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.migrate import upgrade
from engine.settings import Settings
from webapp import create_app

UNREACHABLE = "postgresql+psycopg://klip@127.0.0.1:9/klip"  # port 9 (discard): nothing listens, refused at once


def test_https_is_pinned_outside_demo_mode_only(settings: Settings) -> None:
    production = create_app({"KLIP_SETTINGS": Settings(database_url=settings.database_url, secret_key="k" * 32)})
    demo = create_app({"KLIP_SETTINGS": Settings(database_url=settings.database_url, demo_mode=True)})
    assert production.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in demo.test_client().get("/login").headers
    with demo.test_client().get("/static/klip.css") as static:
        assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"  # may be cached


def unreachable_app() -> object:
    return create_app({"KLIP_SETTINGS": Settings(database_url=UNREACHABLE), "TESTING": True,
                       "WTF_CSRF_ENABLED": False})


def test_while_the_database_is_unreachable_pages_and_the_api_answer_503_with_retry_after() -> None:
    app = unreachable_app()
    client = app.test_client()  # type: ignore[attr-defined]
    with client.session_transaction() as cookie:  # a signed-in user: the menus come from the session
        cookie["_user_id"] = "kasi"
        cookie["_fresh"] = True
        cookie["klip_identity"] = {"full_name": "Kasi", "roles": ["kasi"], "stamp": "-",
                                   "seen": datetime.now(timezone.utc).isoformat()}
    page = client.get("/kampanye")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "Layanan sedang tidak tersedia" in page.get_data(as_text=True)
    api = client.get("/api/v1/campaigns", headers={"Authorization": "Bearer abc"})
    assert api.status_code == 503 and api.get_json()["error"] == "unavailable" and api.headers["Retry-After"]
    login = client.post("/login", data={"username": "kasi", "password": "x"})
    assert login.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unreachable", "migrations": "unknown"}


def test_healthz_says_when_migrations_are_behind_and_the_app_recovers_without_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'later.db'}"
    app = create_app({"KLIP_SETTINGS": Settings(database_url=url), "TESTING": True})
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "unavailable", "database": "ok", "migrations": "behind"}
    assert client.get("/api/v1/campaigns", headers={"Authorization": "Bearer abc"}).status_code == 503
    upgrade(url)  # the operator migrates; the running app is not restarted
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/campaigns", headers={"Authorization": "Bearer abc"}).status_code == 401  # it answers


@pytest.mark.skipif(not os.environ.get("KLIP_TEST_POSTGRES_URL"), reason="needs the PostgreSQL of `make test`")
def test_connections_the_database_dropped_are_replaced_before_use() -> None:
    """What a PostgreSQL restart does to pooled connections (every backend terminated): the next request still
    gets an answer from the database, on a fresh connection."""
    server = os.environ["KLIP_TEST_POSTGRES_URL"]
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        app = create_app({"KLIP_SETTINGS": Settings(database_url=url), "TESTING": True})
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # a connection now waits in the pool
        with admin.connect() as connection:
            killed = connection.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                             "WHERE datname = :name"), {"name": name}).scalar()
        assert killed and killed >= 1
        assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "migrations": "current"}
        app.extensions["klip"].engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
