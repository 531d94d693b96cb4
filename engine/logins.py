"""Logging in and out: the password check with its lock-out, the session stamp, the idle limit.

- **Lock-out.** ``KLIP_LOGIN_MAX_FAILURES`` wrong passwords for one username within ``KLIP_LOGIN_WINDOW_MINUTES``
  lock that username for ``KLIP_LOGIN_LOCK_MINUTES`` (``engine.lockout``, in the database: every worker and server
  sees it). While locked even the right password is refused, without being checked. Every failed attempt is audited
  (``login_failed``, with the client's address and why), and so is each lock (``login_locked``, until when).
- **Sessions.** A login hands the web app the user's session stamp, which it keeps in the session cookie; every
  request is checked against the user's current stamp in the request's own transaction (``engine.access``). A new
  stamp — at logout, a new password, other roles, a deactivation (``engine.users.end_sessions``) — ends every
  session of the user, copied cookies included.
- **Idle sessions** end after ``KLIP_SESSION_IDLE_HOURS`` without a request (``session_expired``; the cookie keeps
  when it was last used).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from . import lockout, users
from .access import WebSession
from .audit import audit
from .context import Context
from .settings import Settings
from .users import UserView

AUDIT_NAME_MAX = 64  # a typed username is kept in the audit row up to the longest real one


@dataclass(frozen=True)
class SignIn:
    """What a login attempt came to: the user and their session stamp, or a refusal (locked until, if locked)."""

    user: UserView | None = None
    stamp: str = ""
    locked_until: datetime | None = None


def sign_in(ctx: Context, username: str, password: str, client: str) -> SignIn:
    """Check a username and password from ``client`` (its address), honouring and keeping the lock-out."""
    username, now = username.strip(), ctx.now()
    key, named = lockout.user_key(username), username[:AUDIT_NAME_MAX]
    with ctx.transaction() as session:
        until = lockout.locked_until(session, key, now)
        if until is not None:
            audit(session, now, named or "-", "login_failed", None, None,
                  data={"user": named, "client": client, "reason": "locked", "locked_until": until.isoformat()})
            return SignIn(locked_until=until)
        user, reason = users.check_password(session, username, password)
        if user is None:
            audit(session, now, named or "-", "login_failed", None, None,
                  data={"user": named, "client": client, "reason": reason})
            policy = lockout.login_policy(ctx.settings)
            until = lockout.fail(session, key, now, policy)
            if until is not None:
                audit(session, now, named or "-", "login_locked", None, None,
                      data={"user": named, "client": client, "failures": policy.max_failures,
                            "until": until.isoformat()})
            return SignIn(locked_until=until)
        lockout.clear(session, key)
        return SignIn(users.view(user), user.session_stamp)


def sign_out(ctx: Context, who: WebSession) -> None:
    """Log out: every session of the user ends (a new stamp), this one and any copy of its cookie. A session that
    had already ended changes nothing."""
    with ctx.transaction() as session:
        user = users.find_user(session, who.username)
        if user is not None and user.session_stamp == who.stamp:
            users.end_sessions(user)


def idle_limit(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_idle_hours)


def session_expired(last_seen: datetime | None, now: datetime, settings: Settings) -> bool:
    """Whether a session last used at ``last_seen`` has been idle too long (one without the time has)."""
    return last_seen is None or now - last_seen > idle_limit(settings)
