"""Login and logout (flask-login sessions); API requests authenticate with a bearer token instead.

The signed session cookie carries who logged in (username, name, roles at login), the user's session stamp and
when the session was last used, so that a request needs no database round trip of its own: the engine checks that
the user is still active, that the stamp is still theirs, and their current roles, inside the one transaction of
the service the request calls (``engine.access.acting``). A session idle for longer than
``KLIP_SESSION_IDLE_HOURS`` ends at its next request (``engine.logins.session_expired``).

The login form is throttled twice: per username and per client address by Flask-Limiter (before any password is
checked; ``KLIP_LOGIN_RATE_PER_USER``, ``KLIP_LOGIN_RATE_PER_ADDRESS``), and by the engine's lock-out, kept in the
database for every worker (``engine.logins``).
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from engine.access import (
    ACCESS_LOG_ROLES,
    ADMIN_ROLES,
    ANALYST_ROLES,
    DASHBOARD_ROLES,
    INTERNAL_ROLES,
    QUALITY_ROLES,
    REQUESTER_ROLE,
    STAFF_ROLES,
    UPLOAD_ROLES,
)
from engine.errors import NotAuthenticated
from engine.i18n import N_
from engine.logins import idle_limit, session_expired, sign_in, sign_out
from engine.users import UserView

from . import login_manager
from .filters import wib
from .i18n import t
from .services import IDENTITY, client_address, ctx, web_session

bp = Blueprint("auth", __name__)
LIMITER = "klip_limiter"  # app.extensions key of the app's own Flask-Limiter (its counters are per app)
TOUCH_EVERY_S = 60  # the cookie's "last used" is renewed at most this often (not a new cookie on every request)


class WebUser(UserMixin):
    """The logged-in user as flask-login sees it. Roles here choose menu items; the engine decides access."""

    def __init__(self, username: str, full_name: str, roles: list[str] | tuple[str, ...]):
        self.username, self.full_name, self.roles = username, full_name, set(roles)

    def get_id(self) -> str:
        return self.username

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def may_upload(self) -> bool:
        return bool(self.roles & UPLOAD_ROLES)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def sees_quality(self) -> bool:
        """Has a quality-results page: an assessed agent (its own), the quality roles (everyone's)."""
        return bool(self.roles & (QUALITY_ROLES | {"agen"}))

    @property
    def sees_dashboard(self) -> bool:
        return bool(self.roles & DASHBOARD_ROLES)

    @property
    def is_admin(self) -> bool:
        """Keeps users, units and the calendar (the menu item; the engine decides access)."""
        return bool(self.roles & ADMIN_ROLES)

    @property
    def is_analyst(self) -> bool:
        """Models the processes (the analysts' menu item; the engine decides access)."""
        return bool(self.roles & ANALYST_ROLES)

    @property
    def sees_access_log(self) -> bool:
        """May open a campaign's personal-data access log (the office roles)."""
        return bool(self.roles & ACCESS_LOG_ROLES)

    @property
    def sees_trail(self) -> bool:
        """May open a process's page and trail (the engine decides; this only chooses which links to show)."""
        return bool(self.roles & INTERNAL_ROLES) or REQUESTER_ROLE in self.roles


def remember(view: UserView, stamp: str) -> WebUser:
    """Start a session for the user the engine let in: a fresh cookie (only the chosen language is kept) holding
    the user's session stamp."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    user = WebUser(view.username, view.full_name, view.roles)
    login_user(user)
    session[IDENTITY] = {"full_name": view.full_name, "roles": list(view.roles), "stamp": stamp,
                         "seen": ctx().now().isoformat()}
    return user


def restamp(stamp: str) -> None:
    """Keep this session after the user's own change that gave them a new stamp (their other sessions end)."""
    identity = session.get(IDENTITY)
    if isinstance(identity, dict):
        session[IDENTITY] = {**identity, "stamp": stamp}


@login_manager.user_loader
def _load(username: str) -> WebUser | None:
    identity = session.get(IDENTITY)
    if not isinstance(identity, dict):
        return None
    return WebUser(username, str(identity.get("full_name", "")), list(identity.get("roles", [])))


login_manager.login_view = "auth.login"
login_manager.login_message = N_("Silakan masuk terlebih dahulu.")
login_manager.localize_callback = t


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("tasks.inbox")


@contextmanager
def _throttled(username: str) -> Iterator[None]:
    """Count a login attempt per username and per client address (RateLimitExceeded past either rate)."""
    limiter: Limiter = current_app.extensions[LIMITER]
    settings = ctx().settings
    with ExitStack() as stack:
        stack.enter_context(limiter.limit(settings.login_rate_per_user, key_func=lambda: username[:64],
                                          scope="login-user"))
        stack.enter_context(limiter.limit(settings.login_rate_per_address, key_func=client_address,
                                          scope="login-address"))
        yield


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - ctx().now()).total_seconds()))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html")
    username = request.form.get("username", "").strip()
    try:
        with _throttled(username):
            signed = sign_in(ctx(), username, request.form.get("password", ""), client_address())
    except RateLimitExceeded:
        limit = current_app.extensions[LIMITER].current_limit
        wait = max(1, math.ceil(limit.window[0] - time.time())) if limit is not None else 60
        flash(t("Terlalu banyak percobaan masuk dalam waktu singkat. Tunggu {n} detik, lalu coba lagi.", n=wait),
              "error")
        return render_template("login.html"), 429, {"Retry-After": str(wait)}
    if signed.user is not None:
        remember(signed.user, signed.stamp)
        return redirect(_safe_next(request.args.get("next")))
    if signed.locked_until is not None:
        flash(t("Terlalu banyak percobaan masuk yang gagal untuk akun ini. Akun dikunci sampai {until}; sampai saat "
                "itu kata sandi yang benar pun ditolak.", until=wib(signed.locked_until)), "error")
        return render_template("login.html"), 429, {"Retry-After": str(_seconds_until(signed.locked_until))}
    flash(t("Nama pengguna atau kata sandi salah."), "error")
    return render_template("login.html")


def forget() -> None:
    """End the session: flask-login's user and the identity kept beside it."""
    logout_user()
    session.pop(IDENTITY, None)


@bp.post("/logout")
@login_required
def logout() -> Any:
    """End every session of the user (a copy of this cookie too), then this one."""
    sign_out(ctx(), web_session())
    forget()
    flash(t("Anda telah keluar; semua sesi akun ini diakhiri."))
    return redirect(url_for("auth.login"))


def _last_seen() -> datetime | None:
    identity = session.get(IDENTITY)
    try:
        return datetime.fromisoformat(identity["seen"]) if isinstance(identity, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _uses_session() -> bool:
    """Pages use the session cookie; the API (bearer tokens) and static files do not."""
    return request.blueprint != "api" and request.endpoint not in (None, "static")


def _end_idle_session() -> None:
    """A session unused for longer than the idle limit ends here, before the request is served."""
    if not _uses_session() or not current_user.is_authenticated:
        return
    if not session_expired(_last_seen(), ctx().now(), ctx().settings):
        return
    hours = idle_limit(ctx().settings).total_seconds() / 3600
    message = N_("Sesi Anda berakhir karena tidak digunakan selama lebih dari {hours} jam. Silakan masuk lagi.",
                 hours=int(hours) if hours == int(hours) else round(hours, 2))
    if request.endpoint == "auth.login":  # already where the reader is sent
        forget()
        flash(t(message), "error")
        return
    raise NotAuthenticated(message)  # webapp.errors: the session ends, a GET is sent to log in again


def _touch(response: Any) -> Any:
    """Remember when the session was last used (renewed at most once a minute)."""
    if _uses_session() and current_user.is_authenticated:
        identity, seen, now = session.get(IDENTITY), _last_seen(), ctx().now()
        if isinstance(identity, dict) and (seen is None or (now - seen).total_seconds() >= TOUCH_EVERY_S):
            session[IDENTITY] = {**identity, "seen": now.isoformat()}
    return response


def init_app(app: Flask) -> None:
    """Sessions' idle limit, and the app's own rate limiter for the login form."""
    settings = app.extensions["klip"].settings
    app.extensions[LIMITER] = Limiter(key_func=client_address, app=app, storage_uri=settings.ratelimit_storage,
                                      headers_enabled=False)
    app.before_request(_end_idle_session)
    app.after_request(_touch)
