"""What every benchmark needs: fresh databases, a real server (``benchmarks.app`` under gunicorn), a small HTTP
client, and order statistics."""
from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.context import Context
from engine.demo import DEMO_UNIT_OF, DEMO_USERS, seed_units
from engine.migrate import upgrade
from engine.process import deploy
from engine.settings import Settings
from engine.users import Profile, create_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-" + secrets.token_hex(8)


# --- databases --------------------------------------------------------------------------------------------

def postgres_server_url() -> str | None:
    """The throw-away server ``scripts/with-postgres.sh`` started for this run (``make bench``)."""
    return os.environ.get("KLIP_TEST_POSTGRES_URL") or None


def new_database(kind: str, name: str, directory: Path) -> str:
    """A new empty database: a SQLite file in ``directory``, or a database on the run's PostgreSQL server."""
    if kind == "sqlite":
        return f"sqlite:///{directory / f'{name}.db'}"
    server = postgres_server_url()
    if server is None:
        raise RuntimeError("no PostgreSQL server: run under scripts/with-postgres.sh (make bench does)")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def prepared(url: str, extra_agents: int = 0) -> Context:
    """Migrate, deploy the models, register the demo units and users (password ``PASSWORD``) and ``agenN`` extras."""
    upgrade(url)
    ctx = Context.from_settings(Settings(database_url=url))
    deploy(ctx, "system", system=True)
    seed_units(ctx)
    for username, full_name, roles in DEMO_USERS:
        create_user(ctx, username, roles, PASSWORD, profile=Profile(full_name, unit=DEMO_UNIT_OF.get(username)))
    for n in range(4, 4 + extra_agents):
        create_user(ctx, f"agen{n}", ["agen"], PASSWORD, full_name=f"Agen {n}")
    return ctx


# --- servers ----------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def servers(url: str, directory: Path, count: int = 1, workers: int = 1) -> Iterator[list[Server]]:
    """``count`` servers of ``workers`` gunicorn workers each on database ``url``, as ``klip serve`` runs them."""
    env = {**os.environ, "KLIP_DATABASE_URL": url, "KLIP_SECRET_KEY": secrets.token_hex(32)}
    env.pop("KLIP_DEMO", None)
    started: list[Server] = []
    try:
        for _ in range(count):
            port = free_port()
            log = directory / f"server-{port}.log"
            with log.open("wb") as out:
                process = subprocess.Popen([sys.executable, "-m", "benchmarks.app", "--port", str(port),
                                            "--workers", str(workers)], cwd=ROOT, env=env, stdout=out, stderr=out)
            started.append(Server(port, process, log))
        for server in started:
            _wait_ready(server, workers)
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _wait_ready(server: Server, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server on {server.port} ended: {server.log.read_text()[-2000:]}")
        try:
            if request(server.port, "GET", "/healthz").status == 200:
                for _ in range(workers * 3):  # let every worker import and build the app once
                    request(server.port, "GET", "/healthz")
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on {server.port} did not answer: {server.log.read_text()[-2000:]}")


# --- HTTP -------------------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            form: dict[str, str] | None = None) -> Response:
    """One request on a new connection (gunicorn's sync workers close each one), timed from connect to last byte."""
    sent = dict(headers or {})
    payload: bytes | None = None
    if body is not None:
        payload, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        from urllib.parse import urlencode
        payload, sent["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=payload, headers=sent)
        answer = conn.getresponse()
        data = answer.read()
        ms = (time.perf_counter() - started) * 1000
        return Response(answer.status, data, {k.lower(): v for k, v in answer.getheaders()}, ms)
    finally:
        conn.close()


@dataclass
class Browser:
    """A logged-in web client: the session cookie kept by hand (it is ``Secure`` outside demo mode)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str) -> Response:
        return self._keep(request(self.port, "GET", path, headers=self._headers()))

    def login(self, username: str) -> None:
        page = self.get("/login").body.decode()
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = self._keep(request(self.port, "POST", "/login", headers=self._headers(),
                                    form={"csrf_token": token, "username": username, "password": PASSWORD}))
        if answer.status != 302:
            raise RuntimeError(f"login of {username} failed: {answer.status}")

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _keep(self, answer: Response) -> Response:
        cookie = answer.headers.get("set-cookie")
        if cookie:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return answer


# --- statistics -------------------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values``, interpolated (statistics' inclusive method)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=1000, method="inclusive")[max(0, min(998, round(q * 1000) - 1))]


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p90: float
    p95: float
    p99: float

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        return cls(len(values), statistics.median(values), quantile(values, 0.90), quantile(values, 0.95),
                   quantile(values, 0.99))


def timed_ms(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000
