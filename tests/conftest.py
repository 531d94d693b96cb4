"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when KLIP_TEST_POSTGRES_URL is set)."""
from __future__ import annotations

import io
import os
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.context import Context, make_engine
from engine.models import Base
from engine.settings import Settings

from sop_helpers import CliResult


class FakeClock:
    """An injectable clock: tests move time explicitly."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, value: datetime) -> None:
        self.current = value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc))  # Monday 09:00 WIB


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("KLIP_TEST_POSTGRES_URL") else [])


class Databases:
    """Creates empty databases on one backend (a SQLite file, or a database on the test's PostgreSQL server) and
    drops them when the test ends."""

    def __init__(self, backend: str, directory: Path):
        self.backend, self.directory = backend, directory
        self.names: list[str] = []
        self.admin = (create_engine(os.environ["KLIP_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
                      if backend == "postgresql" else None)

    def empty(self) -> str:
        """The URL of a new database without a table."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.names.append(name)
        if self.admin is None:
            return f"sqlite:///{self.directory / (name + '.db')}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return os.environ["KLIP_TEST_POSTGRES_URL"].rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Databases]:
    """Empty databases on the test's backend: SQLite always, and PostgreSQL too when a server is given."""
    made = Databases(request.param, tmp_path)
    yield made
    made.drop_all()


@pytest.fixture
def database_url(databases: Databases) -> str:
    """A fresh database with the models' schema (``create_all``; tests/test_architecture.py checks that the
    migrations make the same)."""
    url = databases.empty()
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def make_ctx(settings: Settings, clock: FakeClock):
    """Build a brand-new Context (new SQLAlchemy engine and sessions) each call."""
    made: list[Context] = []

    def factory() -> Context:
        ctx = Context(settings=settings, engine=make_engine(settings.database_url), clock=clock)
        made.append(ctx)
        return ctx

    yield factory
    for ctx in made:
        ctx.engine.dispose()


@pytest.fixture
def ctx(make_ctx) -> Context:
    return make_ctx()


@pytest.fixture
def app(settings: Settings, clock: FakeClock):
    """The Flask app on the test database (CSRF off for route tests; a dedicated test turns it on)."""
    from webapp import create_app

    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": False})
    yield app
    app.extensions["klip"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client(settings: Settings, clock: FakeClock):
    """A test client of an app that checks CSRF tokens, as production does."""
    from webapp import create_app

    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": True})
    yield app.test_client()
    app.extensions["klip"].engine.dispose()


@pytest.fixture
def klip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``klip ARGS…`` in this process (``webapp.cli.main``) against a fresh SQLite file."""
    from webapp.cli import main

    monkeypatch.delenv("KLIP_DEMO", raising=False)
    monkeypatch.delenv("KLIP_LANG", raising=False)  # `klip lint` speaks Indonesian unless a test asks otherwise
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.setenv("KLIP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*args: str, stdin: str = "") -> CliResult:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


@pytest.fixture
def drafting(make_ctx) -> int:
    """The real model deployed with the demo's users, and a campaign at step 2: the work plan is ``pelaksana``'s."""
    from sop_helpers import do, new_campaign, setup_sop

    setup_sop(make_ctx)
    cid = new_campaign(make_ctx, 6)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    return cid
