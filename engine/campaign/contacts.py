"""Contacts of a campaign: bulk import, distribution among agents, call recording, lists and progress.

Every function takes a SQLAlchemy Session and never commits: the caller owns the transaction.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import Connection, Row, ScalarSelect, Select, bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..errors import InvalidInput, NotFound, TaskNotReady
from ..i18n import N_
from ..models import CallAttempt, Campaign, CampaignStatus, Contact
from ..settings import Settings
from .identifiers import mask_npwp, phone_e164
from .outcomes import (
    CALLBACK_OUTCOME,
    FINAL_OUTCOMES,
    OUTCOMES,
    REACHED_OUTCOMES,
    UNREACHED_ATTEMPTS,
    WRONG_NUMBER_OUTCOME,
)

ROWS_PER_INSERT = 100  # imported rows in one INSERT statement (900 parameters: within every database's limit)
CONTACT_KEYS = ("row_number", "npwp", "npwp_raw", "name", "phones", "kpp", "extra", "warnings")  # of an imported row
_INSERT_WIDTH = 1 + len(CONTACT_KEYS)  # parameters of one imported row (its campaign and CONTACT_KEYS)
_IMPORT_DEFAULTS = {"attempts": "0", "closed_phones": "'[]'"}  # the model's defaults, as SQL, for an imported row
MAX_NOTES = 4000  # characters of a call's notes
MAX_RECORDING_REF = 255  # CallAttempt.recording_ref column size
MAX_DURATION_S = 86_400  # one day
MAX_CALLBACK_AHEAD = timedelta(days=366)  # a callback is planned within a year


@dataclass(frozen=True)
class ContactView:
    """What a call list shows of one contact."""

    id: int
    row_number: int
    name: str
    npwp: str
    npwp_masked: str
    phones: tuple[str, ...]
    kpp: str
    extra: dict[str, Any]
    agent: str | None
    attempts: int
    final_outcome: str | None
    last_outcome: str | None
    last_call_at: datetime | None
    callback_at: datetime | None = None  # the taxpayer asked to be called again then (open contacts only)
    closed_phones: tuple[str, ...] = ()  # numbers found wrong: not dialled again

    @property
    def open_phones(self) -> tuple[str, ...]:
        return tuple(p for p in self.phones if p not in self.closed_phones)


def add_contacts(session: Session, campaign_id: int, parsed_rows: Iterable[dict[str, Any]]) -> int:
    """Bulk-insert accepted rows of a target list (in row order) into a campaign that exists; return how many.

    Plain tuples through the driver, the JSON columns encoded here as SQLAlchemy's JSON type would: its per-row
    parameter processing cost as much as validating the rows (issue 12). ROWS_PER_INSERT rows go in one
    ``INSERT … VALUES (…), (…), …``, one executemany for all of them: SQLite runs that in 70 % of the time of one
    statement per row. The other columns take their defaults (``_IMPORT_DEFAULTS``; tests/test_contacts.py compares
    a row with one the ORM inserts).
    """
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"  # sqlite3 / psycopg
    values = list(chain.from_iterable(
        (campaign_id, row["row_number"], row["npwp"], row["npwp_raw"], row["name"], _json(row["phones"]), row["kpp"],
         _json(row["extra"]), _json(row["warnings"])) for row in parsed_rows))
    rows, rest = divmod(len(values) // _INSERT_WIDTH, ROWS_PER_INSERT)
    step = ROWS_PER_INSERT * _INSERT_WIDTH
    if rows:
        connection.exec_driver_sql(_insert_statement(mark, ROWS_PER_INSERT),
                                   [tuple(values[start:start + step]) for start in range(0, rows * step, step)])
    if rest:
        connection.exec_driver_sql(_insert_statement(mark, rest), tuple(values[rows * step:]))
    return rows * ROWS_PER_INSERT + rest


@lru_cache(maxsize=2 * ROWS_PER_INSERT)
def _insert_statement(mark: str, rows: int) -> str:
    """INSERT of ``rows`` imported rows in one statement, with ``mark`` as the driver's parameter marker."""
    row = f"({', '.join([mark] * _INSERT_WIDTH)}, {', '.join(_IMPORT_DEFAULTS.values())})"
    return (f"INSERT INTO {Contact.__tablename__} (campaign_id, {', '.join(CONTACT_KEYS)}, "
            f"{', '.join(_IMPORT_DEFAULTS)}) VALUES {', '.join([row] * rows)}")


def _json(value: list[Any] | dict[str, Any]) -> str:
    """A JSON column's value as SQLAlchemy's JSON type stores it (``json.dumps``, byte for byte)."""
    if not value:  # most rows: no warnings, often no extra columns
        return "[]" if isinstance(value, list) else "{}"
    try:  # an imported row's lists and objects hold texts: spelled out with json.dumps' own string encoder,
        #   without the encoder json.dumps builds for every call (that cost a tenth of a 100,000-row import)
        if isinstance(value, list):
            return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
        return "{" + ", ".join([encode_basestring_ascii(k) + ": " + encode_basestring_ascii(v)
                                for k, v in value.items()]) + "}"
    except TypeError:  # not a text
        return json.dumps(value)


def preview_distribution(session: Session, campaign_id: int, agents: Sequence[str]) -> dict[str, int]:
    """Return how many contacts each agent would get, without changing anything."""
    _campaign(session, campaign_id)
    _check_agents(agents)
    blocks = _blocks(_count(session, campaign_id), agents)
    return {agent: hi - lo for agent, (lo, hi) in zip(agents, blocks, strict=True)}


def distribute_contacts(session: Session, campaign_id: int, agents: Sequence[str]) -> dict[str, int]:
    """Assign contiguous blocks of contacts (row order) to the agents and open the calling phase."""
    campaign = _campaign(session, campaign_id)
    _check_agents(agents)
    calls = select(func.count()).select_from(CallAttempt).where(CallAttempt.campaign_id == campaign_id)
    if session.scalar(calls):
        raise InvalidInput(N_("Kontak tidak dapat dibagi ulang"), {"agents": N_("Sudah ada panggilan yang dicatat.")})
    ids = session.scalars(select(Contact.id).where(Contact.campaign_id == campaign_id).order_by(Contact.id)).all()
    if not ids:
        raise InvalidInput(N_("Kampanye belum memiliki kontak"), {"agents": N_("Tidak ada kontak untuk dibagi.")})
    counts: dict[str, int] = {}
    for agent, (lo, hi) in zip(agents, _blocks(len(ids), agents), strict=True):
        counts[agent] = hi - lo
        if hi > lo:
            session.execute(
                update(Contact)
                .where(Contact.campaign_id == campaign_id, Contact.id.between(ids[lo], ids[hi - 1]))
                .values(agent=agent)
            )
    campaign.status = CampaignStatus.PENYAMPAIAN
    return counts


def move_open_contacts(session: Session, campaign_id: int, from_agent: str, to_agent: str) -> int:
    """Give an agent's open contacts (no final outcome yet) to another agent, callbacks and attempts with them; the
    closed ones stay with the agent who closed them. Returns how many moved. A call the first agent records
    meanwhile is refused (``_count_attempt`` updates only a contact still theirs)."""
    result = session.execute(
        update(Contact)
        .where(Contact.campaign_id == campaign_id, Contact.agent == from_agent, Contact.final_outcome.is_(None))
        .values(agent=to_agent)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE results have rowcount


def open_contacts_by_agent(session: Session, campaign_id: int) -> dict[str, tuple[int, int]]:
    """Agent → (contacts, open contacts) in a campaign (distributed contacts only)."""
    rows = session.execute(select(Contact.agent, func.count(Contact.id),
                                  func.count(case((Contact.final_outcome.is_(None), 1))))
                           .where(Contact.campaign_id == campaign_id, Contact.agent.is_not(None))
                           .group_by(Contact.agent))
    return {agent: (int(total), int(still_open)) for agent, total, still_open in rows if agent}


def _blocks(total: int, agents: Sequence[str]) -> list[tuple[int, int]]:
    """Split ``total`` positions into len(agents) contiguous [lo, hi) blocks differing by at most one."""
    size, rest = divmod(total, len(agents))
    blocks: list[tuple[int, int]] = []
    lo = 0
    for index in range(len(agents)):
        hi = lo + size + (1 if index < rest else 0)
        blocks.append((lo, hi))
        lo = hi
    return blocks


def _check_agents(agents: Sequence[str]) -> None:
    if not agents or any(not a or not a.strip() for a in agents):
        raise InvalidInput(N_("Agen belum dipilih"), {"agents": N_("Pilih sedikitnya satu agen.")})
    if len(set(agents)) != len(agents):
        raise InvalidInput(N_("Agen ganda"), {"agents": N_("Setiap agen hanya boleh dipilih sekali.")})


# What a ContactView is made of (recording a call reads them back from its UPDATE).
VIEW_COLUMNS = (Contact.id, Contact.row_number, Contact.name, Contact.npwp, Contact.phones, Contact.kpp, Contact.extra,
                Contact.agent, Contact.attempts, Contact.final_outcome, Contact.last_call_at, Contact.callback_at,
                Contact.closed_phones)

# The two writes of recording a call, built once rather than per call (parameters bound when executed).
_COUNT_ATTEMPT = (
    update(Contact)
    .where(Contact.id == bindparam("contact_id"), Contact.agent == bindparam("calling_agent"),
           Contact.final_outcome.is_(None))
    .values(attempts=Contact.attempts + 1, last_call_at=bindparam("now"), final_outcome=bindparam("final"),
            closed_phones=bindparam("closed"), callback_at=bindparam("callback"))
    .returning(*VIEW_COLUMNS))
_INSERT_ATTEMPT = insert(CallAttempt).returning(CallAttempt.id)


@dataclass(frozen=True)
class CallTarget:
    """A contact as recording a call reads it, with its campaign's status and the id of its agent's running step-5
    task (None when there is none): one row, read in one statement (``services.call_target``), no ORM object."""

    id: int
    campaign_id: int
    agent: str | None
    phones: tuple[str, ...]
    closed_phones: tuple[str, ...]
    final_outcome: str | None
    campaign_status: str
    assignment_task_id: str | None


@dataclass(frozen=True)
class RecordedCall:
    """A call attempt just recorded, and its contact as it is now."""

    attempt_id: int
    campaign_id: int
    phone: str  # the number dialled, E.164 ('' when not given)
    contact: ContactView


def record_call(
    session: Session, now: datetime, settings: Settings, contact: CallTarget, outcome: str, notes: str = "",
    callback_at: datetime | None = None, duration_s: int | None = None, recording_ref: str = "", phone: str = "",
) -> RecordedCall:
    """Record one call attempt by the contact's agent (checked by the caller) and close the contact when final.

    Rows, not ORM objects: the contact is updated and read back in one ``UPDATE … RETURNING``, the attempt inserted
    with ``INSERT … RETURNING`` (no flush). A ``Contact`` already loaded in ``session`` is expired.
    """
    if contact.campaign_status != CampaignStatus.PENYAMPAIAN:
        raise TaskNotReady(N_("Tahap penyampaian informasi kampanye ini tidak sedang berjalan"))
    if contact.final_outcome is not None:
        raise TaskNotReady(N_("Kontak ini sudah selesai; tidak dapat dicatat panggilan baru"))
    phone = _check_call(contact, now, outcome, notes, callback_at, duration_s, recording_ref, phone)
    updated = _count_attempt(session, contact, outcome, phone, callback_at, now, settings.max_attempts)
    if updated is None:
        raise TaskNotReady(N_("Kontak ini baru saja diselesaikan atau dipindahkan; muat ulang daftar"))
    loaded = session.identity_map.get(identity_key(Contact, contact.id))
    if loaded is not None:
        session.expire(loaded)  # the UPDATE changed the row behind it
    attempt_id = session.connection().execute(_INSERT_ATTEMPT, {
        "contact_id": contact.id, "campaign_id": contact.campaign_id, "agent": contact.agent or "", "at": now,
        "outcome": outcome, "phone": phone, "notes": notes, "callback_at": callback_at, "duration_s": duration_s,
        "recording_ref": recording_ref}).scalar_one()
    # The attempt just inserted is the contact's latest: the UPDATE holds the contact's row until the commit, so
    # another call on it can only be recorded after this one.
    return RecordedCall(attempt_id, contact.campaign_id, phone, _view(updated, last_outcome=outcome))


def _count_attempt(session: Session, contact: CallTarget, outcome: str, phone: str, callback_at: datetime | None,
                   now: datetime, max_attempts: int) -> Row[Any] | None:
    """Count one attempt in a single guarded UPDATE (no lost updates) and return the contact's row as it is now;
    None when the contact was closed or moved meanwhile.

    A final outcome closes the contact; a callback keeps it open until the time the taxpayer asked for; a wrong
    number closes that number, and the contact when no number is left; attempts that did not reach the
    taxpayer close it after ``max_attempts`` (callbacks do not count).
    """
    closed = list(contact.closed_phones)
    if outcome == WRONG_NUMBER_OUTCOME and phone and phone not in closed:
        closed.append(phone)
    final = None
    if outcome in FINAL_OUTCOMES or (outcome == WRONG_NUMBER_OUTCOME and set(contact.phones) <= set(closed)):
        final = outcome
    elif outcome in UNREACHED_ATTEMPTS and _unreached(session, contact.id) + 1 >= max_attempts:
        final = outcome
    return session.connection().execute(_COUNT_ATTEMPT, {
        "contact_id": contact.id, "calling_agent": contact.agent, "now": now, "final": final, "closed": closed,
        "callback": callback_at if outcome == CALLBACK_OUTCOME and final is None else None}).one_or_none()


def _unreached(session: Session, contact_id: int) -> int:
    """The contact's attempts so far that did not reach the taxpayer (asked only for such an attempt)."""
    return session.scalar(select(func.count(CallAttempt.id)).where(
        CallAttempt.contact_id == contact_id, CallAttempt.outcome.in_(sorted(UNREACHED_ATTEMPTS)))) or 0


def _check_call(contact: CallTarget, now: datetime, outcome: str, notes: str, callback_at: datetime | None,
                duration_s: int | None, recording_ref: str, phone: str) -> str:
    """Validate a call's fields; return the phone in E.164 ('' when not given)."""
    fields: dict[str, str] = {}
    if outcome not in OUTCOMES:
        fields["outcome"] = N_("Hasil panggilan '{outcome}' tidak dikenal.", outcome=outcome)
    if len(notes) > MAX_NOTES:
        fields["notes"] = N_("Catatan terlalu panjang (maksimal 4.000 karakter).")
    callback_problem = _check_callback(now, outcome, callback_at)
    if callback_problem:
        fields["callback_at"] = callback_problem
    if duration_s is not None and duration_s < 0:
        fields["duration_s"] = N_("Durasi panggilan tidak boleh negatif.")
    elif duration_s is not None and duration_s > MAX_DURATION_S:
        fields["duration_s"] = N_("Durasi panggilan terlalu lama (maksimal 86.400 detik atau 24 jam).")
    if len(recording_ref) > MAX_RECORDING_REF:
        fields["recording_ref"] = N_("Referensi rekaman terlalu panjang (maksimal 255 karakter).")
    e164 = (phone_e164(phone) or phone) if phone.strip() else ""
    closed = contact.closed_phones
    if e164 and e164 not in contact.phones:
        fields["phone"] = N_("Nomor '{phone}' bukan nomor telepon kontak ini.", phone=phone)
    elif e164 and e164 in closed:
        fields["phone"] = N_("Nomor ini sudah ditandai salah; hubungi nomor lain.")
    elif outcome == WRONG_NUMBER_OUTCOME and not e164:
        left = [number for number in contact.phones if number not in closed]
        if len(left) == 1:
            e164 = left[0]
        else:
            fields["phone"] = N_("Pilih nomor yang ternyata salah.")
    if fields:
        raise InvalidInput(N_("Data panggilan tidak valid"), fields)
    return e164


def _check_callback(now: datetime, outcome: str, callback_at: datetime | None) -> str:
    """The problem with a callback time ('' when fine): required for a callback, aware, within a year."""
    if callback_at is None:
        return N_("Waktu untuk menghubungi kembali wajib diisi.") if outcome == CALLBACK_OUTCOME else ""
    if callback_at.tzinfo is None or callback_at.utcoffset() is None:
        return N_("Waktu untuk menghubungi kembali harus disertai zona waktu.")
    try:
        if callback_at <= now:
            return N_("Waktu untuk menghubungi kembali tidak boleh di masa lalu.")
        if callback_at > now + MAX_CALLBACK_AHEAD:
            return N_("Waktu untuk menghubungi kembali paling lambat satu tahun dari sekarang.")
    except OverflowError:  # e.g. year 9999 with a negative offset: beyond what a datetime can hold in UTC
        return N_("Waktu untuk menghubungi kembali paling lambat satu tahun dari sekarang.")
    return ""


def work_order(now: datetime) -> tuple[Any, ...]:
    """The order an agent works contacts in: callbacks that are due (earliest first), then the other open
    contacts in row order, then callbacks planned for later, then the closed ones."""
    due = Contact.callback_at <= now
    rank = case((Contact.final_outcome.is_not(None), 3), (due, 0), (Contact.callback_at.is_(None), 1), else_=2)
    return rank, case((due, Contact.callback_at), else_=None), Contact.row_number, Contact.id


def list_contacts(
    session: Session, campaign_id: int, agent: str | None = None, limit: int | None = None,
    offset: int = 0, now: datetime | None = None,
) -> list[ContactView]:
    """Return a campaign's contacts (optionally one agent's), in row order or, given ``now``, in work order."""
    query = _views_query(campaign_id)
    if agent is not None:
        query = query.where(Contact.agent == agent)
    if now is not None:
        query = query.order_by(*work_order(now))
    query = query.order_by(Contact.row_number, Contact.id).offset(offset).limit(limit)
    return [_view(contact, last) for contact, last in session.execute(query)]


def contact_views(session: Session, contact_ids: Sequence[int]) -> list[ContactView]:
    """Return the views of the given contacts, in the order of ``contact_ids`` (unknown ids skipped)."""
    query = select(Contact, _last_outcome()).where(Contact.id.in_(contact_ids))
    by_id = {c.id: _view(c, last) for c, last in session.execute(query)}
    return [by_id[i] for i in contact_ids if i in by_id]


def _last_outcome() -> ScalarSelect[str]:
    """The outcome of a contact's latest call attempt (None when never called): one index lookup per contact row
    (``ix_call_attempts_contact_id``), however many calls the campaign has."""
    return (select(CallAttempt.outcome).where(CallAttempt.contact_id == Contact.id)
            .order_by(CallAttempt.id.desc()).limit(1).correlate(Contact).scalar_subquery())


def _views_query(campaign_id: int) -> Select[Contact, str | None]:
    """Contacts with the outcome of their latest call attempt (None when never called)."""
    return select(Contact, _last_outcome()).where(Contact.campaign_id == campaign_id)


def _view(contact: Contact | Row[Any], last_outcome: str | None) -> ContactView:
    return ContactView(
        id=contact.id, row_number=contact.row_number, name=contact.name, npwp=contact.npwp,
        npwp_masked=mask_npwp(contact.npwp), phones=tuple(contact.phones), kpp=contact.kpp,
        extra=dict(contact.extra), agent=contact.agent, attempts=contact.attempts,
        final_outcome=contact.final_outcome, last_outcome=last_outcome, last_call_at=contact.last_call_at,
        callback_at=contact.callback_at, closed_phones=tuple(contact.closed_phones or ()),
    )


PROGRESS_KEYS = ("contacts", "final", "attempts", "reached", "callbacks")


def _progress_columns() -> tuple[Any, ...]:
    """The aggregates of ``progress``: contacts, closed contacts, call attempts, reached contacts, and open
    contacts waiting for a callback."""
    return (func.count(Contact.id), func.count(Contact.final_outcome), func.coalesce(func.sum(Contact.attempts), 0),
            func.coalesce(func.sum(case((Contact.final_outcome.in_(sorted(REACHED_OUTCOMES)), 1), else_=0)), 0),
            func.count(case((Contact.final_outcome.is_(None) & Contact.callback_at.is_not(None), 1))))


def progress(session: Session, campaign_id: int, agent: str | None = None) -> dict[str, int]:
    """Return counts of contacts, closed contacts, call attempts, reached contacts and open callbacks."""
    query: Select[Any] = select(*_progress_columns()).where(Contact.campaign_id == campaign_id)
    if agent is not None:
        query = query.where(Contact.agent == agent)
    return dict(zip(PROGRESS_KEYS, (int(n) for n in session.execute(query).one()), strict=True))


def new_campaign_progress(contacts: int) -> dict[str, int]:
    """``progress`` of a campaign just imported: its contacts all open and never called (nothing to count)."""
    return {**dict.fromkeys(PROGRESS_KEYS, 0), "contacts": contacts}


# Built once: a list page asks for it on every request, and building it (with the page's ids as literal values)
# costs several times its execution; the ids are an expanding parameter.
_PROGRESS_BY_CAMPAIGN = (select(Contact.campaign_id, *_progress_columns())
                         .where(Contact.campaign_id.in_(bindparam("ids", expanding=True)))
                         .group_by(Contact.campaign_id))


def progress_by_campaign(conn: Connection, campaign_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``progress`` of many campaigns in one aggregate query (a list page's campaigns); zeros for none."""
    ids = sorted(set(campaign_ids))
    rows = conn.execute(  # Core: plain rows of numbers, fetched at once
        _PROGRESS_BY_CAMPAIGN, {"ids": ids}).all() if ids else ()
    found = {row[0]: dict(zip(PROGRESS_KEYS, map(int, row[1:]), strict=True)) for row in rows}
    return {cid: found.get(cid, dict.fromkeys(PROGRESS_KEYS, 0)) for cid in ids}


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("Kampanye tidak ditemukan"))
    return campaign


def _count(session: Session, campaign_id: int) -> int:
    return session.scalar(select(func.count(Contact.id)).where(Contact.campaign_id == campaign_id)) or 0
