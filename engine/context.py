"""The service context: settings, a session factory and a clock; one transaction per command."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, Table, bindparam, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from .settings import Settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # pre_ping: a connection the database dropped (a restart) is replaced before use, so the app recovers by
    # itself; connect_timeout: while PostgreSQL is unreachable a request fails within seconds (503), not minutes.
    # A SQLite file has no server to drop a connection: no ping (it was a statement more in every request).
    server = not url.startswith("sqlite")
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    engine = create_engine(url, pool_pre_ping=server, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL: readers never wait for the writer, and a commit appends to the log instead of rewriting pages through a
    # rollback journal. synchronous=NORMAL: a commit no longer waits for fsync, only checkpoints do; the database
    # stays consistent after any crash, but a power loss (not a process crash) may lose the last commits (see README).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@dataclass
class Context:
    """What every service function needs. Cheap to build; tests build a new one per step."""

    settings: Settings
    engine: Engine
    clock: Clock = system_clock

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> Context:
        settings = settings or Settings.from_env()
        return cls(settings=settings, engine=make_engine(settings.database_url), clock=clock or system_clock)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends normally, roll back on any exception: nothing is half-stored."""
        session = Session(self.engine, expire_on_commit=False)  # not a sessionmaker: that makes a class each time
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reads(self) -> Iterator[Connection]:
        """A transaction for a service that only reads, on a plain connection: no ORM session to begin, track and
        close (it cost a list page more than some of its statements); rolled back on any exception."""
        with self.engine.connect() as conn, conn.begin():
            yield conn


def connection(session: Session) -> Connection:
    """The transaction's connection, the session's pending changes flushed first: a statement built once and run
    here skips the ORM's execution machinery, which cost more than SQLite running it (for hot paths)."""
    session.flush()
    return session.connection()


def carried_values(table: Table, prefix: str, *, but: tuple[str, ...] = ()) -> dict[str, BindParameter[Any]]:
    """The values of a row of ``table`` (all its columns but ``but``) bound as ``<prefix>_<column>``: for an INSERT or
    UPDATE another statement carries as a data-modifying WITH (PostgreSQL), beside that statement's own parameters."""
    return {c.name: bindparam(f"{prefix}_{c.name}", type_=c.type) for c in table.c if c.name not in but}


def carried(prefix: str, row: dict[str, Any]) -> dict[str, Any]:
    """``row``'s values as ``carried_values(…, prefix)`` binds them."""
    return {f"{prefix}_{key}": value for key, value in row.items()}


IDLE_GRACE = 5.0  # seconds a transaction may sit idle past its limit before PostgreSQL ends the session


def limit_statements(session: Session, seconds: float, lock_seconds: float | None = None) -> None:
    """On PostgreSQL, bound this transaction (call it first): each statement may run ``seconds``
    (``SET LOCAL statement_timeout``), wait for a lock ``lock_seconds`` (default: as long), and the transaction may
    sit idle between statements ``seconds`` + IDLE_GRACE before the server ends the session, so that a worker stuck
    outside the database cannot keep its row locks (the caller's own time limit should strike first). SQLite has
    no such settings (its writers wait ``busy_timeout`` for the one database lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    milliseconds = {"s": max(seconds, 0.001), "l": max(seconds if lock_seconds is None else lock_seconds, 0.001),
                    "i": seconds + IDLE_GRACE}
    # SET LOCAL takes no bind parameters; set_config(name, value, true) is the same with them.
    session.execute(text("SELECT set_config('statement_timeout', :s, true), set_config('lock_timeout', :l, true), "
                         "set_config('idle_in_transaction_session_timeout', :i, true)"),
                    {key: f"{int(value * 1000)}ms" for key, value in milliseconds.items()})
