"""Campaign services: upload the target list (starts the process), contacts, calls, report.

Each ``ctx``-level function is one transaction on behalf of ``who``; the session-level functions beside them
are what the page read-models (``engine.pages``) compose into one transaction per page.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import IO, Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, defer

from .. import access
from ..access import Who
from ..audit import audit, record_access
from ..context import Context
from ..errors import InvalidInput, NotFound, TaskNotReady
from ..i18n import N_
from ..inputs import clean_text
from ..models import CallAttempt, Campaign, CampaignStatus, Contact, Instance, Report, TaskIndex, Unit, User
from ..process import start_by_message
from ..units import unit_named
from . import contacts, figures, report_document
from .target_list import Progress, import_target_list, storable_report

# The message a campaign's data starts its process with (SOP LIP20-0008's input: Data Layanan Penyampaian Informasi).
DATA_MESSAGE = "data_layanan"

ASSIGNMENT_VIEW = "call_list"  # the view property of the agent's step-5 task


@dataclass(frozen=True)
class CampaignView:
    """A campaign as its pages and the API show it: the import report and the call progress included."""

    id: int
    title: str
    requester: str
    topic: str
    status: str
    instance_id: int | None
    created_by: str
    created_at: datetime
    import_report: dict[str, Any]
    progress: dict[str, int]


@dataclass(frozen=True)
class CallView:
    """One call attempt, as a contact's call history shows it."""

    at: datetime
    agent: str
    outcome: str
    phone: str
    notes: str
    callback_at: datetime | None
    duration_s: int | None
    recording_ref: str


def _required_text(fields: dict[str, str], name: str, value: str, limit: int = 255) -> str:
    value = value.strip()
    if not value:
        fields[name] = N_("wajib diisi")
    elif len(value) > limit:
        fields[name] = N_("paling panjang {n} karakter", n=limit)
    return value


def create_campaign(ctx: Context, who: Who, filename: str, content: bytes | IO[bytes], title: str,
                    requester: str, topic: str = "", progress: Progress | None = None) -> CampaignView:
    """Import the target list and start the SOP, in one transaction; a rejected file stores nothing.

    ``content``: the file's bytes, or the file itself (seekable, read in chunks and never held in memory); the
    accepted rows are inserted in batches as they are validated and ``progress`` is told after each batch.
    A requesting unit's user uploads for their own unit; KLIP staff name the unit (``requester``) from the list.
    """
    filename = clean_text(filename)
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    with access.acting(ctx, who) as (session, user):
        access.require_roles(user, access.UPLOAD_ROLES)
        fields: dict[str, str] = {}
        title = _required_text(fields, "title", clean_text(title))
        unit = _requesting_unit(session, user, requester, fields)
        if not filename and not source.seek(0, io.SEEK_END):
            fields["file"] = N_("wajib diunggah (CSV atau XLSX)")
        source.seek(0)
        if fields or unit is None:
            raise InvalidInput(N_("Data kampanye belum lengkap."), fields)
        campaign = Campaign(title=title, requester=unit.name, unit_id=unit.id, topic=clean_text(topic).strip(),
                            status=CampaignStatus.PERENCANAAN, source_filename=filename[:255], source_sha256="",
                            import_report={}, created_by=user.username, created_at=ctx.now())
        session.add(campaign)
        session.flush()
        imported = import_target_list(filename, source, partial(contacts.add_contacts, session, campaign.id),
                                      progress)
        campaign.source_sha256, campaign.import_report = imported.sha256, storable_report(imported.report)
        access.remember_member(session, campaign.id, user.username, ctx.now())
        audit(session, ctx.now(), user.username, "campaign_created", None, campaign.id,
              data={k: imported.report[k] for k in ("rows", "accepted", "rejected", "duplicates")})
        message = {"campaign_id": campaign.id, "judul": campaign.title, "pengguna_layanan": campaign.requester}
        started = start_by_message(ctx, session, DATA_MESSAGE, message, user.username, campaign_id=campaign.id)
        if not started:
            raise NotFound(N_("Belum ada proses yang menerima data layanan ('{message}'). Jalankan 'klip deploy'.",
                              message=DATA_MESSAGE))
        # What campaign_view would query is known here; counting 100,000 new contacts again is not needed.
        return _view(campaign, started[0].id, contacts.new_campaign_progress(imported.report["accepted"]))


def _requesting_unit(session: Session, user: User, requester: str, fields: dict[str, Any]) -> Unit | None:
    """The unit a campaign is requested by: a requester's own; the one KLIP staff named (a known unit)."""
    name = " ".join(clean_text(requester).split())
    if access.REQUESTER_ROLE in user.role_names and not user.role_names & access.STAFF_ROLES:
        own = session.get(Unit, user.unit_id) if user.unit_id is not None else None
        if own is None:
            fields["requester"] = N_("Akun Anda belum terhubung ke unit peminta; hubungi administrator.")
        elif not own.active:
            fields["requester"] = N_("Unit Anda ({unit}) sudah dinonaktifkan dan tidak dapat mengajukan kampanye "
                                     "baru; hubungi administrator.", unit=own.name)
        elif name and name.lower() != own.name.lower():
            fields["requester"] = N_("Anda hanya dapat mengajukan kampanye untuk unit Anda sendiri ({unit}).",
                                     unit=own.name)
        return own
    if not name:
        fields["requester"] = N_("wajib diisi")
        return None
    try:
        return unit_named(session, name)
    except InvalidInput as exc:
        fields.update(exc.fields)
        return None


def _view(campaign: Campaign, instance_id: int | None, progress: dict[str, int]) -> CampaignView:
    return CampaignView(campaign.id, campaign.title, campaign.requester, campaign.topic, campaign.status,
                        instance_id, campaign.created_by, campaign.created_at, campaign.import_report, progress)


def campaign_view(session: Session, campaign: Campaign, import_report: bool = True) -> CampaignView:
    """The campaign as its pages show it (``import_report``: with the rows its file was read with)."""
    instance_id = session.scalars(select(Instance.id).where(Instance.campaign_id == campaign.id)
                                  .order_by(Instance.id)).first()
    view = _view(campaign, instance_id, contacts.progress(session, campaign.id))
    return view if import_report else replace(view, import_report={})


def get_campaign(ctx: Context, who: Who, campaign_id: int) -> CampaignView:
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        return campaign_view(session, campaign, access.sees_import_report(user))


def list_campaigns(ctx: Context, who: Who) -> list[CampaignView]:
    """Every campaign the user may see, newest first, with import reports (pages and the API use the paged
    ``engine.pages.campaign_list``); instances and progress in one query each, not one per campaign."""
    with access.acting(ctx, who) as (session, user):
        rows = session.scalars(select(Campaign).where(access.campaign_filter(user)).order_by(Campaign.id.desc())).all()
        ids = [c.id for c in rows]
        instances = {cid: iid for cid, iid in session.execute(
            select(Instance.campaign_id, func.min(Instance.id)).where(Instance.campaign_id.in_(ids))
            .group_by(Instance.campaign_id))} if ids else {}
        progress = contacts.progress_by_campaign(session.connection(), ids)
        return [_view(c, instances.get(c.id), progress[c.id]) for c in rows]


# --- contacts and calls ----------------------------------------------------------------------------------

def contacts_of(session: Session, user: User, now: datetime, campaign: Campaign, assigned_to_me: bool = True,
                limit: int | None = None, offset: int = 0) -> list[contacts.ContactView]:
    """The contacts of a campaign the user may read, as they may list them (an agent: their own); the access is
    recorded with every contact shown (UU PDP)."""
    access.may_list_contacts(user, assigned_to_me)
    agent = user.username if assigned_to_me else None
    views = contacts.list_contacts(session, campaign.id, agent=agent, limit=limit, offset=offset, now=now)
    record_access(session, now, user.username, "contacts_listed", campaign.id, [v.id for v in views],
                  data={"assigned_to_me": assigned_to_me, "count": len(views), "offset": offset, "limit": limit})
    return views


def list_contacts(ctx: Context, who: Who, campaign_id: int, assigned_to_me: bool = True,
                  limit: int | None = None, offset: int = 0) -> list[contacts.ContactView]:
    """Agents see their own contacts; supervisors may list all (UU PDP: audited)."""
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        return contacts_of(session, user, ctx.now(), campaign, assigned_to_me, limit, offset)


def assignment(session: Session, username: str, campaign_id: int, lock: bool = False) -> TaskIndex | None:
    """The agent's READY step-5 task in the campaign (None once finished).

    ``lock`` share-locks the instance row (PostgreSQL), so the agent cannot finish step 5 while a call is
    being recorded; completing a task takes the same row ``FOR UPDATE``.
    """
    query = _assignment_of(select(TaskIndex), username, campaign_id)
    return session.scalars(query.with_for_update(read=True, of=Instance) if lock else query).first()


def _assignment_of(query: Select[Any], username: Any, campaign_id: Any) -> Select[Any]:
    """``query`` narrowed to the agent's READY step-5 task in the campaign (``username``, ``campaign_id``: values or
    SQL expressions)."""
    return query.join(Instance, Instance.id == TaskIndex.instance_id).where(
        Instance.campaign_id == campaign_id, TaskIndex.assignee == username, TaskIndex.view == ASSIGNMENT_VIEW)


def assignment_task(session: Session, username: str, campaign_id: int, lock: bool = False) -> str | None:
    """The id of the agent's READY step-5 task in the campaign (None once finished); see ``assignment``."""
    row = assignment(session, username, campaign_id, lock)
    return row.task_id if row else None


# ``call_target``'s statement, built once rather than per call (parameters bound when executed).
_CALL_TARGET = (
    select(Contact.id, Contact.campaign_id, Contact.agent, Contact.phones, Contact.closed_phones, Contact.final_outcome,
           Campaign.status,
           _assignment_of(select(TaskIndex.task_id), bindparam("username"), Contact.campaign_id).limit(1)
           .with_for_update(read=True, of=Instance).scalar_subquery().label("task_id"))
    .join(Campaign, Campaign.id == Contact.campaign_id).where(Contact.id == bindparam("contact_id")))


def call_target(session: Session, username: str, contact_id: int) -> contacts.CallTarget:
    """The contact with what recording a call by ``username`` checks, in one statement: its campaign's status and
    the agent's running step-5 task, whose instance row it share-locks as ``assignment(lock=True)`` does.
    NotFound for an unknown contact."""
    row = session.connection().execute(_CALL_TARGET, {"username": username, "contact_id": contact_id}).one_or_none()
    if row is None:
        raise NotFound(N_("Kontak tidak ditemukan."))
    return contacts.CallTarget(row.id, row.campaign_id, row.agent, tuple(row.phones), tuple(row.closed_phones or ()),
                               row.final_outcome, row.status, row.task_id)


# A call as submitted: its fields (``record_call``'s keywords), or a function that reads them from the request
# once the caller is known to be the contact's agent (so nobody else learns what the form lacks).
CallSubmission = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def call_recorded(ctx: Context, session: Session, user: User, contact_id: int,
                  call: CallSubmission) -> contacts.RecordedCall:
    """Record one call attempt on one of the agent's own contacts, while their assignment runs."""
    target = call_target(session, user.username, contact_id)
    access.may_call_contact(user, target.agent)
    if target.assignment_task_id is None:
        raise TaskNotReady(N_("Penugasan Anda pada kampanye ini tidak sedang berjalan."))
    fields = dict(call() if callable(call) else call)
    outcome = str(fields.get("outcome") or "")
    recorded = contacts.record_call(session, ctx.now(), ctx.settings, target, outcome,
                                    clean_text(fields.get("notes")), fields.get("callback_at"),
                                    fields.get("duration_s"), clean_text(fields.get("recording_ref")),
                                    clean_text(fields.get("phone")))
    record_access(session, ctx.now(), user.username, "call_recorded", target.campaign_id, [contact_id],
                  data={"contact_id": contact_id, "outcome": outcome, "attempt_id": recorded.attempt_id})
    return recorded


def record_call(ctx: Context, who: Who, contact_id: int, outcome: str | Callable[[], Mapping[str, Any]],
                notes: str = "", callback_at: datetime | None = None, duration_s: int | None = None,
                recording_ref: str = "", phone: str = "") -> contacts.ContactView:
    """An agent records one call attempt on one of their own contacts (``outcome``: the outcome code, or a
    function reading every field of the call from a request)."""
    call: CallSubmission = outcome if callable(outcome) else {
        "outcome": outcome, "notes": notes, "callback_at": callback_at, "duration_s": duration_s,
        "recording_ref": recording_ref, "phone": phone}
    with access.acting(ctx, who) as (session, user):
        return call_recorded(ctx, session, user, contact_id, call).contact


def next_open_contact(session: Session, username: str, campaign_id: int, now: datetime,
                      after_id: int | None = None) -> contacts.ContactView | None:
    """The agent's next contact to call: a callback that is due (earliest first), else the next open contact
    after ``after_id`` in row order (wrapping around) that has no callback planned for later; None when there
    is nothing to call now."""
    mine = select(Contact.id).where(Contact.campaign_id == campaign_id, Contact.agent == username,
                                    Contact.final_outcome.is_(None))
    due = session.scalars(mine.where(Contact.callback_at <= now).order_by(Contact.callback_at).limit(1)).first()
    if due is not None:
        return contacts.contact_views(session, [due])[0]
    open_ids = list(session.scalars(mine.where(Contact.callback_at.is_(None)).order_by(Contact.row_number, Contact.id)))
    if not open_ids:
        return None
    later = [i for i in open_ids if after_id is not None and i > after_id]
    return contacts.contact_views(session, [later[0] if later else open_ids[0]])[0]


def callbacks_waiting(session: Session, username: str, campaign_id: int, now: datetime) -> int:
    """The agent's open contacts whose callback is planned for later."""
    return session.scalar(select(func.count(Contact.id)).where(
        Contact.campaign_id == campaign_id, Contact.agent == username, Contact.final_outcome.is_(None),
        Contact.callback_at > now)) or 0


@dataclass(frozen=True)
class NextContact:
    contact: contacts.ContactView | None  # None: nothing to call now
    waiting: int  # callbacks planned for later


def next_contact(ctx: Context, who: Who, campaign_id: int, after_id: int | None = None) -> NextContact:
    """The agent's next contact to call (see ``next_open_contact``) and how many callbacks wait for later."""
    with access.acting(ctx, who) as (session, user):
        access.readable_campaign(session, user, campaign_id)
        return NextContact(next_open_contact(session, user.username, campaign_id, ctx.now(), after_id),
                           callbacks_waiting(session, user.username, campaign_id, ctx.now()))


def contact_history(session: Session, user: User, now: datetime,
                    contact_id: int) -> tuple[Contact, contacts.ContactView, list[CallView]]:
    """A contact the user may read, with its call history; the viewing is recorded (UU PDP)."""
    contact = access.readable_contact(session, user, contact_id)
    calls = session.scalars(select(CallAttempt).where(CallAttempt.contact_id == contact_id).order_by(CallAttempt.id))
    history = [CallView(c.at, c.agent, c.outcome, c.phone, c.notes, c.callback_at, c.duration_s, c.recording_ref)
               for c in calls]
    record_access(session, now, user.username, "contact_viewed", contact.campaign_id, [contact_id],
                  data={"contact_id": contact_id})
    return contact, contacts.contact_views(session, [contact_id])[0], history


def contact_detail(ctx: Context, who: Who, contact_id: int) -> tuple[contacts.ContactView, list[CallView]]:
    """One contact and its call history: its agent, or a supervisor role."""
    with access.acting(ctx, who) as (session, user):
        _, view, history = contact_history(session, user, ctx.now(), contact_id)
        return view, history


def preview_distribution(ctx: Context, who: Who, campaign_id: int, agents: list[str]) -> dict[str, int]:
    """How step 4 would split the contacts among ``agents`` (Kasi only); changes nothing."""
    with access.acting(ctx, who) as (session, user):
        return distribution_preview(session, user, campaign_id, agents)


def distribution_preview(session: Session, user: User, campaign_id: int, agents: list[str]) -> dict[str, int]:
    access.require_roles(user, access.DISTRIBUTE_ROLES)
    access.readable_campaign(session, user, campaign_id)
    return contacts.preview_distribution(session, campaign_id, agents)


# --- report ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedReport:
    """A signed report as the campaign page shows it: its number, signature and the cover letter it went with."""

    number: str | None  # None: signed before reports were numbered and rendered (no PDF)
    signed_by: str
    signed_at: datetime
    sha256: str | None  # of the PDF
    cover_letter_number: str | None  # step 9 (None until PKL has sent it)
    cover_letter_date: date | None
    sent_by: str | None
    sent_at: datetime | None


def report_row(session: Session, campaign_id: int) -> Report | None:
    """The campaign's report without its PDF bytes (loaded only when downloaded)."""
    return session.get(Report, campaign_id, options=[defer(Report.pdf)])


def signed_report(report: Report | None) -> SignedReport | None:
    """A report's signature and cover letter (None until the Kepala Kantor has signed); anyone who may read the
    campaign may know that its report is signed and sent, and when."""
    if report is None or report.signed_at is None or report.signed_by is None:
        return None
    return SignedReport(report.number, report.signed_by, report.signed_at, report.sha256, report.cover_letter_number,
                        report.cover_letter_date, report.sent_by, report.sent_at)


def report_of(session: Session, user: User, campaign: Campaign) -> dict[str, Any]:
    """The report: stored snapshot once drafted (live figures before), with its signature and cover letter."""
    report = report_row(session, campaign.id)
    access.may_read_report(user, report)
    figures_ = report.figures if report else figures.compute_figures(session, campaign.id)
    return {"campaign_id": campaign.id, "status": campaign.status, "figures": figures_,
            "live": report is None, "narrative": report.narrative if report else {},
            "drafted_by": report.drafted_by if report else None,
            "signed_by": report.signed_by if report else None,
            "signed_at": report.signed_at if report else None,
            "sha256": report.sha256 if report else None,
            "number": report.number if report else None,  # set with the PDF, at signing
            "cover_letter_number": report.cover_letter_number if report else None,
            "cover_letter_date": report.cover_letter_date if report else None,
            "sent_by": report.sent_by if report else None,
            "sent_at": report.sent_at if report else None}


def get_report(ctx: Context, who: Who, campaign_id: int) -> dict[str, Any]:
    with access.acting(ctx, who) as (session, user):
        return report_of(session, user, access.readable_campaign(session, user, campaign_id))


def signed_report_pdf(ctx: Context, who: Who, campaign_id: int) -> tuple[str, bytes]:
    """The signed report's PDF exactly as it was signed (its SHA-256 is the report's), with a file name.

    KLIP staff and the requesting unit that submitted the campaign, once the Kepala Kantor has signed (NotFound
    before); every download is audited.
    """
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        report = session.get(Report, campaign.id)
        if report is None or report.signed_at is None or report.pdf is None or report.number is None:
            raise NotFound(N_("Laporan kampanye ini belum ditandatangani; dokumennya belum ada."))
        access.may_read_report(user, report)
        audit(session, ctx.now(), user.username, "report_downloaded", None, campaign.id,
              data={"number": report.number, "sha256": report.sha256})
        return report_document.pdf_filename(report.number), bytes(report.pdf)
