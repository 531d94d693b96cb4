"""Work moved from an absent holder to a colleague, by the Kepala Seksi Operasional.

A task goes to another user of its lane: a task with an assignee (the Pelaksana's drafts, an agent's step 5) by its
assignee variable in the workflow's data (``LoadedInstance.reassign``), a lane task by its claim. An agent's step 5
carries the agent's open contacts (no final outcome yet) with it:

* when the receiving agent has no running step 5 in the campaign, the absent agent's task itself is handed over,
  with the open contacts: the receiver becomes a member of the campaign (need-to-know) and finishes that task;
* when the receiving agent already runs a step 5 there, the open contacts join it, and the absent agent's task
  is closed on their behalf (their calls stay theirs in the figures): step 5 ends when the agents still at work
  finish, not when the absent one returns;
* after an agent has finished step 5, contacts they left open can still go to an agent whose step 5 runs.

Contacts already closed stay with the agent who closed them. Every move is audited on the instance (who moved
what from whom to whom, and why); the receiver is notified, and so is the previous holder (on return).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import access
from .access import Who
from .audit import audit
from .campaign import contacts
from .campaign.services import ASSIGNMENT_VIEW, assignment
from .context import Context
from .errors import Conflict, InvalidInput, NotFound
from .i18n import N_
from .inputs import clean_text
from .models import Campaign, Instance, TaskIndex, User
from .notifications import named, notify
from .process import LoadedInstance, load_instance, save_instance
from .users import find_user

REASON_MAX = 1000  # characters
AGENT_ROLE = "agen"


class Outcome(StrEnum):
    """What a reassignment did with the task."""

    ASSIGNED = "assigned"  # the task's assignee is the receiver now
    CLAIMED = "claimed"  # a lane task, claimed for the receiver
    CLOSED = "closed"  # the absent agent's step 5 closed; its open contacts joined the receiver's own step 5
    CONTACTS = "contacts"  # only contacts moved (their agent had already finished step 5)


@dataclass(frozen=True)
class Reassigned:
    task_id: str | None
    task_name: str
    from_user: str | None  # None: the task was open to its whole lane
    to_user: str
    contacts: int  # open contacts moved with it
    outcome: Outcome
    instance_id: int
    campaign_id: int | None


def _checked(session: Session, role: str | None, holder: str | None, to: str, reason: str) -> tuple[User, str]:
    """The receiver and the reason, or InvalidInput naming every bad field at once."""
    to, reason = clean_text(to).strip(), clean_text(reason).strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = N_("Alasan wajib diisi (mis. cuti, sakit, tugas luar), agar tercatat pada jejak audit.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = N_("Paling panjang {n} karakter.", n=REASON_MAX)
    receiver: User | None = None
    if not to:
        errors["to"] = N_("Pilih pengguna yang menerima tugas ini.")
    elif to == holder:
        errors["to"] = N_("{user} sudah memegang tugas ini; pilih pengguna lain.", user=to)
    else:
        try:
            receiver = access.check_receiver(find_user(session, to), to, role)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors or receiver is None:
        raise InvalidInput(N_("Pengalihan tugas tidak valid."), errors)
    return receiver, reason


def reassign_task(ctx: Context, who: Who, task_id: str, to: str, reason: str) -> Reassigned:
    """The Kasi moves a READY task (of the Seksi Operasional's lanes) from its holder to ``to``, with a reason."""
    try:
        with access.acting(ctx, who) as (session, user):
            row = access.reassignable_task(session, user, task_id)
            receiver, reason = _checked(session, row.role, row.assignee or row.claimed_by, to, reason)
            loaded = load_instance(ctx, session, row.instance_id)
            if row.view == ASSIGNMENT_VIEW and row.assignee:
                return _move_assignment(loaded, user, row, receiver, reason)
            return _move_task(loaded, user, row, receiver, reason)
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(N_("Tugas ini baru saja diubah oleh pengguna lain; muat ulang halaman.")) from exc


def reassign_contacts(ctx: Context, who: Who, campaign_id: int, from_agent: str, to: str, reason: str) -> Reassigned:
    """The Kasi moves an agent's open contacts of a campaign to another agent: with the agent's step 5 while it
    runs (as ``reassign_task``), else into the receiver's running step 5."""
    try:
        with access.acting(ctx, who) as (session, user):
            access.require_roles(user, access.REASSIGN_ROLES)
            campaign = access.readable_campaign(session, user, campaign_id)
            instance_id = session.scalars(select(Instance.id).where(Instance.campaign_id == campaign.id)
                                          .order_by(Instance.id)).first()
            loaded = load_instance(ctx, session, instance_id or 0)  # locked: no step 5 finishes meanwhile
            running, _ = agent_in_campaign(session, campaign.id, from_agent)
            receiver, reason = _checked(session, AGENT_ROLE, from_agent, to, reason)
            if running is not None:
                return _move_assignment(loaded, user, running, receiver, reason)
            return _move_contacts(loaded, user, campaign, from_agent, receiver, reason)
    except (StaleDataError, IntegrityError) as exc:
        raise Conflict(N_("Kampanye ini baru saja diubah oleh pengguna lain; muat ulang halaman.")) from exc


def agent_in_campaign(session: Session, campaign_id: int, agent: str) -> tuple[TaskIndex | None, int]:
    """An agent's running step 5 in the campaign and how many of their contacts are still open; NotFound when the
    agent has neither contacts nor a step 5 there."""
    running = assignment(session, agent, campaign_id)
    total, still_open = contacts.open_contacts_by_agent(session, campaign_id).get(agent, (0, 0))
    if running is None and not total:
        raise NotFound(N_("{agent} tidak mendapat kontak pada kampanye ini.", agent=agent))
    return running, still_open


def _move_task(loaded: LoadedInstance, user: User, row: TaskIndex, receiver: User, reason: str) -> Reassigned:
    """A task without contacts: its assignee variable, or (a lane task) its claim."""
    holder = row.assignee or row.claimed_by
    if loaded.assignee_variable(row.task_id):
        loaded.reassign(row.task_id, receiver.username)
        outcome = Outcome.ASSIGNED
    else:
        row.claimed_by = receiver.username  # kept across the index's rebuilds
        outcome = Outcome.CLAIMED
    done = Reassigned(row.task_id, row.name, holder, receiver.username, 0, outcome, loaded.row.id,
                      loaded.row.campaign_id)
    _record(loaded, user, row, done, reason)
    save_instance(loaded)
    return done


def _move_assignment(loaded: LoadedInstance, user: User, row: TaskIndex, receiver: User,
                     reason: str) -> Reassigned:
    """An agent's running step 5: its open contacts go to the receiver, with the task or into the receiver's own."""
    session, campaign_id, absent = loaded.session, loaded.row.campaign_id or 0, row.assignee or ""
    own = assignment(session, receiver.username, campaign_id)
    moved = contacts.move_open_contacts(session, campaign_id, absent, receiver.username)
    if own is None:
        loaded.reassign(row.task_id, receiver.username)
        outcome = Outcome.ASSIGNED
    else:
        summary = N_("Penugasan ditutup oleh {kasi} karena pengalihan: {n} kontak yang belum selesai dialihkan "
                     "kepada {to}. Alasan: {reason}", kasi=user.username, n=moved, to=receiver.username,
                     reason=reason)
        loaded.complete(row.task_id, {"ringkasan": str(summary), "agen": absent, "dialihkan_ke": receiver.username,
                                      "progres": contacts.progress(session, campaign_id, agent=absent)})
        outcome = Outcome.CLOSED
    done = Reassigned(row.task_id, row.name, absent, receiver.username, moved, outcome, loaded.row.id,
                      loaded.row.campaign_id)
    _record(loaded, user, row, done, reason, own)
    save_instance(loaded)
    return done


def _move_contacts(loaded: LoadedInstance, user: User, campaign: Campaign, absent: str, receiver: User,
                   reason: str) -> Reassigned:
    """Contacts an agent left open after finishing step 5: only into an agent's running step 5."""
    session = loaded.session
    own = assignment(session, receiver.username, campaign.id)
    still_open = contacts.open_contacts_by_agent(session, campaign.id).get(absent, (0, 0))[1]
    errors: dict[str, str] = {}
    if not still_open:
        errors["from"] = N_("{user} tidak memiliki kontak yang belum selesai pada kampanye ini.", user=absent)
    if own is None:
        errors["to"] = N_("{user} tidak sedang menjalankan penugasan (langkah 5) pada kampanye ini; kontak hanya "
                          "dapat dialihkan kepada agen yang penugasannya masih berjalan.", user=receiver.username)
    if errors:
        raise InvalidInput(N_("Pengalihan kontak tidak valid."), errors)
    moved = contacts.move_open_contacts(session, campaign.id, absent, receiver.username)
    done = Reassigned(None, "", absent, receiver.username, moved, Outcome.CONTACTS, loaded.row.id, campaign.id)
    _record(loaded, user, own, done, reason, own)
    return done


def _record(loaded: LoadedInstance, user: User, row: TaskIndex | None, done: Reassigned, reason: str,
            receivers_task: TaskIndex | None = None) -> None:
    """Audit the move on the instance, make the receiver a member of the campaign, tell both people."""
    session, now, settings = loaded.session, loaded.ctx.now(), loaded.ctx.settings
    campaign = session.get(Campaign, loaded.row.campaign_id) if loaded.row.campaign_id is not None else None
    data: dict[str, Any] = {"from": done.from_user, "to": done.to_user, "reason": reason, "contacts": done.contacts,
                            "outcome": done.outcome.value}
    audit(session, now, user.username, "task_reassigned" if done.task_id else "contacts_reassigned", loaded.row.id,
          campaign.id if campaign else None, row if done.task_id else None, data)
    if campaign is not None:
        access.remember_member(session, campaign.id, done.to_user, now)
    title = campaign.title if campaign else ""
    params = {"by": user.username, "task": done.task_name, "campaign": title, "from": done.from_user or "-",
              "to": done.to_user, "reason": reason, "n": done.contacts}
    ref = f"reassign:{done.task_id or loaded.row.id}:{now.isoformat()}"
    if done.outcome in (Outcome.ASSIGNED, Outcome.CLAIMED):
        kind, url = "task_reassigned", f"/tugas/{done.task_id}"
    else:
        kind = "contacts_reassigned"
        url = f"/tugas/{receivers_task.task_id}" if receivers_task else f"/kampanye/{campaign.id if campaign else 0}"
    notify(session, settings, now, named(session, [done.to_user]), kind, params, ref=ref, url=url,
           instance_id=loaded.row.id)
    if done.from_user:
        notify(session, settings, now, named(session, [done.from_user]),
               "contacts_taken_over" if kind == "contacts_reassigned" else "task_taken_over", params, ref=ref,
               url=f"/kampanye/{campaign.id}" if campaign else None, instance_id=loaded.row.id)
