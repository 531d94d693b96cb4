"""Users, roles, passwords and API tokens.

Functions taking a Session never commit (the caller owns the transaction); the ctx-level wrappers at the
bottom each run one transaction.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Protocol

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from . import lockout
from .context import Context
from .errors import InvalidInput, NotAllowed, NotFound
from .i18n import LANGUAGES, N_, SOURCE_LANGUAGE, Text
from .models import ApiToken, Unit, User, UserRole

ROLES: Mapping[str, Text] = MappingProxyType({  # code → label (Indonesian; shown translated, never the code)
    "kasi": N_("Kepala Seksi Operasional"),
    "pelaksana": N_("Pelaksana Seksi Operasional"),
    "agen": N_("Agen"),
    "kepala_kantor": N_("Kepala Kantor"),
    "pkl": N_("Seksi Penjaminan Kualitas Layanan"),
    "kepala_seksi_pkl": N_("Kepala Seksi Penjaminan Kualitas Layanan"),
    "pengguna_layanan": N_("Pengguna Layanan"),
    "analis": N_("Analis"),
    "admin": N_("Administrator"),
})


def role_label(code: str) -> str:
    """The label of a role code (the code itself when unknown); ``webapp`` shows it in the reader's language."""
    return ROLES.get(code, code)


USERNAME_RE = re.compile(r"[a-z0-9._-]{2,64}")
PASSWORD_MIN = 8
PASSWORD_MAX = 256  # characters: a longer "password" is a mistake (or an attempt to make hashing slow)


@dataclass(frozen=True)
class UserView:
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class Profile:
    """What a user is besides a login: name, where mail reaches them (and in which language), and how they sign
    (NIP, jabatan)."""

    full_name: str = ""
    email: str | None = None
    nip: str | None = None
    position: str | None = None
    language: str = SOURCE_LANGUAGE  # of the mails they receive: "id" or "en"
    unit: str | None = None  # the requesting unit a Pengguna Layanan belongs to (its name)


def view(user: User) -> UserView:
    """Return a detached, immutable summary of ``user``."""
    return UserView(user.username, user.full_name, tuple(sorted(user.role_names)), user.active)


NIP_DIGITS = 18  # Nomor Induk Pegawai: birth date, appointment month, sex, sequence


def _profile_errors(profile: Profile) -> dict[str, str]:
    errors: dict[str, str] = {}
    if profile.email:
        try:
            validate_email(profile.email, check_deliverability=False)
        except EmailNotValidError as exc:
            errors["email"] = N_("Alamat e-mail tidak valid: {reason}", reason=str(exc))
    if profile.nip and not (profile.nip.isascii() and profile.nip.isdigit() and len(profile.nip) == NIP_DIGITS):
        errors["nip"] = N_("NIP terdiri atas {n} angka.", n=NIP_DIGITS)
    if profile.language not in LANGUAGES:
        errors["language"] = N_("Bahasa harus salah satu dari: {choices}.", choices=list(LANGUAGES))
    if len(profile.full_name) > 200 or len(profile.position or "") > 255:
        errors["full_name" if len(profile.full_name) > 200 else "position"] = N_("Terlalu panjang.")
    return errors


def _normalized(profile: Profile) -> Profile:
    """Blank values as None, the NIP without the spaces people type in it, the e-mail as the validator writes it."""
    email = (profile.email or "").strip() or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            pass  # reported by _profile_errors
    nip = "".join((profile.nip or "").split()) or None
    unit = " ".join((profile.unit or "").split()) or None
    return Profile(profile.full_name.strip(), email, nip, (profile.position or "").strip() or None,
                   (profile.language or SOURCE_LANGUAGE).strip().lower(), unit)


# --- validation --------------------------------------------------------------------------------------

def _role_errors(roles: Iterable[str]) -> dict[str, str]:
    unknown = sorted(set(roles) - set(ROLES))
    if not unknown:
        return {}
    return {"roles": N_("Peran tidak dikenal: {unknown}. Pilihan: {choices}.", unknown=unknown, choices=list(ROLES))}


def _password_errors(password: str | None) -> dict[str, str]:
    if password is None or PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return {}
    if len(password) > PASSWORD_MAX:
        return {"password": N_("Kata sandi paling banyak {n} karakter.", n=PASSWORD_MAX)}
    return {"password": N_("Kata sandi paling sedikit {n} karakter.", n=PASSWORD_MIN)}


def _username_errors(session: Session, username: str) -> dict[str, str]:
    if not USERNAME_RE.fullmatch(username):
        return {"username": N_("Nama pengguna 2–64 karakter: huruf kecil, angka, titik, garis bawah, "
                               "tanda hubung.")}
    if find_user(session, username) is not None:
        return {"username": N_("Nama pengguna '{username}' sudah dipakai.", username=username)}
    return {}


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput(N_("Data pengguna tidak valid."), errors)


# --- session-level functions (no commit) ------------------------------------------------------------

# Built once: every request begins with it, and building an ORM statement with a loader option costs more than
# running it.
_USER_WITH_ROLES = select(User).where(User.username == bindparam("username")).options(joinedload(User.roles))


def find_user(session: Session, username: str) -> User | None:
    """The user with their roles, in one statement (every web request begins with it)."""
    return session.scalars(_USER_WITH_ROLES, {"username": username}).unique().one_or_none()


class Person(Protocol):
    """What the access rules read of a user: a ``User``, or a ``Reader`` for a page that only reads."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def role_names(self) -> AbstractSet[str]: ...


@dataclass(frozen=True)
class Reader:
    """A user as the pages that only read need them (the lists): plain values of one row per role, no ORM object;
    making a ``User`` with its roles cost those pages more than any of their own statements (see README, *Measured*).
    ``active`` and ``session_stamp`` are checked as a ``User``'s are (``engine.access``)."""

    id: int
    username: str
    unit_id: int | None
    role_names: frozenset[str]
    active: bool
    session_stamp: str


_READER = (select(User.id, User.unit_id, User.active, User.session_stamp, UserRole.role)
           .outerjoin(UserRole, UserRole.user_id == User.id).where(User.username == bindparam("username")))


def find_reader(conn: Connection, username: str) -> Reader | None:
    """The user as a ``Reader`` (None when unknown), in one statement."""
    rows = conn.execute(_READER, {"username": username}).all()
    if not rows:
        return None
    user_id, unit_id, active, stamp, _ = rows[0]
    return Reader(user_id, username, unit_id, frozenset(row[-1] for row in rows if row[-1] is not None), active, stamp)


def add_user(
    session: Session,
    now: datetime,
    username: str,
    roles: Iterable[str],
    password: str | None = None,
    profile: Profile | None = None,
) -> User:
    """Create a user with the given roles (and password and profile, if any)."""
    roles, profile = set(roles), _normalized(profile or Profile())
    unit = _unit(session, profile.unit)
    _raise_if(new_user_errors(session, username, roles, password, profile))
    user = User(
        username=username,
        full_name=profile.full_name,
        password_hash=generate_password_hash(password) if password is not None else None,
        active=True,
        created_at=now,
        roles=[UserRole(role=r) for r in sorted(roles)],
        email=profile.email, nip=profile.nip, position=profile.position, language=profile.language,
        unit_id=unit.id if unit else None,
        session_stamp=new_session_stamp(),
    )
    session.add(user)
    session.flush()
    return user


def new_user_errors(session: Session, username: str, roles: Iterable[str], password: str | None,
                    profile: Profile) -> dict[str, str]:
    """Every problem with a user to be created, by field (none: it may be created)."""
    profile = _normalized(profile)
    unit = _unit(session, profile.unit)
    return (_username_errors(session, username) | _role_errors(set(roles)) | _password_errors(password)
            | _profile_errors(profile) | ({"unit": _unknown_unit(profile.unit)} if profile.unit and not unit else {}))


def _unit(session: Session, name: str | None) -> Unit | None:
    if not name:
        return None
    return session.scalars(select(Unit).where(func.lower(Unit.name) == name.lower(), Unit.active.is_(True))).first()


def _unknown_unit(name: str | None) -> Text:
    return N_("'{name}' bukan unit peminta yang terdaftar (klip unit list).", name=name or "")


def unit_name(session: Session, user: User) -> str | None:
    """The name of the user's requesting unit (None: in none)."""
    unit = session.get(Unit, user.unit_id) if user.unit_id is not None else None
    return unit.name if unit else None


def profile_of(session: Session, user: User) -> Profile:
    """What the user is besides a login, as stored."""
    return Profile(user.full_name, user.email, user.nip, user.position, user.language, unit_name(session, user))


def _unit_kept_or_found(session: Session, user: User | None, name: str | None) -> tuple[Unit | None, bool]:
    """The unit called ``name``: the user's own (even if since deactivated), else an active one; and whether found."""
    if not name:
        return None, True
    own = session.get(Unit, user.unit_id) if user is not None and user.unit_id is not None else None
    if own is not None and own.name.lower() == name.lower():
        return own, True
    unit = _unit(session, name)
    return unit, unit is not None


def check_changes(session: Session, profile: Profile, roles: Iterable[str], username: str | None = None) -> None:
    """Every problem with a new profile (unit included) and role set, named by field, at once."""
    profile = _normalized(profile)
    user = find_user(session, username) if username else None
    _, found = _unit_kept_or_found(session, user, profile.unit)
    _raise_if(_role_errors(set(roles)) | _profile_errors(profile)
              | ({} if found else {"unit": _unknown_unit(profile.unit)}))


def set_profile(session: Session, username: str, profile: Profile) -> User:
    """Replace the user's name, e-mail, NIP, position, language and requesting unit."""
    user = get_user(session, username)
    profile = _normalized(profile)
    unit, found = _unit_kept_or_found(session, user, profile.unit)
    _raise_if(_profile_errors(profile) | ({} if found else {"unit": _unknown_unit(profile.unit)}))
    user.full_name, user.email, user.nip, user.position = (profile.full_name, profile.email, profile.nip,
                                                           profile.position)
    user.language, user.unit_id = profile.language, unit.id if unit else None
    return user


def get_user(session: Session, username: str) -> User:
    """Return the user called ``username`` or raise NotFound."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(N_("Pengguna '{username}' tidak ditemukan.", username=username))
    return user


def new_session_stamp() -> str:
    return secrets.token_hex(16)


def end_sessions(user: User) -> str:
    """End every web session of the user (their cookies carry the old stamp); returns the new stamp."""
    user.session_stamp = new_session_stamp()
    return user.session_stamp


def set_password(session: Session, username: str, password: str) -> User:
    """Replace the user's password; every session of the user ends."""
    _raise_if(_password_errors(password))
    user = get_user(session, username)
    user.password_hash = generate_password_hash(password)
    end_sessions(user)
    return user


def set_roles(session: Session, username: str, roles: Iterable[str]) -> User:
    """Replace the user's roles with ``roles``; when they change, every session of the user ends."""
    wanted = set(roles)
    _raise_if(_role_errors(wanted))
    user = get_user(session, username)
    if wanted != user.role_names:
        end_sessions(user)
    # Keep rows that stay, so the flush never deletes and re-inserts the same primary key.
    user.roles = [r for r in user.roles if r.role in wanted]
    user.roles.extend(UserRole(role=r) for r in sorted(wanted - user.role_names))
    session.flush()
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Activate or deactivate a user; inactive users cannot log in or use tokens, and their sessions end."""
    user = get_user(session, username)
    if user.active and not active:
        end_sessions(user)
    user.active = active
    return user


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def check_password(session: Session, username: str, password: str) -> tuple[User | None, str]:
    """The active user if the password matches (and ""), else None and why not: ``unknown_user``, ``no_password``,
    ``wrong_password`` or ``inactive`` (for the audit trail only: the person logging in is told none of this)."""
    user = find_user(session, username)
    stored = user.password_hash if user is not None else None
    # Hash even when there is no user or no password, so timing does not reveal which usernames exist.
    matches = check_password_hash(stored or _dummy_hash(), password)
    if user is None:
        return None, "unknown_user"
    if stored is None:
        return None, "no_password"
    if not matches:
        return None, "wrong_password"
    if not user.active:
        return None, "inactive"
    return user, ""


def users_with_role(session: Session, role: str) -> list[User]:
    """Return the active users holding ``role``, sorted by username."""
    if role not in ROLES:
        raise InvalidInput(N_("Peran tidak dikenal."), {"role": N_("Peran tidak dikenal: {role}.", role=role)})
    query = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == role, User.active.is_(True))
        .order_by(User.username)
    )
    return list(session.scalars(query))


def full_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """Username → full name (the username when none is set) of the known users among ``usernames``."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted)))
    return {username: full_name or username for username, full_name in rows}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how exactly a token's last use is kept (api_tokens.last_used_at)
TOKEN_DAYS_MAX = 3660  # an expiry further away than ten years is a typo


def issue_token(session: Session, now: datetime, username: str, days: int | None = None) -> str:
    """Create an API token for the user, valid for ``days`` (None: until revoked); only its SHA-256 is stored, the
    plaintext is returned once."""
    if days is not None and not 1 <= days <= TOKEN_DAYS_MAX:
        raise InvalidInput(N_("Masa berlaku token tidak valid."),
                           {"days": N_("Masa berlaku token 1–{n} hari.", n=TOKEN_DAYS_MAX)})
    user = get_user(session, username)
    if not user.active:
        raise NotAllowed(N_("Pengguna '{username}' tidak aktif.", username=username))
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=_token_hash(token), created_at=now,
                         expires_at=now + timedelta(days=days) if days is not None else None))
    session.flush()
    return token


def token_owner(session: Session, now: datetime, token: str,
                lock_key: str | None = None) -> tuple[User | None, str, datetime | None]:
    """The active user owning ``token`` (recording its use, to the minute) and "", else None and why not:
    ``unknown``, ``expired`` or ``inactive``; and, for a known token, the end of ``lock_key``'s lock (None when not
    locked) — read in the same statement, so a valid token costs one query."""
    query: Select[ApiToken, User, datetime | None] = (
        select(ApiToken, User, lockout.lock_end(lock_key or "")).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == _token_hash(token)).options(joinedload(User.roles)))
    found = session.execute(query).unique().one_or_none() if token else None
    if found is None:
        return None, "unknown", None
    row, user, until = found
    until = until if until is not None and until > now else None
    if row.expires_at is not None and row.expires_at <= now:
        return None, "expired", until
    if not user.active:
        return None, "inactive", until
    if until is None and (row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION):
        row.last_used_at = now  # in the request's own transaction; at most once a minute (no write per request)
    return user, "", until


def revoke_tokens(session: Session, username: str) -> int:
    """Delete all of the user's API tokens; return how many there were."""
    user = get_user(session, username)
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    for row in rows:
        session.delete(row)
    return len(rows)


# --- service wrappers (one transaction each) --------------------------------------------------------

def create_user(
    ctx: Context, username: str, roles: Iterable[str], password: str | None = None, full_name: str = "",
    profile: Profile | None = None,
) -> UserView:
    """Create a user and commit (``profile`` wins over ``full_name``)."""
    with ctx.transaction() as session:
        return view(add_user(session, ctx.now(), username, roles, password, profile or Profile(full_name)))


def create_token(ctx: Context, username: str, days: int | None = None) -> str:
    """Issue an API token (valid for ``days``, None: until revoked) and commit; the plaintext is shown only now."""
    with ctx.transaction() as session:
        return issue_token(session, ctx.now(), username, days)


def list_users(ctx: Context) -> list[UserView]:
    """List all users, sorted by username."""
    with ctx.transaction() as session:
        return [view(u) for u in session.scalars(select(User).order_by(User.username))]
