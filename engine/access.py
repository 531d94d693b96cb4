"""Who may do and see what: every role set and every access rule of the product, in one place.

Services call these inside their own transaction, so a request is authorized once, where its data is read.
The web app imports the role sets only to decide which menu items to show; it never decides access.
"""
from __future__ import annotations

import hmac
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Connection, Table, and_, bindparam, false, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import lockout
from .audit import audit
from .context import Context, carried, carried_values, connection
from .errors import (
    InvalidInput,
    KlipError,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    TaskClaimed,
    TaskNotReady,
    TooManyAttempts,
)
from .i18n import N_, Text, either
from .models import AuditEvent, Campaign, CampaignMember, Contact, Instance, QaResult, Report, TaskIndex, User
from .settings import Settings
from .users import Person, Reader, find_reader, find_user, role_label, token_owner

# KLIP staff: the process documentation, the office's menus.
STAFF_ROLES = frozenset({"kasi", "pelaksana", "agen", "kepala_kantor", "pkl", "kepala_seksi_pkl", "admin", "analis"})
# Need-to-know: these see every campaign (their steps act on all of them) …
OFFICE_ROLES = frozenset({"kasi", "kepala_kantor", "pkl", "kepala_seksi_pkl", "admin", "analis"})
# … these only the campaigns they work on (uploaded, or were assigned a task of) …
MEMBER_ROLES = frozenset({"pelaksana", "agen"})
# … and a requesting unit's users every campaign of their unit.
REQUESTER_ROLE = "pengguna_layanan"
# Decisions, notes, comments and the instance's trail: all staff but agents (who see their own calls only).
INTERNAL_ROLES = STAFF_ROLES - {"agen"}
UPLOAD_ROLES = frozenset({"kasi", "pelaksana", "pengguna_layanan"})  # may upload a target list
ALL_CONTACTS_ROLES = frozenset({"kasi", "kepala_kantor", "pkl", "admin"})  # may read every contact of a campaign
DISTRIBUTE_ROLES = frozenset({"kasi"})  # may preview how step 4 splits the contacts
DEPLOY_ROLES = frozenset({"analis"})  # may deploy a process model and move running instances to another version
# The process analysts' pages: the process list, visual diff, model upload, web modeler and deploying from them.
ANALYST_ROLES = frozenset({"analis"})
ADMIN_ROLES = frozenset({"admin"})  # keep users, units and the working-day calendar
# The personal-data access log of a campaign (UU PDP: who was shown which taxpayers' data): the office.
ACCESS_LOG_ROLES = OFFICE_ROLES
# Agents' quality results: PKL assesses, its head approves, the Kasi and the Kepala Kantor lead the agents. An agent
# sees its own results once approved.
QUALITY_ROLES = frozenset({"pkl", "kepala_seksi_pkl", "kasi", "kepala_kantor", "admin"})

# The dashboard (``engine.pages.dashboard``) shows the whole office, so only roles that see every campaign open it:
# its operations part (campaigns, calls, agents' load, overdue tasks, report deadlines) is for those who run and
# answer for the campaigns; its quality part (agents' approved QA scores) for them and the service-quality section.
DASHBOARD_OPERATIONS_ROLES = frozenset({"kasi", "kepala_kantor", "admin"})
DASHBOARD_QUALITY_ROLES = frozenset({"kasi", "kepala_kantor", "pkl", "kepala_seksi_pkl", "admin"})
DASHBOARD_ROLES = DASHBOARD_OPERATIONS_ROLES | DASHBOARD_QUALITY_ROLES
# Moving a task (and an agent's open contacts) from an absent holder to a colleague: the Kasi, within the lanes of
# the Seksi Operasional they head (the Kepala Kantor's and PKL's tasks are not theirs to move).
REASSIGN_ROLES = frozenset({"kasi"})
REASSIGNABLE_LANE_ROLES = frozenset({"kasi", "pelaksana", "agen"})


class TaskScope(StrEnum):
    """The filters of a task list: everything I may work, mine, my lane's open tasks, past due."""

    ALL = "all"
    MINE = "mine"  # assigned to or claimed by me
    LANE = "lane"  # open to my whole lane: no named assignee
    OVERDUE = "overdue"


@dataclass(frozen=True)
class BearerToken:
    """An API token still to be checked, in the transaction of the service that serves the request, and the address
    it came from (unknown tokens are counted, and locked out, per address: ``engine.lockout``)."""

    value: str
    client: str = "-"


@dataclass(frozen=True)
class WebSession:
    """A browser session: the user it was opened for and the user's session stamp at login (``engine.logins``).
    It is valid while the user is active and the stamp is still theirs (a logout, a new password, other roles or a
    deactivation change it)."""

    username: str
    stamp: str


# Who is asking: a web session, an API token to check, or a username the caller has authenticated itself (the CLI).
Who = str | WebSession | BearerToken
# The username ``acting_user`` last resolved in this context (e.g. for the web app's request log line).
ACTOR: ContextVar[str | None] = ContextVar("klip_actor", default=None)
SESSION_ENDED = N_("Sesi ini sudah berakhir: Anda keluar, atau kata sandi, peran, atau status akun Anda diubah. "
                   "Silakan masuk lagi.")


def acting_user(session: Session, who: Who, now: datetime, settings: Settings | None = None) -> User:
    """The active user behind a request; NotAuthenticated for an unknown or inactive user, an ended session, or an
    unknown or expired token (recorded in ``session``; TooManyAttempts while the token's address is locked out)."""
    if isinstance(who, BearerToken):
        return _acted(_token_user(session, who, now, settings or Settings()))
    username = who.username if isinstance(who, WebSession) else who
    return _acted(_checked(who, username, find_user(session, username)))


_Found = TypeVar("_Found", User, Reader)


def _checked(who: Who, username: str, user: _Found | None) -> _Found:
    """``user``, if found and active and, for a web session, the session's stamp is still theirs."""
    if user is None or not user.active:
        raise NotAuthenticated(N_("Pengguna '{who}' tidak dikenal atau tidak aktif; silakan masuk lagi.",
                                  who=username))
    if isinstance(who, WebSession) and not hmac.compare_digest(who.stamp.encode(), user.session_stamp.encode()):
        raise NotAuthenticated(SESSION_ENDED)
    return user


def _token_user(session: Session, who: BearerToken, now: datetime, settings: Settings) -> User:
    """The token's user; else the refusal, audited (``api_token_refused``), an unknown token counted against its
    address, and the lock it leads to audited once (``api_client_locked``). A locked address is refused whatever
    token it sends (else the guessing would go on: a valid token would still be told apart)."""
    key = lockout.address_key(who.client)
    user, reason, until = token_owner(session, now, who.value, key)  # a known token brings its address's lock
    if user is not None and until is None:
        return user
    if reason == "unknown":
        until = lockout.locked_until(session, key, now)
    if until is None:
        audit(session, now, "-", "api_token_refused", None, None, data={"client": who.client, "reason": reason})
        until = lockout.fail(session, key, now, lockout.token_policy(settings)) if reason == "unknown" else None
        if until is None:
            raise NotAuthenticated(N_("Token API tidak ada, tidak dikenal, sudah kedaluwarsa, atau penggunanya tidak "
                                      "aktif."))
        audit(session, now, "-", "api_client_locked", None, None,
              data={"client": who.client, "failures": settings.token_max_failures, "until": until.isoformat()})
    # While the lock lasts nothing is checked and nothing written (a flood cannot fill the audit trail): the lock's
    # own row says from where and until when; the refused requests are in the request log (429).
    local = until.astimezone(ZoneInfo(settings.office_timezone))
    raise TooManyAttempts(N_("Terlalu banyak token API tidak dikenal dari alamat {client}; permintaan dari alamat ini "
                             "ditolak sampai {until}.", client=who.client, until=local.isoformat(timespec="minutes")),
                          until, max(1, math.ceil((until - now).total_seconds())))


_Acted = TypeVar("_Acted", bound=Person)


def _acted(user: _Acted) -> _Acted:
    ACTOR.set(user.username)
    return user


@contextmanager
def acting(ctx: Context, who: Who) -> Iterator[tuple[Session, User]]:
    """One transaction on behalf of ``who``: its session and the active user, checked inside it. A refused API token
    is refused after the transaction commits what was recorded about it (the audit row, the failure counted)."""
    refused: KlipError | None = None
    with ctx.transaction() as session:
        try:
            user = acting_user(session, who, ctx.now(), ctx.settings)
        except (NotAuthenticated, TooManyAttempts) as exc:
            if not isinstance(who, BearerToken):
                raise
            refused = exc
        else:
            yield session, user
    if refused is not None:
        raise refused


@contextmanager
def reading(ctx: Context, who: Who) -> Iterator[tuple[Connection, Person]]:
    """``acting`` for a service that only reads (the lists): a connection in a transaction, no ORM session, and the
    user checked as ``acting_user`` checks them, read as a ``Reader`` (plain values). A token is checked by
    ``acting``, which records its use and its refusals."""
    if isinstance(who, BearerToken):
        with acting(ctx, who) as (session, user):
            yield session.connection(), user
        return
    username = who.username if isinstance(who, WebSession) else who
    with ctx.reads() as conn:
        yield conn, _acted(_checked(who, username, find_reader(conn, username)))


def require_roles(user: User, roles: Iterable[str]) -> User:
    """The user, if they hold one of ``roles``; else NotAllowed naming the roles."""
    wanted = tuple(sorted(roles))
    if not user.role_names.intersection(wanted):
        raise NotAllowed(N_("Hanya pengguna aktif dengan peran {roles} yang boleh melakukan ini.",
                            roles=either(role_label(r) for r in wanted)))
    return user


def is_staff(user: User) -> bool:
    """KLIP staff: the process documentation and the office's menus are theirs."""
    return bool(user.role_names & STAFF_ROLES)


def is_internal(user: User) -> bool:
    """Sees decisions, notes, comments and the instance's trail (staff but agents); the requesting unit and the
    agents see who did what and when."""
    return bool(user.role_names & INTERNAL_ROLES)


# --- campaigns, instances, contacts, reports ---------------------------------------------------------

# The lists build each statement once per *shape* (which of the rules below apply, which filters are asked for) and
# run it with the user's values bound (building a statement costs more than running it): a shape holds no user's
# data, and the values are read in the request's own transaction, so a role change or a deactivation counts at once.
USERNAME: BindParameter[str] = bindparam("acl_username")
ROLES: BindParameter[list[str]] = bindparam("acl_roles", expanding=True)
UNIT_ID: BindParameter[int | None] = bindparam("acl_unit_id")
NOW: BindParameter[datetime] = bindparam("acl_now")


def bound(user: Person, now: datetime) -> dict[str, Any]:
    """The values the shaped clauses below (``campaign_clause``, ``WORKABLE``, ``scope_clause``) are run with."""
    return {"acl_username": user.username, "acl_roles": sorted(user.role_names), "acl_unit_id": user.unit_id,
            "acl_now": now}


@dataclass(frozen=True)
class CampaignSight:
    """Which need-to-know rules open campaigns to a user: a statement's shape, none of the user's values."""

    every: bool  # an office role: every campaign
    member: bool  # a member role: the campaigns they work on
    unit: bool  # a requesting unit's user (with a unit): every campaign of the unit


def campaign_sight(user: Person) -> CampaignSight:
    """The rules that open campaigns to ``user`` (see the role sets above)."""
    if user.role_names & OFFICE_ROLES:
        return CampaignSight(True, False, False)
    return CampaignSight(False, bool(user.role_names & MEMBER_ROLES),
                         REQUESTER_ROLE in user.role_names and user.unit_id is not None)


def _campaigns_seen(sight: CampaignSight, username: Any, unit_id: Any) -> Any:
    """The need-to-know rule, once for both uses: ``username`` and ``unit_id`` are values or bound parameters."""
    if sight.every:
        return true()
    seen: list[Any] = []
    if sight.member:
        seen.append(Campaign.id.in_(select(CampaignMember.campaign_id).where(CampaignMember.username == username)))
    if sight.unit:
        seen.append(Campaign.unit_id == unit_id)
    return or_(*seen) if seen else false()


@cache
def campaign_clause(sight: CampaignSight) -> Any:
    """A WHERE clause on Campaign: the campaigns ``sight`` opens, run with :func:`bound` values."""
    return _campaigns_seen(sight, USERNAME, UNIT_ID)


def campaign_filter(user: User) -> Any:
    """A WHERE clause on Campaign with the user's values in it: the campaigns the user needs to know of (see the role
    sets above)."""
    return _campaigns_seen(campaign_sight(user), user.username, user.unit_id)


def may_see_campaign(session: Session, user: User, campaign: Campaign) -> bool:
    if user.role_names & OFFICE_ROLES:
        return True
    if REQUESTER_ROLE in user.role_names and user.unit_id is not None and campaign.unit_id == user.unit_id:
        return True
    member = session.get(CampaignMember, (campaign.id, user.username))
    return bool(user.role_names & MEMBER_ROLES) and member is not None


def readable_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("Kampanye {campaign_id} tidak ditemukan.", campaign_id=campaign_id))
    if not may_see_campaign(session, user, campaign):
        raise NotAllowed(N_("Kampanye ini bukan kampanye unit Anda atau kampanye yang Anda kerjakan."))
    return campaign


def sees_import_report(user: User) -> bool:
    """The rows a file was read with (names, masked NPWP): the office, the requesting unit — not the agents."""
    return is_internal(user) or REQUESTER_ROLE in user.role_names


def readable_instance(session: Session, user: User, instance_id: int) -> Instance:
    """An instance of a campaign the user may see; never for an agent (its trail holds return notes). A process
    another one started for the campaign (e.g. the agents' quality assessment) is the office's own: not for the
    requesting unit nor the campaign's members."""
    row = session.get(Instance, instance_id)
    if row is None:
        raise NotFound(N_("Instans proses {instance_id} tidak ditemukan.", instance_id=instance_id))
    campaign = session.get(Campaign, row.campaign_id) if row.campaign_id else None
    if (campaign is None or not _is_campaigns_own(session, row)) and not user.role_names & OFFICE_ROLES:
        raise NotAllowed(N_("Anda tidak dapat melihat proses ini."))
    if campaign is not None and not may_see_campaign(session, user, campaign):
        raise NotAllowed(N_("Kampanye ini bukan kampanye unit Anda atau kampanye yang Anda kerjakan."))
    if not is_internal(user) and REQUESTER_ROLE not in user.role_names:
        raise NotAllowed(N_("Jejak proses hanya untuk pegawai yang mengerjakannya dan unit peminta."))
    return row


def _is_campaigns_own(session: Session, row: Instance) -> bool:
    """The instance the campaign's data started (its first), not one a message of it started later."""
    first = session.scalars(select(Instance.id).where(Instance.campaign_id == row.campaign_id)
                            .order_by(Instance.id).limit(1)).first()
    return first == row.id


def quality_filter(user: User) -> Any:
    """A WHERE clause on QaResult: every result for the quality roles, an agent's own approved ones."""
    if user.role_names & QUALITY_ROLES:
        return true()
    if "agen" in user.role_names:
        return and_(QaResult.agent == user.username, QaResult.approved_at.is_not(None))
    return false()


def may_read_quality(user: User) -> None:
    if not user.role_names & (QUALITY_ROLES | {"agen"}):
        raise NotAllowed(N_("Hasil penilaian kualitas agen hanya untuk agen yang dinilai dan Seksi Penjaminan "
                            "Kualitas Layanan."))


# Built once (a statement built per call costs more than running it); ON CONFLICT DO NOTHING on both databases.
_MEMBERS = cast(Table, CampaignMember.__table__)
_REMEMBER = {"postgresql": postgresql_insert(_MEMBERS).on_conflict_do_nothing(),
             "sqlite": sqlite_insert(_MEMBERS).on_conflict_do_nothing()}


def remember_member(session: Session, campaign_id: int, username: str, now: datetime) -> None:
    """``username`` works on the campaign (uploaded it, or was assigned one of its tasks): they may see it. One
    statement: the row is inserted unless it is there."""
    conn = connection(session)
    conn.execute(_REMEMBER[conn.dialect.name], {"campaign_id": campaign_id, "username": username, "since": now})


# The same as a data-modifying WITH another statement carries (PostgreSQL: the state's UPDATE that also tells the new
# member of their task, ``runtime.save_instance``): one round trip fewer. Its values are bound as ``member_<column>``.
MEMBER_WITH = (postgresql_insert(_MEMBERS).values(carried_values(_MEMBERS, "member"))
               .on_conflict_do_nothing().cte("member"))


def member_params(campaign_id: int, username: str, now: datetime) -> dict[str, Any]:
    """A membership's values as MEMBER_WITH binds them."""
    return carried("member", {"campaign_id": campaign_id, "username": username, "since": now})


def readable_contact(session: Session, user: User, contact_id: int) -> Contact:
    """A contact its own agent may read; the roles that supervise every contact may read it too."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(N_("Kontak tidak ditemukan."))
    if not user.role_names & ALL_CONTACTS_ROLES:
        may_call_contact(user, contact.agent)
    return contact


def may_call_contact(user: User, agent: str | None) -> None:
    """Only a contact's own agent (``agent``: the contact's) records calls on it; supervisors too only read it."""
    if agent != user.username:
        raise NotAllowed(N_("Kontak ini tidak dibagikan kepada Anda."))


def may_list_contacts(user: User, assigned_to_me: bool) -> None:
    """Agents list their own contacts; supervisors may list all of a campaign."""
    if not assigned_to_me and not user.role_names & ALL_CONTACTS_ROLES:
        raise NotAllowed(N_("Anda hanya dapat melihat kontak yang dibagikan kepada Anda."))
    if assigned_to_me and "agen" not in user.role_names:
        raise NotAllowed(N_("Hanya agen yang memiliki daftar kontak sendiri."))


def may_read_report(user: User, report: Report | None) -> None:
    """The office and the Pelaksana read the report as it is drafted; the requesting unit once it is signed;
    agents never (they see their own figures on their call list)."""
    if is_internal(user):
        return
    if REQUESTER_ROLE not in user.role_names:
        raise NotAllowed(N_("Laporan pelaksanaan bukan untuk agen; progres Anda ada di daftar panggilan."))
    if report is None or report.signed_at is None:
        raise NotAllowed(N_("Laporan tersedia bagi Pengguna Layanan setelah ditandatangani Kepala Kantor."))


def may_export_calls(user: User, report: Report | None) -> None:
    """The campaign's calls one by one (the report's annex: masked NPWP, numbers dialled, agents' notes) go to the
    report's readers: the office and the Pelaksana while it is drafted, the requesting unit once signed — the
    responses recorded are what the SOP's report is made of; agents never (their own calls are on their list)."""
    may_read_report(user, report)


@dataclass(frozen=True)
class DashboardParts:
    """Which parts of the dashboard a user sees."""

    operations: bool
    quality: bool


def dashboard_parts(user: User) -> DashboardParts:
    """The dashboard parts the user's roles open; NotAllowed when none does."""
    parts = DashboardParts(bool(user.role_names & DASHBOARD_OPERATIONS_ROLES),
                          bool(user.role_names & DASHBOARD_QUALITY_ROLES))
    if not (parts.operations or parts.quality):
        require_roles(user, DASHBOARD_ROLES)
    return parts


def may_model(user: User) -> User:
    """The analysts' pages (processes, versions and their diff, drafts, the web modeler, deploying): role analis."""
    return require_roles(user, ANALYST_ROLES)


def may_read_docs(user: User) -> None:
    if not is_staff(user):
        raise NotAllowed(N_("Dokumentasi dan kinerja proses hanya untuk pegawai KLIP."))


# --- tasks ---------------------------------------------------------------------------------------------

def _workable(roles: Any, username: Any) -> Any:
    return and_(TaskIndex.role.in_(roles), or_(TaskIndex.assignee.is_(None), TaskIndex.assignee == username))


# A WHERE clause on TaskIndex, run with :func:`bound` values: the user's lanes, and either unassigned or theirs.
WORKABLE = _workable(ROLES, USERNAME)


def workable_filter(user: User) -> Any:
    """``WORKABLE`` with the user's values in it."""
    return _workable(sorted(user.role_names), user.username)


def _scoped(scope: TaskScope, username: Any, now: Any) -> Any:
    if scope is TaskScope.MINE:
        return or_(TaskIndex.assignee == username, TaskIndex.claimed_by == username)
    if scope is TaskScope.LANE:
        return TaskIndex.assignee.is_(None)
    if scope is TaskScope.OVERDUE:
        return TaskIndex.due_at < now
    return true()


@cache
def scope_clause(scope: TaskScope) -> Any:
    """A WHERE clause on TaskIndex narrowing the workable tasks to ``scope``, run with :func:`bound` values."""
    return _scoped(scope, USERNAME, NOW)


def scope_filter(scope: TaskScope, username: str, now: datetime) -> Any:
    """``scope_clause`` with the values in it."""
    return _scoped(scope, username, now)


def may_work(user: User, row: TaskIndex, claimer_active: bool = True) -> bool:
    """The task rule in one place: the lane's role, the assignee (if named), no active colleague's claim."""
    return not _task_refusal(user, row, claimer_active)


def _task_refusal(user: User, row: TaskIndex, claimer_active: bool) -> str:
    if row.role not in user.role_names:
        return N_("Tugas '{task}' adalah tugas lajur {lane}; Anda tidak memiliki peran {role}.", task=row.name,
                  lane=Text(row.lane or ""), role=role_label(row.role or ""))  # lanes are named as their roles
    if row.assignee and row.assignee != user.username:
        return N_("Tugas '{task}' ditugaskan kepada {user}.", task=row.name, user=row.assignee)
    if row.claimed_by and row.claimed_by != user.username and claimer_active:
        return N_("Tugas '{task}' sedang dikerjakan oleh {user}.", task=row.name, user=row.claimed_by)
    return ""


def _ready_task(session: Session, task_id: str) -> TaskIndex:
    """The READY task from the task index; TaskNotReady when it was once (the trail knows it), else NotFound."""
    row = session.get(TaskIndex, task_id)
    if row is None:
        done = session.scalars(select(AuditEvent.id).where(AuditEvent.task_id == task_id).limit(1)).first()
        if done is not None:
            raise TaskNotReady(N_("Tugas ini sudah diselesaikan atau tidak lagi aktif."))
        raise NotFound(N_("Tugas {task_id} tidak ditemukan.", task_id=task_id))
    return row


def authorize_task(session: Session, user: User, task_id: str, row: TaskIndex | None = None) -> TaskIndex:
    """The task (READY, from the task index) if the user may work it; else NotFound/TaskNotReady/NotAllowed. ``row``:
    the task's index row when the caller has read it already (a ``TaskIndex`` or a row of its columns)."""
    row = row if row is not None else _ready_task(session, task_id)
    claimer_active = row.claimed_by is not None and _is_active(session, row.claimed_by)
    refusal = _task_refusal(user, row, claimer_active)
    if refusal:
        taken = row.role in user.role_names and not (row.assignee and row.assignee != user.username)
        raise (TaskClaimed if taken else NotAllowed)(refusal)
    return row


def _is_active(session: Session, username: str) -> bool:
    """A claim by a deactivated user no longer blocks the lane."""
    return bool(session.scalar(select(User.active).where(User.username == username)))


def may_reassign(user: User, task_role: str | None) -> bool:
    """The user may move a task of a lane with ``task_role`` to another holder (menus and links ask this too)."""
    return bool(user.role_names & REASSIGN_ROLES) and task_role in REASSIGNABLE_LANE_ROLES


def reassignable_task(session: Session, user: User, task_id: str) -> TaskIndex:
    """The READY task the user may move to another holder; NotFound/TaskNotReady/NotAllowed otherwise."""
    require_roles(user, REASSIGN_ROLES)
    row = _ready_task(session, task_id)
    if not may_reassign(user, row.role):
        raise NotAllowed(N_("Tugas lajur {lane} tidak dapat dialihkan oleh Kepala Seksi Operasional; hanya tugas "
                            "lajur Seksi Operasional (Kepala Seksi, Pelaksana, Agen).", lane=Text(row.lane or "")))
    return row


def check_receiver(receiver: User | None, username: str, role: str | None) -> User:
    """The user a task is moved to: active and holding the task's role; InvalidInput on ``to`` otherwise."""
    if receiver is None or not receiver.active:
        raise InvalidInput(N_("Penerima tugas tidak valid."),
                           {"to": N_("'{user}' bukan pengguna aktif.", user=username)})
    if role not in receiver.role_names:
        raise InvalidInput(N_("Penerima tugas tidak valid."),
                           {"to": N_("{user} tidak memiliki peran {role}.", user=username,
                                     role=role_label(role or ""))})
    return receiver


def refuse_self_lockout(admin: User, username: str, *, active: bool | None = None,
                        roles: Iterable[str] | None = None) -> None:
    """An administrator may not deactivate themselves nor drop their own admin role: another administrator must,
    so that an active administrator always remains."""
    if username != admin.username:
        return
    if active is False:
        raise InvalidInput(N_("Anda tidak dapat menonaktifkan akun Anda sendiri."),
                           {"active": N_("Minta administrator lain untuk menonaktifkan akun Anda.")})
    if roles is not None and not set(roles) & ADMIN_ROLES:
        raise InvalidInput(N_("Anda tidak dapat mencabut peran Administrator Anda sendiri."),
                           {"roles": N_("Peran Administrator Anda sendiri hanya dapat dicabut oleh administrator "
                                        "lain.")})
