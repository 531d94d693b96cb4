"""Login and logout (flask-login sessions); API requests authenticate with a bearer token instead.

The signed session cookie carries who logged in (username, name, roles at login) so that a request needs no
database round trip of its own: the engine checks that the user is still active, and their current roles,
inside the one transaction of the service the request calls (``engine.access.acting``).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import UserMixin, login_required, login_user, logout_user

from engine.access import (
    ACCESS_LOG_ROLES,
    INTERNAL_ROLES,
    QUALITY_ROLES,
    REQUESTER_ROLE,
    STAFF_ROLES,
    UPLOAD_ROLES,
)
from engine.i18n import N_
from engine.users import UserView
from engine.users import login as check_password

from . import login_manager
from .i18n import t
from .services import ctx

bp = Blueprint("auth", __name__)
IDENTITY = "klip_identity"  # session key: the logged-in user's name and roles, for menus and headings


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
    def sees_access_log(self) -> bool:
        """May open a campaign's personal-data access log (the office roles)."""
        return bool(self.roles & ACCESS_LOG_ROLES)

    @property
    def sees_trail(self) -> bool:
        """May open a process's page and trail (the engine decides; this only chooses which links to show)."""
        return bool(self.roles & INTERNAL_ROLES) or REQUESTER_ROLE in self.roles


def remember(view: UserView) -> WebUser:
    """Start a session for ``view`` (after the engine checked the password)."""
    user = WebUser(view.username, view.full_name, view.roles)
    login_user(user)
    session[IDENTITY] = {"full_name": view.full_name, "roles": list(view.roles)}
    return user


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


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        view = check_password(ctx(), request.form.get("username", "").strip(), request.form.get("password", ""))
        if view is not None:
            remember(view)
            return redirect(_safe_next(request.args.get("next")))
        flash(t("Nama pengguna atau kata sandi salah."), "error")
    return render_template("login.html")


def forget() -> None:
    """End the session: flask-login's user and the identity kept beside it."""
    logout_user()
    session.pop(IDENTITY, None)


@bp.post("/logout")
@login_required
def logout() -> Any:
    forget()
    return redirect(url_for("auth.login"))
