"""User accounts as the administrator keeps them: create, edit, (de)activate, reset a password, revoke tokens.

Each change is one audited core (session level, no commit) that the web app's admin pages and the ``klip user``
commands share; the ``ctx``-level services run it in one transaction on behalf of an active administrator. The CLI
runs the cores as ``system`` (whoever holds the machine's shell holds the database too). An administrator may not
lock themselves out: deactivating their own account or dropping their own admin role is refused
(``access.refuse_self_lockout``), so an active administrator always remains.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from . import access, users
from .access import Who
from .audit import audit
from .context import Context
from .errors import InvalidInput
from .i18n import N_
from .models import User
from .users import Profile, UserView

GENERATED_LENGTH = 12  # bytes of randomness in a generated password (16 URL-safe characters)
ADMIN_ACTIONS = ("user_created", "user_updated", "user_activated", "user_deactivated", "user_password_reset",
                 "user_tokens_revoked")


PASSWORD_MODES = ("generate", "typed", "none")  # generated and shown once, typed twice, or none (an API-only user)
MODE_LABELS = {"generate": N_("buat acak"), "typed": N_("ketik sendiri"), "none": N_("tanpa kata sandi")}


@dataclass(frozen=True)
class NewPassword:
    """A password as the administrator chose to set it (``mode``): generated, typed twice, or none."""

    mode: str = ""
    password: str = ""
    confirm: str = ""


def chosen_password(choice: NewPassword, allow_none: bool) -> tuple[str | None, bool]:
    """The password to set and whether it was generated (to be shown once); InvalidInput naming the field."""
    modes = PASSWORD_MODES if allow_none else PASSWORD_MODES[:2]
    if choice.mode not in modes:
        raise InvalidInput(N_("Cara menetapkan kata sandi belum dipilih."),
                           {"mode": N_("Pilih salah satu: {choices}.", choices=[MODE_LABELS[m] for m in modes])})
    if choice.mode == "none":
        return None, False
    if choice.mode == "generate":
        return secrets.token_urlsafe(GENERATED_LENGTH), True
    errors: dict[str, str] = {}
    if len(choice.password) < users.PASSWORD_MIN:
        errors["password"] = N_("Kata sandi paling sedikit {n} karakter.", n=users.PASSWORD_MIN)
    elif len(choice.password) > users.PASSWORD_MAX:
        errors["password"] = N_("Kata sandi paling banyak {n} karakter.", n=users.PASSWORD_MAX)
    if choice.password != choice.confirm:
        errors["password_confirm"] = N_("Kata sandi dan ulangannya tidak sama.")
    if errors:
        raise InvalidInput(N_("Kata sandi tidak valid."), errors)
    return choice.password, False


def _audit(session: Session, at: datetime, actor: str, action: str, username: str, **data: Any) -> None:
    audit(session, at, actor, action, None, None, data={"user": username, **data})


# --- the cores: one audited change each (no commit) ----------------------------------------------------

def create(session: Session, at: datetime, actor: str, username: str, roles: Iterable[str],
           profile: Profile, password: str | None) -> User:
    """Create a user (validated as ``users.add_user``) and record who created it with which roles."""
    user = users.add_user(session, at, username, roles, password, profile)
    _audit(session, at, actor, "user_created", username, roles=sorted(user.role_names),
           unit=users.unit_name(session, user), password=password is not None)
    return user


def update(session: Session, at: datetime, actor: str, username: str, profile: Profile,
           roles: Iterable[str]) -> dict[str, list[Any]]:
    """Replace a user's profile, unit and roles at once (every error named together); return and audit what
    changed, ``{field: [before, after]}`` (nothing audited when nothing changed)."""
    roles = set(roles)
    user = users.get_user(session, username)
    before = users.profile_of(session, user), sorted(user.role_names)
    users.check_changes(session, profile, roles, username)
    users.set_profile(session, username, profile)
    users.set_roles(session, username, roles)
    after = users.profile_of(session, user), sorted(user.role_names)
    changes = {name: [getattr(before[0], name), getattr(after[0], name)]
               for name in ("full_name", "email", "nip", "position", "language", "unit")
               if getattr(before[0], name) != getattr(after[0], name)}
    if before[1] != after[1]:
        changes["roles"] = [before[1], after[1]]
    if changes:
        _audit(session, at, actor, "user_updated", username, changes=changes)
    return changes


def change_active(session: Session, at: datetime, actor: str, username: str, active: bool) -> int:
    """(De)activate a user; deactivating also revokes their API tokens. Returns how many tokens were revoked."""
    user = users.set_active(session, username, active)
    revoked = users.revoke_tokens(session, username) if not active else 0
    _audit(session, at, actor, "user_activated" if user.active else "user_deactivated", username, tokens=revoked)
    return revoked


def change_password(session: Session, at: datetime, actor: str, username: str, password: str) -> str:
    """Set a new password (never recorded: the trail says who reset it and when); every session of the user ends.
    Returns the user's new session stamp."""
    user = users.set_password(session, username, password)
    _audit(session, at, actor, "user_password_reset", username)
    return user.session_stamp


def revoke_all_tokens(session: Session, at: datetime, actor: str, username: str) -> int:
    """Revoke every API token of the user; return how many there were."""
    revoked = users.revoke_tokens(session, username)
    _audit(session, at, actor, "user_tokens_revoked", username, tokens=revoked)
    return revoked


# --- the administrator's services (one transaction each) -------------------------------------------------

@dataclass(frozen=True)
class Created:
    user: UserView
    password: str | None  # the generated password, shown once; None when typed or not set


def create_account(ctx: Context, who: Who, username: str, roles: Iterable[str], profile: Profile,
                   password: NewPassword) -> Created:
    """An administrator creates a user (with a typed, a generated or no password)."""
    username, roles = username.strip().lower(), set(roles)
    with access.acting(ctx, who) as (session, admin):
        access.require_roles(admin, access.ADMIN_ROLES)
        errors = users.new_user_errors(session, username, roles, None, profile)
        try:
            secret, generated = chosen_password(password, allow_none=True)
        except InvalidInput as exc:  # named together with the other fields' problems
            errors, secret, generated = {**errors, **exc.fields}, None, False
        if errors:
            raise InvalidInput(N_("Data pengguna tidak valid."), errors)
        user = create(session, ctx.now(), admin.username, username, roles, profile, secret)
        return Created(users.view(user), secret if generated else None)


def update_account(ctx: Context, who: Who, username: str, profile: Profile,
                   roles: Iterable[str]) -> dict[str, list[Any]]:
    """An administrator edits a user's profile, unit and roles (not their own admin role away)."""
    roles = set(roles)
    with access.acting(ctx, who) as (session, admin):
        access.require_roles(admin, access.ADMIN_ROLES)
        access.refuse_self_lockout(admin, username, roles=roles)
        return update(session, ctx.now(), admin.username, username, profile, roles)


def set_account_active(ctx: Context, who: Who, username: str, active: bool | None) -> int:
    """An administrator (de)activates a user (never themselves); returns the tokens revoked."""
    with access.acting(ctx, who) as (session, admin):
        access.require_roles(admin, access.ADMIN_ROLES)
        if active is None:
            raise InvalidInput(N_("Status tidak valid."), {"active": N_("Pilih aktifkan atau nonaktifkan.")})
        access.refuse_self_lockout(admin, username, active=active)
        return change_active(session, ctx.now(), admin.username, username, active)


@dataclass(frozen=True)
class PasswordReset:
    generated: str | None  # the generated password, shown once; None when typed
    own_stamp: str | None  # the administrator's own password: the new session stamp that keeps this session


def reset_password(ctx: Context, who: Who, username: str, password: NewPassword) -> PasswordReset:
    """An administrator sets a user's new password, which ends every session of the user (but the administrator's
    own, when it is their own password: the session it was changed in goes on)."""
    with access.acting(ctx, who) as (session, admin):
        access.require_roles(admin, access.ADMIN_ROLES)
        users.get_user(session, username)
        secret, generated = chosen_password(password, allow_none=False)
        stamp = change_password(session, ctx.now(), admin.username, username, secret or "")
        return PasswordReset(secret if generated else None, stamp if username == admin.username else None)


def revoke_account_tokens(ctx: Context, who: Who, username: str) -> int:
    """An administrator revokes every API token of a user (the systems using them must ask for new ones)."""
    with access.acting(ctx, who) as (session, admin):
        access.require_roles(admin, access.ADMIN_ROLES)
        return revoke_all_tokens(session, ctx.now(), admin.username, username)
