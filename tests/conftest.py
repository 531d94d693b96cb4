"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when KLIP_TEST_POSTGRES_URL is set)."""
from __future__ import annotations

import io
import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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


class SchemaTemplates:
    """One database per backend and test process holding the models' schema (``create_all``, ~100 DDL statements),
    built on first use and copied for each test: a SQLite file by the online backup API, a PostgreSQL database by
    ``CREATE DATABASE … TEMPLATE``. Copying costs milliseconds where building the schema costs most of a second."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.built: dict[str, str] = {}  # backend → the template's file path (SQLite) or database name (PostgreSQL)

    def template(self, backend: str, admin: Any) -> str:
        if backend not in self.built:
            name = "tmpl_" + uuid.uuid4().hex[:12]
            if admin is None:
                url = f"sqlite:///{self.directory / (name + '.db')}"
                self.built[backend] = url.removeprefix("sqlite:///")
            else:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url = os.environ["KLIP_TEST_POSTGRES_URL"].rsplit("/", 1)[0] + "/" + name
                self.built[backend] = name
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            engine.dispose()  # a PostgreSQL template must have no connection when it is copied
        return self.built[backend]

    def drop_all(self) -> None:
        if "postgresql" in self.built:
            admin = create_engine(os.environ["KLIP_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.built["postgresql"]}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def schema_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SchemaTemplates]:
    templates = SchemaTemplates(tmp_path_factory.mktemp("schema-templates"))
    yield templates
    templates.drop_all()


class Databases:
    """Creates databases on one backend (a SQLite file, or a database on the test's PostgreSQL server), empty or with
    the models' schema, and drops them when the test ends."""

    def __init__(self, backend: str, directory: Path, templates: SchemaTemplates):
        self.backend, self.directory, self.templates = backend, directory, templates
        self.names: list[str] = []
        self.admin = (create_engine(os.environ["KLIP_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT")
                      if backend == "postgresql" else None)

    def empty(self) -> str:
        """The URL of a new database without a table."""
        return self._new(template=None)

    def with_schema(self) -> str:
        """The URL of a new database with the models' schema (a copy of this process's template)."""
        return self._new(template=self.templates.template(self.backend, self.admin))

    def _new(self, template: str | None) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self.names.append(name)
        if self.admin is None:
            path = self.directory / (name + ".db")
            if template is not None:
                with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
                    source.backup(target)
                source.close()
                target.close()
            return f"sqlite:///{path}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return os.environ["KLIP_TEST_POSTGRES_URL"].rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path, schema_templates: SchemaTemplates,
              ) -> Iterator[Databases]:
    """Databases on the test's backend: SQLite always, and PostgreSQL too when a server is given."""
    made = Databases(request.param, tmp_path, schema_templates)
    yield made
    made.drop_all()


@pytest.fixture
def database_url(databases: Databases) -> str:
    """A fresh database with the models' schema (``create_all``, copied from a template; tests/test_architecture.py
    checks that the migrations make the same)."""
    return databases.with_schema()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def make_ctx(settings: Settings, clock: FakeClock):
    """Build a new Context each call, as each request or command does: new sessions, one transaction per service
    call. They share the test's engine (its connection pool), as the requests of one server do."""
    engine = make_engine(settings.database_url)

    def factory() -> Context:
        return Context(settings=settings, engine=engine, clock=clock)

    yield factory
    engine.dispose()


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
