"""SQL tables: users, deployed process versions, instances, task index, audit, outbox, campaign domain."""
from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import append_only


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite drops the offset, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- users -----------------------------------------------------------------------------------------

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    email: Mapped[str | None] = mapped_column(String(255))  # where notifications are mailed (none: in-app only)
    nip: Mapped[str | None] = mapped_column(String(32))  # Nomor Induk Pegawai, printed under a signature
    position: Mapped[str | None] = mapped_column(String(255))  # jabatan, printed under a signature
    language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")  # of mails and pages
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # a requesting unit's user
    # Copied into the session cookie at login and compared on every request (engine.access): a new value (logout,
    # a new password, other roles, deactivation) ends every session of the user at once.
    session_stamp: Mapped[str] = mapped_column(String(32))
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class Unit(Base):
    """A DJP unit that requests campaigns (Pengguna Layanan): a directorate, a Kanwil or a KPP."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # refused from then on (None: until revoked)


class LoginThrottle(Base):
    """Failed logins (or unknown API tokens) counted per key — ``user:<name>`` or ``token:<address>`` — within a
    window, and the lock-out they led to. Kept in the database so every worker and server sees the same lock."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


# --- process versions, instances, tasks ------------------------------------------------------------

class ProcessVersion(Base):
    """One deployed BPMN content; the spec is stored once and shared by its instances."""

    __tablename__ = "process_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Deferred: loading an instance's version must not read the model and its spec on every request (the parsed
    # spec is cached per process, engine.process.store.version_spec); they are read when used.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    forms: Mapped[dict[str, Any]]
    sop_metadata: Mapped[dict[str, Any]]
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime]
    # Set on every deploy of this content, so redeploying an older version makes it current again (rollback).
    activated_at: Mapped[datetime | None] = mapped_column(index=True)
    # The message its message start event waits for: another process throwing it starts an instance of this one.
    start_message: Mapped[str | None] = mapped_column(String(128), index=True)
    # Where the model was deployed from (``bpmn/lip20-0008.bpmn``): its SOP document names it, and its sidecar.
    source_file: Mapped[str | None] = mapped_column(String(255))
    # What the analyst said the version changes (``klip deploy --note``).
    note: Mapped[str | None] = mapped_column(String(500))


class ModelDraft(Base):
    """A model an analyst uploaded or saved in the web modeler, with its forms and the lint's findings: reviewed,
    then deployed by a second request without uploading it again (``engine.drafts``)."""

    __tablename__ = "model_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)  # its executable process's id
    filename: Mapped[str] = mapped_column(String(255))  # ``lip20-0008.bpmn``: names its sidecar and its findings
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]]  # file name → the form's JSON text as written (its line numbers are the findings')
    sop_metadata: Mapped[dict[str, Any]]
    findings: Mapped[list[Any]]  # the lint's findings at the last save, as ``lint.as_json`` gives them
    errors: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))  # its version identity when it lints without error
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    state_json: Mapped[str] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    version: Mapped[ProcessVersion] = relationship(lazy="joined", innerjoin=True)
    __mapper_args__ = {"version_id_col": lock_version}


class TaskIndex(Base):
    """One row per READY user task, brought up to date on every save: task lists never load workflows."""

    __tablename__ = "task_index"
    # By role first (every lookup of a lane's tasks), then what the inbox's counts, steps, lanes and campaign choices
    # read: those aggregates over all of a user's tasks read this index alone, not the rows (nor their instances:
    # each row carries its instance's campaign).
    # The inbox's page in its default order (due date, none last) walks ix_task_index_role_due and stops at the page.
    # Its campaign filter offers the first campaigns with work by title: ix_task_index_role_campaigns holds them in that
    # order, so the choices read as many entries as they offer, however many tasks the lane has (an index on an
    # expression: alembic's autogenerate skips it, tests/test_architecture.py checks it as migrated).
    __table_args__ = (Index("ix_task_index_role_lists", "role", "bpmn_id", "lane", "name", "assignee", "claimed_by",
                            "due_at", "campaign_id"),
                      Index("ix_task_index_role_due", "role", "due_at", "ready_at", "task_id"),
                      Index("ix_task_index_role_campaigns", "role", text("lower(campaign_title)"), "campaign_id",
                            "assignee", "campaign_title"))

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))  # its instance's (which never changes)
    campaign_title: Mapped[str | None] = mapped_column(String(255))  # that campaign's (a title never changes either)
    bpmn_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(255))
    view: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None]
    ready_at: Mapped[datetime]
    case_file: Mapped[str | None] = mapped_column(Text)  # which earlier forms the task shows (``caseFile``)


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE: ``engine.append_only``): who did what, when,
    with which data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_bpmn_id: Mapped[str | None] = mapped_column(String(128))
    task_name: Mapped[str | None] = mapped_column(String(255))
    task_ready_at: Mapped[datetime | None]  # when the completed task had become READY (process performance)
    task_due_at: Mapped[datetime | None]  # its due date then (deadline met or not)
    task_form: Mapped[str | None] = mapped_column(String(255))  # the form ``data`` was submitted with
    data: Mapped[dict[str, Any]]


class AuditEventContact(Base):
    """A taxpayer (contact) whose personal data an audited access showed: who saw whom can be asked per contact
    (UU PDP). Append-only like its event; no foreign key to the contact, so the record outlives the data."""

    __tablename__ = "audit_event_contacts"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


append_only.attach(AuditEvent.__table__)  # type: ignore[arg-type]
append_only.attach(AuditEventContact.__table__)  # type: ignore[arg-type]


class TaskComment(Base):
    """A note on a task, shown on every later task page of the same instance."""

    __tablename__ = "task_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class Outbox(Base):
    """Messages to deliver, stored in the same transaction as what caused them: the process's messages and
    e-mails (``message_name`` "email"), sent later by a worker that retries until delivered."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    created_at: Mapped[datetime]
    message_name: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """Something a user should know (in-app; mailed too when they have an address). ``kind`` + ``params`` let
    it be shown in the reader's language; ``ref`` names what it is about, so it is sent once."""

    __tablename__ = "notifications"
    # The inbox counts a user's unread notifications on every visit: from this index alone (user_id, then the unread).
    __table_args__ = (UniqueConstraint("user_id", "kind", "ref", name="uq_notification_once"),
                      Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the newest first: the notifications page
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    created_at: Mapped[datetime]
    message: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(String(32), default="", server_default="")
    ref: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(255))  # where to go, relative to the app
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")


class CalendarOverride(Base):
    """An admin's correction of the holiday list: a day made working or non-working."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


# --- campaign domain -------------------------------------------------------------------------------

class CampaignStatus(StrEnum):
    """A campaign's status, in process order: the ``campaignPhase`` of its READY tasks, then ``selesai``."""

    PERENCANAAN = "perencanaan"
    PENYAMPAIAN = "penyampaian"  # agents may record calls only now
    PELAPORAN = "pelaporan"
    PENGIRIMAN = "pengiriman"
    SELESAI = "selesai"  # the process has ended


class Campaign(Base):
    """Data Layanan Penyampaian Informasi: one requested information campaign."""

    __tablename__ = "campaigns"
    # The campaign list's default order (newest first) walks this index instead of sorting every campaign.
    __table_args__ = (Index("ix_campaigns_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    requester: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), default=CampaignStatus.PERENCANAAN.value, index=True)
    source_filename: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    import_report: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # the requesting unit


class CampaignMember(Base):
    """Who works on a campaign besides the roles that see every campaign: its uploader and each user a task of
    it was assigned to (its Pelaksana, its agents). Need-to-know (``engine.access``) reads it."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    since: Mapped[datetime]


class Contact(Base):
    """One taxpayer row of the target list."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "npwp", name="uq_contact_campaign_npwp"),
        Index("ix_contacts_campaign_agent", "campaign_id", "agent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    npwp: Mapped[str] = mapped_column(String(16))
    npwp_raw: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    phones: Mapped[list[Any]]
    kpp: Mapped[str] = mapped_column(String(128), default="")
    extra: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]]
    agent: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    final_outcome: Mapped[str | None] = mapped_column(String(32))
    last_call_at: Mapped[datetime | None]
    callback_at: Mapped[datetime | None] = mapped_column(index=True)  # the taxpayer asked to be called then
    # Numbers found wrong (nomor salah): not dialled again; the contact stays open while another one is left.
    closed_phones: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[datetime | None]
    duration_s: Mapped[int | None] = mapped_column(Integer)
    recording_ref: Mapped[str] = mapped_column(String(255), default="")


class Report(Base):
    """Laporan Pelaksanaan Layanan Penyampaian Informasi Perpajakan: figures snapshot + narrative + signature."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("number", name="uq_report_number"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    figures: Mapped[dict[str, Any]]
    narrative: Mapped[dict[str, Any]]
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[datetime]
    sha256: Mapped[str | None] = mapped_column(String(64))  # of ``pdf``: what was signed is what is sent
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None]
    number: Mapped[str | None] = mapped_column(String(64))  # given at signing
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)  # rendered once, at signing
    # Step 9: the cover letter (surat pengantar) with which PKL sent the signed report to the requester.
    cover_letter_number: Mapped[str | None] = mapped_column(String(128))
    cover_letter_date: Mapped[date | None] = mapped_column(Date)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]


# --- agent quality assessment (SOP Tata Cara Penilaian Kualitas Agen Melalui Call Recording) ------------------

class QaSample(Base):
    """One recorded call sampled for an agent's quality assessment, with its score sheet once scored."""

    __tablename__ = "qa_samples"
    __table_args__ = (UniqueConstraint("instance_id", "call_attempt_id", name="uq_qa_sample_call"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)  # the assessment's instance
    agent: Mapped[str] = mapped_column(String(64))
    call_attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # section → points
    fatal: Mapped[bool] = mapped_column(Boolean, default=False)  # a fatal error zeroes the call
    notes: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None]  # 0–100, computed from the sheet
    scored_by: Mapped[str | None] = mapped_column(String(64))
    scored_at: Mapped[datetime | None]


class QaResult(Base):
    """An agent's quality score in one campaign: the mean of their sampled calls, with feedback; shown to the
    agent once the Kepala Seksi PKL approved it."""

    __tablename__ = "qa_results"
    __table_args__ = (UniqueConstraint("instance_id", "agent", name="uq_qa_result_agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    agent: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[float | None]
    calls: Mapped[int] = mapped_column(Integer, default=0)
    feedback: Mapped[str] = mapped_column(Text, default="")
    scored_by: Mapped[str | None] = mapped_column(String(64))
    scored_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
