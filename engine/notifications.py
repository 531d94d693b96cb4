"""Notifications: in-app, and mailed (through the outbox) to users with an e-mail address.

Each has a ``kind`` whose text is written here in Bahasa Indonesia and translated from the catalogue when
shown or mailed in the reader's language; ``ref`` names what it is about, so the same reminder is sent once.
Everything here runs in the caller's transaction: a notification exists exactly when what caused it does.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .context import Context, carried, carried_values, connection
from .i18n import N_, translate
from .models import Campaign, Contact, Instance, Notification, Outbox, TaskIndex, User, UserRole
from .settings import Settings

TEXTS = {
    "task_assigned": N_("Tugas untuk Anda: {task} — {campaign}."),
    "task_open": N_("Tugas terbuka untuk lajur Anda: {task} — {campaign}."),
    "task_returned": N_("Pekerjaan Anda dikembalikan: {task} — {campaign}. Catatan: {notes}"),
    "deadline_near": N_("Batas waktu tugas {task} — {campaign} sudah dekat: {due}."),
    "deadline_passed": N_("Tugas {task} — {campaign} melewati batas waktu {due}."),
    "callback_due": N_("Waktunya menghubungi kembali {name} — {campaign} ({at})."),
    "report_sent": N_("Laporan pelaksanaan {campaign} telah dikirim dengan surat {number} tanggal {date}."),
    "task_reassigned": N_("{by} mengalihkan tugas kepada Anda: {task} — {campaign}. Alasan: {reason}"),
    "task_taken_over": N_("{by} mengalihkan tugas Anda kepada {to}: {task} — {campaign}. Alasan: {reason}"),
    "contacts_reassigned": N_("{by} mengalihkan {n} kontak {campaign} dari {from} kepada Anda. Alasan: {reason}"),
    "contacts_taken_over": N_("{by} mengalihkan {n} kontak Anda yang belum selesai pada {campaign} kepada {to}. "
                              "Alasan: {reason}"),
    "report_overdue": N_("Laporan pelaksanaan kampanye #{campaign_id} belum ditandatangani sampai batas waktu "
                         "{due}."),
    "qa_published": N_("Hasil penilaian kualitas Anda untuk {campaign}: nilai {score} dari {calls} panggilan."),
}
SUBJECT = N_("[KLIP] {text}")
MAIL_BODY = N_("{text}\n\nBuka: {link}\n\n— Sistem Layanan Penyampaian Informasi Perpajakan KLIP (pesan otomatis; "
               "jangan dibalas).")
MAIL = "email"  # the outbox message name of an e-mail


def text_of(kind: str, params: dict[str, Any], lang: str) -> str:
    """A notification's text in ``lang``."""
    return translate(TEXTS[kind], lang, **params) if kind in TEXTS else str(params.get("message", kind))


class Recipient(Protocol):
    """What a notice needs of a user (a ``User``, or a row of RECIPIENT columns)."""

    id: int
    active: bool
    email: str | None
    language: str


# Only the columns a notice needs: loading whole users (and their roles) costs more than the notice itself.
RECIPIENT = (User.id, User.active, User.email, User.language)
_NOTIFICATIONS, _OUTBOX = cast(Table, Notification.__table__), cast(Table, Outbox.__table__)
# Told once per kind and ref: the unique constraint (uq_notification_once) decides, in the same statement.
_INSERT, _MAIL = insert(_NOTIFICATIONS), insert(_OUTBOX)
_ONCE = {"postgresql": postgresql_insert(_NOTIFICATIONS).on_conflict_do_nothing().returning(_NOTIFICATIONS.c.user_id),
         "sqlite": sqlite_insert(_NOTIFICATIONS).on_conflict_do_nothing().returning(_NOTIFICATIONS.c.user_id)}


def notify(session: Session, settings: Settings, now: datetime, users: Iterable[Recipient], kind: str,
           params: dict[str, Any], *, ref: str | None = None, url: str | None = None,
           instance_id: int | None = None) -> int:
    """Tell each active user once (per ``kind`` and ``ref``); mail those with an address. Returns how many."""
    recipients = {u.id: u for u in users if u.active}
    if not recipients:
        return 0
    conn = connection(session)
    rows = [_row(now, uid, kind, params, ref, url, instance_id) for uid in recipients]
    if ref is None:
        conn.execute(_INSERT, rows)
        told = list(recipients)
    else:
        told = _insert_once(conn, rows)
    mail_told(session, settings, now, [recipients[uid] for uid in told], kind, params, url, instance_id)
    return len(told)


def _row(now: datetime, user_id: int, kind: str, params: dict[str, Any], ref: str | None, url: str | None,
         instance_id: int | None) -> dict[str, Any]:
    """A notification row (its stored message in Indonesian; it is shown in the reader's language from ``params``)."""
    return {"user_id": user_id, "instance_id": instance_id, "created_at": now, "kind": kind, "ref": ref, "url": url,
            "params": params, "message": text_of(kind, params, "id"), "read_at": None}


# One user's notice as a data-modifying WITH the state's UPDATE carries (PostgreSQL; ``runtime.save_instance``), its
# values bound as ``notice_<column>``: told once as above, the UPDATE returning the user's id when it told them.
NOTICE_WITH = (postgresql_insert(_NOTIFICATIONS).values(carried_values(_NOTIFICATIONS, "notice", but=("id",)))
               .on_conflict_do_nothing().returning(_NOTIFICATIONS.c.user_id).cte("notice"))


def notice_params(now: datetime, user: Recipient, kind: str, params: dict[str, Any], *, ref: str, url: str | None,
                  instance_id: int | None) -> dict[str, Any]:
    """An (active) user's notice as NOTICE_WITH binds it."""
    return carried("notice", _row(now, user.id, kind, params, ref, url, instance_id))


def mail_told(session: Session, settings: Settings, now: datetime, told: Iterable[Recipient], kind: str,
              params: dict[str, Any], url: str | None, instance_id: int | None) -> None:
    """Mail the users just told (by ``notify``, or by NOTICE_WITH) who have an address, each in their language."""
    mails = [_mail(settings, now, user, text_of(kind, params, user.language), url, instance_id)
             for user in told if user.email]
    if mails:
        connection(session).execute(_MAIL, mails)


def _insert_once(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the notifications not sent before; the ids of the users newly told."""
    statement = _ONCE[conn.dialect.name]
    told = []
    for row in rows:
        user_id = conn.execute(statement, row).scalar()  # None: this user was told before
        if user_id is not None:
            told.append(int(user_id))
    return told


def _mail(settings: Settings, now: datetime, user: Recipient, text: str, url: str | None,
          instance_id: int | None) -> dict[str, Any]:
    """An outbox row of an e-mail."""
    link = settings.base_url + (url or "/")
    payload = {"to": user.email, "subject": translate(SUBJECT, user.language, text=text.split("\n")[0][:150]),
               "body": translate(MAIL_BODY, user.language, text=text, link=link), "lang": user.language}
    return {"instance_id": instance_id, "created_at": now, "message_name": MAIL, "payload": payload,
            "delivered_at": None, "attempts": 0, "next_attempt_at": now, "last_error": None}


def holders(session: Session, roles: Iterable[str]) -> list[Recipient]:
    """The active users holding any of ``roles``."""
    query = select(*RECIPIENT).join(UserRole).where(UserRole.role.in_(sorted(set(roles))), User.active.is_(True))
    return list(session.execute(query.distinct()).all())


_NAMED = select(*RECIPIENT).where(User.username.in_(bindparam("usernames", expanding=True)))
# Users this transaction has already read with the RECIPIENT columns, by username (e.g. the active holders a form's
# ``x-role`` field named, who are then told of the task it assigned them): not read a second time. In the session's
# ``info``, so it lasts one transaction only.
_KNOWN = "klip_recipients"


def remember_recipients(session: Session, rows: Iterable[Any]) -> None:
    """Keep rows of ``username`` and the RECIPIENT columns for ``named`` in this transaction."""
    session.info.setdefault(_KNOWN, {}).update({row.username: row for row in rows})


def named(session: Session, usernames: Iterable[str]) -> list[Recipient]:
    wanted = sorted(set(usernames))
    known = session.info.get(_KNOWN, {})
    if all(username in known for username in wanted):
        return [known[username] for username in wanted]
    return list(connection(session).execute(_NAMED, {"usernames": wanted}).all())


def requesting_unit(session: Session, campaign: Campaign) -> list[Recipient]:
    """Who hears of a campaign's report: every user of its requesting unit, and whoever uploaded it."""
    clause = User.username == campaign.created_by
    if campaign.unit_id is not None:
        clause = clause | (User.unit_id == campaign.unit_id)
    return list(session.execute(select(*RECIPIENT).where(clause)).all())


def task_recipients(session: Session, assignee: str | None, role: str | None) -> list[Recipient]:
    """Who a task is for: its assignee, else everyone in its lane (``role``)."""
    if assignee:
        return named(session, [assignee])
    return holders(session, [role]) if role else []


NEAR = timedelta(hours=4)  # a deadline is "near" on its day: from noon for the usual 16:00 office deadline


def _when(settings: Settings, value: datetime) -> str:
    local = value.astimezone(ZoneInfo(settings.office_timezone))
    return f"{local:%d-%m-%Y %H:%M} {local.tzname()}"


def send_reminders(ctx: Context) -> int:
    """Remind once of each deadline that is near or has passed, and of each callback that is due."""
    now, settings = ctx.now(), ctx.settings
    with ctx.transaction() as session:
        sent = 0
        tasks = session.execute(select(TaskIndex, Campaign.title).join(Instance, Instance.id == TaskIndex.instance_id)
                                .outerjoin(Campaign, Campaign.id == Instance.campaign_id)
                                .where(TaskIndex.due_at <= now + NEAR)).all()
        kinds = {row.task_id: "deadline_passed" if row.due_at and row.due_at <= now else "deadline_near"
                 for row, _ in tasks}
        done = _already(session, set(kinds.values()), {f"task:{t}" for t in kinds})
        for row, title in tasks:
            kind, ref = kinds[row.task_id], f"task:{row.task_id}"
            if (kind, ref) in done or row.due_at is None:
                continue
            params = {"task": row.name, "campaign": title or "", "due": _when(settings, row.due_at)}
            sent += notify(session, settings, now, task_recipients(session, row.assignee, row.role), kind, params,
                           ref=ref,
                           url=f"/tugas/{row.task_id}", instance_id=row.instance_id)
        callbacks = session.execute(select(Contact, Campaign.title).join(Campaign, Campaign.id == Contact.campaign_id)
                                    .where(Contact.callback_at <= now, Contact.final_outcome.is_(None),
                                           Contact.agent.is_not(None))).all()
        refs = {contact.id: f"callback:{contact.id}:{contact.callback_at.isoformat()}" for contact, _ in callbacks
                if contact.callback_at}
        done = _already(session, {"callback_due"}, set(refs.values()))
        for contact, title in callbacks:
            if ("callback_due", refs[contact.id]) in done or contact.callback_at is None:
                continue
            params = {"name": contact.name, "campaign": title, "at": _when(settings, contact.callback_at)}
            sent += notify(session, settings, now, named(session, [contact.agent or ""]), "callback_due", params,
                           ref=refs[contact.id], url=f"/kontak/{contact.id}")
        return sent


def _already(session: Session, kinds: set[str], refs: set[str]) -> set[tuple[str, str]]:
    """(kind, ref) pairs somebody has already been told of."""
    if not refs:
        return set()
    rows = session.execute(select(Notification.kind, Notification.ref).where(
        Notification.kind.in_(sorted(kinds)), Notification.ref.in_(sorted(refs))).distinct())
    return {(kind, ref or "") for kind, ref in rows}
