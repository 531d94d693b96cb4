"""Requesting units (Pengguna Layanan): the DJP units a campaign is run for, and their users."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access
from .access import Who
from .audit import audit
from .context import Context
from .errors import InvalidInput, NotFound
from .i18n import N_
from .inputs import clean_text
from .models import Campaign, Unit, User

NAME_MAX = 255


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    active: bool
    users: int
    campaigns: int


def unit_named(session: Session, name: str, field: str = "requester") -> Unit:
    """The active unit of that name; InvalidInput on ``field`` when there is none."""
    name = " ".join(clean_text(name).split())
    unit = session.scalars(select(Unit).where(func.lower(Unit.name) == name.lower(), Unit.active.is_(True))).first()
    if unit is None:
        raise InvalidInput(N_("Unit peminta tidak dikenal."),
                           {field: N_("'{name}' bukan unit peminta yang terdaftar; pilih dari daftar unit.",
                                      name=name[:NAME_MAX])})
    return unit


def _checked_name(session: Session, name: str, unit_id: int | None = None) -> str:
    """A unit's name, spaces folded: required, at most NAME_MAX characters, unique whatever its case."""
    name = " ".join(clean_text(name).split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(N_("Nama unit tidak valid."), {"name": N_("wajib diisi, paling panjang {n} karakter",
                                                                       n=NAME_MAX)})
    same = session.scalars(select(Unit.id).where(func.lower(Unit.name) == name.lower(), Unit.id != (unit_id or 0)))
    if same.first() is not None:
        raise InvalidInput(N_("Unit sudah terdaftar."), {"name": N_("Unit '{name}' sudah ada.", name=name)})
    return name


def add_unit(session: Session, now: datetime, actor: str, name: str) -> Unit:
    """Register a requesting unit (names are unique, whatever their case)."""
    name = _checked_name(session, name)
    unit = Unit(name=name, active=True, created_at=now, created_by=actor)
    session.add(unit)
    session.flush()
    audit(session, now, actor, "unit_added", None, None, data={"unit": name})
    return unit


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(N_("Unit {unit_id} tidak ditemukan.", unit_id=unit_id))
    return unit


def rename_unit(session: Session, now: datetime, actor: str, unit_id: int, name: str) -> Unit:
    """Give a unit its new name (a reorganisation). Campaigns keep the requester's name they were requested
    under; the unit's users and its campaigns stay together by the unit's id."""
    unit = _unit(session, unit_id)
    name = _checked_name(session, name, unit.id)
    if name != unit.name:
        audit(session, now, actor, "unit_renamed", None, None, data={"unit": name, "before": unit.name})
        unit.name = name
    return unit


def set_unit_active(session: Session, now: datetime, actor: str, unit_id: int, active: bool) -> Unit:
    """A deactivated unit requests no new campaigns and takes no new users; its users keep seeing the unit's
    campaigns (the history stays where it was)."""
    unit = _unit(session, unit_id)
    if unit.active != active:
        unit.active = active
        audit(session, now, actor, "unit_activated" if active else "unit_deactivated", None, None,
              data={"unit": unit.name})
    return unit


def views(session: Session) -> list[UnitView]:
    """Every unit with how many users and campaigns it has, by name."""
    users: dict[int | None, int] = {u: n for u, n in session.execute(
        select(User.unit_id, func.count(User.id)).group_by(User.unit_id))}
    campaigns: dict[int | None, int] = {u: n for u, n in session.execute(
        select(Campaign.unit_id, func.count(Campaign.id)).group_by(Campaign.unit_id))}
    return [UnitView(u.id, u.name, u.active, users.get(u.id, 0), campaigns.get(u.id, 0))
            for u in session.scalars(select(Unit).order_by(Unit.name))]


def create_unit(ctx: Context, who: Who, name: str) -> UnitView:
    """Register a unit (administrators; the CLI acts as the system)."""
    with access.acting(ctx, who) as (session, user):
        access.require_roles(user, access.ADMIN_ROLES)
        unit = add_unit(session, ctx.now(), user.username, name)
        return UnitView(unit.id, unit.name, unit.active, 0, 0)


def _one_view(session: Session, unit: Unit) -> UnitView:
    return next(v for v in views(session) if v.id == unit.id)


def rename(ctx: Context, who: Who, unit_id: int, name: str) -> UnitView:
    """An administrator renames a unit."""
    with access.acting(ctx, who) as (session, user):
        access.require_roles(user, access.ADMIN_ROLES)
        return _one_view(session, rename_unit(session, ctx.now(), user.username, unit_id, name))


def set_active(ctx: Context, who: Who, unit_id: int, active: bool | None) -> UnitView:
    """An administrator deactivates (or activates again) a unit."""
    with access.acting(ctx, who) as (session, user):
        access.require_roles(user, access.ADMIN_ROLES)
        if active is None:
            raise InvalidInput(N_("Status tidak valid."), {"active": N_("Pilih aktifkan atau nonaktifkan.")})
        return _one_view(session, set_unit_active(session, ctx.now(), user.username, unit_id, active))


def list_units(ctx: Context, who: Who) -> list[UnitView]:
    """The units a campaign may be requested by (any signed-in user may see the list)."""
    with access.acting(ctx, who) as (session, _):
        return views(session)
