"""Notifications: in-app, and mailed (through the outbox) to users with an e-mail address.

Each has a ``kind`` whose text is written here in Bahasa Indonesia and translated from the catalogue when
shown or mailed in the reader's language; ``ref`` names what it is about, so the same reminder is sent once.
Everything here runs in the caller's transaction: a notification exists exactly when what caused it does.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from .context import Context
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


def notify(session: Session, settings: Settings, now: datetime, users: Iterable[User], kind: str,
           params: dict[str, Any], *, ref: str | None = None, url: str | None = None,
           instance_id: int | None = None) -> int:
    """Tell each active user once (per ``kind`` and ``ref``); mail those with an address. Returns how many."""
    recipients = {u.id: u for u in users if u.active}
    if ref is not None and recipients:
        done = set(session.scalars(select(Notification.user_id).where(
            Notification.kind == kind, Notification.ref == ref, Notification.user_id.in_(recipients))))
        recipients = {uid: u for uid, u in recipients.items() if uid not in done}
    for user in recipients.values():
        session.add(Notification(user_id=user.id, instance_id=instance_id, created_at=now, kind=kind, ref=ref,
                                 url=url, params=params, message=text_of(kind, params, "id"), read_at=None))
        if user.email:
            session.add(_mail(settings, now, user, text_of(kind, params, user.language), url, instance_id))
    return len(recipients)


def _mail(settings: Settings, now: datetime, user: User, text: str, url: str | None,
          instance_id: int | None) -> Outbox:
    link = settings.base_url + (url or "/")
    payload = {"to": user.email, "subject": translate(SUBJECT, user.language, text=text.split("\n")[0][:150]),
               "body": translate(MAIL_BODY, user.language, text=text, link=link), "lang": user.language}
    return Outbox(instance_id=instance_id, created_at=now, message_name=MAIL, payload=payload, attempts=0,
                  next_attempt_at=now)


def holders(session: Session, roles: Iterable[str]) -> list[User]:
    """The active users holding any of ``roles``."""
    query = select(User).join(UserRole).where(UserRole.role.in_(sorted(set(roles))), User.active.is_(True))
    return list(session.scalars(query.options(lazyload(User.roles))).unique())  # a notice needs no roles


def named(session: Session, usernames: Iterable[str]) -> list[User]:
    query = select(User).where(User.username.in_(sorted(set(usernames))))
    return list(session.scalars(query.options(lazyload(User.roles))))


def requesting_unit(session: Session, campaign: Campaign) -> list[User]:
    """Who hears of a campaign's report: every user of its requesting unit, and whoever uploaded it."""
    unit_users = select(User.id).where(User.unit_id == campaign.unit_id) if campaign.unit_id is not None else None
    clause = User.username == campaign.created_by
    return list(session.scalars(select(User).where(clause | User.id.in_(unit_users) if unit_users is not None
                                                   else clause)))


def task_recipients(session: Session, row: TaskIndex) -> list[User]:
    """Who a task is for: its assignee, else everyone in its lane."""
    if row.assignee:
        return named(session, [row.assignee])
    return holders(session, [row.role]) if row.role else []


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
            sent += notify(session, settings, now, task_recipients(session, row), kind, params, ref=ref,
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
