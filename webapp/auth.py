"""Login and logout (flask-login sessions); API requests authenticate with a bearer token instead."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import UserMixin, login_required, login_user, logout_user

from engine.users import UserView, load_user
from engine.users import login as check_password

from . import login_manager
from .i18n import t
from .services import ctx

bp = Blueprint("auth", __name__)


class WebUser(UserMixin):
    """The logged-in user as flask-login sees it: a username and roles from the engine."""

    def __init__(self, view: UserView):
        self.username, self.full_name, self.roles = view.username, view.full_name, set(view.roles)

    def get_id(self) -> str:
        return self.username

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@login_manager.user_loader
def _load(username: str) -> WebUser | None:
    view = load_user(ctx(), username)
    return WebUser(view) if view else None


login_manager.login_view = "auth.login"
login_manager.login_message = "Silakan masuk terlebih dahulu."


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
            login_user(WebUser(view))
            return redirect(_safe_next(request.args.get("next")))
        flash(t("Nama pengguna atau kata sandi salah."), "error")
    return render_template("login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))
