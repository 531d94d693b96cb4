"""Campaign services: upload the target list (starts the process), contacts, calls, report."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import contacts, report_figures
from .context import Context
from .deployment import current_version
from .errors import InvalidInput, NotAllowed, NotFound, TaskNotReady
from .models import CallAttempt, Campaign, Contact, Instance, Report, TaskIndex, User
from .runtime import audit, start_instance
from .target_list import parse_target_list
from .users import get_user, require_any_role

UPLOAD_ROLES = ("kasi", "pelaksana", "pengguna_layanan")
STAFF_ROLES = frozenset({"kasi", "pelaksana", "agen", "kepala_kantor", "pkl", "admin", "analis"})
ALL_CONTACTS_ROLES = frozenset({"kasi", "kepala_kantor", "pkl", "admin"})


@dataclass(frozen=True)
class CampaignView:
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


def _required_text(fields: dict[str, str], name: str, value: str, limit: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        fields[name] = "wajib diisi"
    elif len(value) > limit:
        fields[name] = f"paling panjang {limit} karakter"
    return value


def create_campaign(ctx: Context, username: str, filename: str, content: bytes, title: str,
                    requester: str, topic: str = "") -> CampaignView:
    """Import the target list and start the SOP; a rejected file stores nothing."""
    fields: dict[str, str] = {}
    title, requester, topic = (v.replace("\x00", "") for v in (title or "", requester or "", topic or ""))
    title, requester = _required_text(fields, "title", title), _required_text(fields, "requester", requester)
    if fields:
        raise InvalidInput("Data kampanye belum lengkap.", fields)
    with ctx.transaction() as session:
        require_any_role(session, username, UPLOAD_ROLES)
        parsed = parse_target_list(filename, content)
        campaign = Campaign(title=title, requester=requester, topic=(topic or "").strip(), status="perencanaan",
                            source_filename=filename[:255], source_sha256=hashlib.sha256(content).hexdigest(),
                            import_report=parsed.report, created_by=username, created_at=ctx.now())
        session.add(campaign)
        session.flush()
        contacts.add_contacts(session, campaign.id, parsed.rows)
        audit(session, ctx.now(), username, "campaign_created", None, campaign.id,
              data={k: parsed.report[k] for k in ("rows", "accepted", "rejected", "duplicates")})
        start_instance(ctx, session, current_version(session), campaign, username)
        return _view(session, campaign)


def _view(session: Session, campaign: Campaign) -> CampaignView:
    instance_id = session.scalars(select(Instance.id).where(Instance.campaign_id == campaign.id)).first()
    return CampaignView(campaign.id, campaign.title, campaign.requester, campaign.topic, campaign.status,
                        instance_id, campaign.created_by, campaign.created_at, campaign.import_report,
                        contacts.progress(session, campaign.id))


def _readable_campaign(session: Session, user: User, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"Kampanye {campaign_id} tidak ditemukan.")
    if not (user.role_names & STAFF_ROLES) and campaign.created_by != user.username:
        raise NotAllowed("Anda hanya dapat melihat kampanye yang Anda ajukan.")
    return campaign


def get_campaign(ctx: Context, username: str, campaign_id: int) -> CampaignView:
    with ctx.transaction() as session:
        return _view(session, _readable_campaign(session, get_user(session, username), campaign_id))


def list_campaigns(ctx: Context, username: str) -> list[CampaignView]:
    with ctx.transaction() as session:
        user = get_user(session, username)
        query = select(Campaign).order_by(Campaign.id.desc())
        if not user.role_names & STAFF_ROLES:
            query = query.where(Campaign.created_by == username)
        return [_view(session, c) for c in session.scalars(query)]


def list_contacts(ctx: Context, username: str, campaign_id: int, assigned_to_me: bool = True,
                  limit: int | None = None, offset: int = 0) -> list[contacts.ContactView]:
    """Agents see their own contacts; supervisors may list all. Every listing is audited (UU PDP)."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        _readable_campaign(session, user, campaign_id)
        if not assigned_to_me and not user.role_names & ALL_CONTACTS_ROLES:
            raise NotAllowed("Anda hanya dapat melihat kontak yang dibagikan kepada Anda.")
        if assigned_to_me and "agen" not in user.role_names:
            raise NotAllowed("Hanya agen yang memiliki daftar kontak sendiri.")
        agent = username if assigned_to_me else None
        views = contacts.list_contacts(session, campaign_id, agent=agent, limit=limit, offset=offset, open_first=True)
        audit(session, ctx.now(), username, "contacts_listed", None, campaign_id,
              data={"assigned_to_me": assigned_to_me, "count": len(views)})
        return views


def _active_assignment(session: Session, username: str, campaign_id: int) -> None:
    """Calls may be recorded only while the agent's own step-5 task is open.

    The instance row is share-locked (PostgreSQL) so the agent cannot finish step 5 while this call is
    being recorded; completing a task takes the same row ``FOR UPDATE``.
    """
    session.execute(select(Instance.id).where(Instance.campaign_id == campaign_id).with_for_update(read=True))
    found = session.scalars(select(TaskIndex.task_id).join(Instance, Instance.id == TaskIndex.instance_id)
                            .where(Instance.campaign_id == campaign_id, TaskIndex.assignee == username,
                                   TaskIndex.view == "call_list")).first()
    if found is None:
        raise TaskNotReady("Penugasan Anda pada kampanye ini tidak sedang berjalan.")


def record_call(ctx: Context, username: str, contact_id: int, outcome: str, notes: str = "",
                callback_at: datetime | None = None, duration_s: int | None = None,
                recording_ref: str = "", phone: str = "") -> contacts.ContactView:
    """An agent records one call attempt on one of their own contacts."""
    with ctx.transaction() as session:
        get_user(session, username)
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("Kontak tidak ditemukan.")
        if contact.agent != username:
            raise NotAllowed("Kontak ini tidak dibagikan kepada Anda.")
        _active_assignment(session, username, contact.campaign_id)
        attempt = contacts.record_call(session, ctx.now(), ctx.settings, username, contact_id, outcome, notes,
                                       callback_at, duration_s, recording_ref, phone)
        audit(session, ctx.now(), username, "call_recorded", None, contact.campaign_id,
              data={"contact_id": contact_id, "outcome": outcome, "attempt_id": attempt.id})
        return contacts.contact_views(session, [contact_id])[0]


def get_report(ctx: Context, username: str, campaign_id: int) -> dict[str, Any]:
    """The report: stored snapshot once drafted (live figures before), with its signature."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        campaign = _readable_campaign(session, user, campaign_id)
        report = session.get(Report, campaign_id)
        if not user.role_names & STAFF_ROLES and (report is None or report.signed_at is None):
            raise NotAllowed("Laporan tersedia bagi Pengguna Layanan setelah ditandatangani Kepala Kantor.")
        figures = report.figures if report else report_figures.compute_figures(session, campaign_id)
        return {"campaign_id": campaign_id, "status": campaign.status, "figures": figures,
                "live": report is None, "narrative": report.narrative if report else {},
                "drafted_by": report.drafted_by if report else None,
                "signed_by": report.signed_by if report else None,
                "signed_at": report.signed_at if report else None,
                "sha256": report.sha256 if report else None}


def preview_distribution(ctx: Context, username: str, campaign_id: int, agents: list[str]) -> dict[str, int]:
    """How step 4 would split the contacts among ``agents`` (Kasi only); changes nothing."""
    with ctx.transaction() as session:
        require_any_role(session, username, ("kasi",))
        _readable_campaign(session, get_user(session, username), campaign_id)
        return contacts.preview_distribution(session, campaign_id, agents)


def next_contact(
    ctx: Context, username: str, campaign_id: int, after_id: int | None = None
) -> contacts.ContactView | None:
    """The agent's next open contact (after ``after_id`` in list order, wrapping around), or None when done."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        _readable_campaign(session, user, campaign_id)
        open_ids = list(session.scalars(select(Contact.id).where(
            Contact.campaign_id == campaign_id, Contact.agent == username, Contact.final_outcome.is_(None))
            .order_by(Contact.row_number, Contact.id)))
        if not open_ids:
            return None
        later = [i for i in open_ids if after_id is not None and i > after_id]
        return contacts.contact_views(session, [later[0] if later else open_ids[0]])[0]


@dataclass(frozen=True)
class CallView:
    at: datetime
    agent: str
    outcome: str
    phone: str
    notes: str
    callback_at: datetime | None
    duration_s: int | None
    recording_ref: str


def contact_detail(ctx: Context, username: str, contact_id: int) -> tuple[contacts.ContactView, list[CallView]]:
    """One contact and its call history: its agent, or a supervisor role."""
    with ctx.transaction() as session:
        user = get_user(session, username)
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("Kontak tidak ditemukan.")
        if contact.agent != username and not user.role_names & ALL_CONTACTS_ROLES:
            raise NotAllowed("Kontak ini tidak dibagikan kepada Anda.")
        calls = session.scalars(
            select(CallAttempt).where(CallAttempt.contact_id == contact_id).order_by(CallAttempt.id))
        history = [CallView(c.at, c.agent, c.outcome, c.phone, c.notes, c.callback_at, c.duration_s, c.recording_ref)
                   for c in calls]
        audit(session, ctx.now(), username, "contact_viewed", None, contact.campaign_id,
              data={"contact_id": contact_id})
        return contacts.contact_views(session, [contact_id])[0], history
