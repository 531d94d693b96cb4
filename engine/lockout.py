"""Lock-outs after repeated failures, kept in the database so every worker and every server sees the same lock.

A key names what is counted: ``user:<username>`` for passwords typed at the login form (whether or not such a user
exists, so a lock tells nothing about which usernames are real), ``token:<address>`` for unknown API tokens sent
from one client address. ``max_failures`` failures within ``window`` lock the key for ``lock``; while locked,
nothing is checked (not even the right password) and the lock is not extended. Counting is one atomic upsert, so
concurrent failures on several workers are all counted and exactly one of them sets the lock.

Functions take the caller's Session and never commit; the caller audits what they report.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, ScalarSelect, Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import LoginThrottle
from .settings import Settings

THROTTLE = cast(Table, LoginThrottle.__table__)
USERNAME_KEY_MAX = 64  # characters of a typed username kept in its key (no real username is longer)
ADDRESS_KEY_MAX = 100


@dataclass(frozen=True)
class Policy:
    max_failures: int
    window: timedelta
    lock: timedelta


def login_policy(settings: Settings) -> Policy:
    return Policy(settings.login_max_failures, timedelta(minutes=settings.login_window_minutes),
                  timedelta(minutes=settings.login_lock_minutes))


def token_policy(settings: Settings) -> Policy:
    return Policy(settings.token_max_failures, timedelta(minutes=settings.login_window_minutes),
                  timedelta(minutes=settings.login_lock_minutes))


def user_key(username: str) -> str:
    return "user:" + username[:USERNAME_KEY_MAX]


def address_key(address: str) -> str:
    return "token:" + address[:ADDRESS_KEY_MAX]


def lock_end(key: str) -> ScalarSelect[datetime | None]:
    """The end of the key's lock (NULL when none) as a scalar subquery, to read with another query."""
    return select(THROTTLE.c.locked_until).where(THROTTLE.c.key == key).scalar_subquery()


def locked_until(session: Session, key: str, now: datetime) -> datetime | None:
    """The end of the key's lock, while it lasts; None when not locked."""
    until = session.execute(select(THROTTLE.c.locked_until).where(THROTTLE.c.key == key)).scalar_one_or_none()
    return until if until is not None and until > now else None


def _insert(session: Session) -> Any:
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(THROTTLE)


def fail(session: Session, key: str, now: datetime, policy: Policy) -> datetime | None:
    """Count one failure of ``key``; when it reaches the policy's number within the window, lock the key and return
    the lock's end (None otherwise)."""
    _prune(session, now, policy.window)
    insert = _insert(session).values(key=key, failures=1, window_started_at=now, locked_until=None)
    window_over = THROTTLE.c.window_started_at <= now - policy.window
    counted: int = session.execute(insert.on_conflict_do_update(
        index_elements=[THROTTLE.c.key],
        set_={"failures": case((window_over, 1), else_=THROTTLE.c.failures + 1),
              "window_started_at": case((window_over, insert.excluded.window_started_at),
                                        else_=THROTTLE.c.window_started_at)},
    ).returning(THROTTLE.c.failures)).scalar_one()
    if counted < policy.max_failures:
        return None
    until = now + policy.lock
    # Only one of several concurrent failures sets the lock (and is reported, so the lock is audited once).
    lock = (update(THROTTLE).where(THROTTLE.c.key == key, THROTTLE.c.failures >= policy.max_failures)
            .values(failures=0, window_started_at=now, locked_until=until))
    locked = cast(CursorResult[Any], session.execute(lock))
    return until if locked.rowcount else None


def clear(session: Session, key: str) -> None:
    """Forget the key's failures (after a successful login)."""
    session.execute(delete(THROTTLE).where(THROTTLE.c.key == key))


def _prune(session: Session, now: datetime, window: timedelta) -> None:
    """Delete the counters whose window is over and that lock nothing: the same as no counter at all (the next
    failure starts a new window), so the table holds only what is being counted."""
    session.execute(delete(THROTTLE).where(
        THROTTLE.c.window_started_at <= now - window,
        THROTTLE.c.locked_until.is_(None) | (THROTTLE.c.locked_until <= now)))
