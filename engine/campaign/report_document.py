"""The signed Laporan Pelaksanaan Layanan Penyampaian Informasi Perpajakan as a PDF document.

Rendered once, with WeasyPrint, when the Kepala Kantor signs (step 8), in the signing task's transaction: the
report gets its number, the PDF bytes are stored, and the SHA-256 recorded is that of exactly these bytes, so
what was signed is what the requesting unit receives. The document is a formal DJP report (letterhead, number,
tables, narrative, signature block, "Halaman x dari y"), not a picture of a page of the web app.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import ProcessFailed
from ..models import AuditEvent, CallAttempt, Campaign, Instance, Report, User
from ..users import full_names
from .outcomes import OUTCOMES

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"
HEADER = ("Kementerian Keuangan Republik Indonesia", "Direktorat Jenderal Pajak",
          "Kantor Layanan Informasi dan Pengaduan")
DEFAULT_POSITION = "Kepala Kantor Layanan Informasi dan Pengaduan"  # when the signer has no position on record
# Report numbers: LAP-0007/KLIP/2026, a sequence per calendar year (office time) of the signing.
NUMBER_PREFIX, NUMBER_OFFICE = "LAP-", "KLIP"
NUMBER_RE = re.compile(rf"{NUMBER_PREFIX}(\d+)/{NUMBER_OFFICE}/(\d{{4}})")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
PLAN_FIELDS = ("rencana_mulai", "rencana_selesai")  # the work plan's dates (step 2's form)
PDF_VARIANT = "pdf/ua-1"  # tagged (accessible): headings, tables and reading order for screen readers


class ReportRenderFailed(ProcessFailed):
    """The signed report could not be rendered as a PDF; the signing is rolled back."""

    code = "report_render_failed"


@dataclass(frozen=True)
class Signer:
    full_name: str
    position: str
    nip: str | None


@dataclass(frozen=True)
class AgentRow:
    name: str | None  # full name; None: contacts not distributed
    contacts: int
    final: int
    reached: int
    attempts: int


@dataclass(frozen=True)
class ReportDocument:
    """Everything the printed report shows; built from the database, rendered without it."""

    number: str
    signed_at: datetime  # office time
    campaign_id: int
    title: str
    requester: str
    topic: str
    sop_reference: str
    planned: tuple[date | None, date | None]  # the work plan's start and end
    period: tuple[date, date] | None  # the first and the last call attempt (office time); None: no calls
    figures: dict[str, Any]
    agents: tuple[AgentRow, ...]
    narrative: tuple[tuple[str, str], ...]  # (heading, text) in the report form's order
    signer: Signer


# --- numbers and words ------------------------------------------------------------------------------------

def indonesian_date(value: date) -> str:
    """30 November 2026."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def indonesian_number(value: int | float | None) -> str:
    """12.345: thousands separated by a dot."""
    return f"{int(value or 0):,}".replace(",", ".")


def indonesian_percent(fraction: float | None) -> str:
    """0,8889 → 88,9%."""
    return f"{100 * (fraction or 0):.1f}".replace(".", ",") + "%"


def next_number(session: Session, year: int) -> str:
    """The next free report number of ``year`` (LAP-0001/KLIP/2026 for the first)."""
    used = session.scalars(select(Report.number).where(Report.number.like(f"{NUMBER_PREFIX}%/{NUMBER_OFFICE}/{year}")))
    last = max((int(m.group(1)) for n in used if n and (m := NUMBER_RE.fullmatch(n))), default=0)
    return f"{NUMBER_PREFIX}{last + 1:04d}/{NUMBER_OFFICE}/{year}"


def pdf_filename(number: str) -> str:
    """A file name for the report: laporan-LAP-0007-KLIP-2026.pdf."""
    return "laporan-" + re.sub(r"[^A-Za-z0-9-]+", "-", number).strip("-") + ".pdf"


# --- the document's data --------------------------------------------------------------------------------

def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _call_period(session: Session, campaign_id: int, zone: ZoneInfo) -> tuple[date, date] | None:
    first, last = session.execute(select(func.min(CallAttempt.at), func.max(CallAttempt.at))
                                  .where(CallAttempt.campaign_id == campaign_id)).one()
    if first is None or last is None:
        return None
    return _aware(first).astimezone(zone).date(), _aware(last).astimezone(zone).date()


def _planned(session: Session, campaign_id: int) -> tuple[date | None, date | None]:
    """The dates of the last work plan submitted for the campaign (its form's ``rencana_mulai``/``_selesai``)."""
    completed = (select(AuditEvent.data)
                 .where(AuditEvent.campaign_id == campaign_id, AuditEvent.action == "task_completed")
                 .order_by(AuditEvent.id.desc()))
    events: Iterable[dict[str, Any]] = session.scalars(completed)
    plan: dict[str, Any] = next((data for data in events if all(data.get(f) for f in PLAN_FIELDS)), {})
    dates: list[date | None] = []
    for name in PLAN_FIELDS:
        try:
            dates.append(date.fromisoformat(plan[name]) if name in plan else None)
        except (TypeError, ValueError):
            dates.append(None)
    return dates[0], dates[1]


def narrative_sections(forms: dict[str, Any], narrative: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The filled narrative fields as (heading, text), headed and ordered as the report form that took them."""
    schema = next((s for s in forms.values() if isinstance(s, dict) and narrative
                   and set(narrative) <= set(s.get("properties", {}))), {})
    props: dict[str, Any] = schema.get("properties", {})
    filled = [k for k, v in narrative.items() if isinstance(v, str) and v.strip()]
    order = [k for k in props if k in filled] + [k for k in filled if k not in props]
    return tuple((str(props.get(k, {}).get("title") or k.replace("_", " ").capitalize()), narrative[k].strip())
                 for k in order)


def _sop_reference(meta: dict[str, Any]) -> str:
    nomor, judul = meta.get("nomor"), meta.get("judul")
    if not nomor:
        return "SOP LIP20-0008"
    return f"SOP Nomor {nomor}" + (f" tentang {str(judul).title().replace(' Dan ', ' dan ')}" if judul else "")


def build_document(session: Session, report: Report, campaign: Campaign, instance: Instance | None, signer: User,
                   number: str, signed_at: datetime, zone: ZoneInfo) -> ReportDocument:
    figures = dict(report.figures)
    by_agent = figures.get("by_agent", [])
    names = full_names(session, {a["agent"] for a in by_agent if a.get("agent")})
    agents = tuple(AgentRow(names.get(a["agent"], a["agent"]) if a.get("agent") else None, int(a.get("contacts", 0)),
                            int(a.get("final", 0)), int(a.get("reached", 0)), int(a.get("attempts", 0)))
                   for a in by_agent)
    forms = instance.version.forms if instance is not None else {}
    meta = instance.version.sop_metadata if instance is not None else {}
    return ReportDocument(
        number=number, signed_at=_aware(signed_at).astimezone(zone), campaign_id=campaign.id, title=campaign.title,
        requester=campaign.requester, topic=campaign.topic, sop_reference=_sop_reference(meta),
        planned=_planned(session, campaign.id), period=_call_period(session, campaign.id, zone), figures=figures,
        agents=agents, narrative=narrative_sections(forms, report.narrative),
        signer=Signer(signer.full_name or signer.username, signer.position or DEFAULT_POSITION, signer.nip))


# --- rendering ----------------------------------------------------------------------------------------

@cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html.j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(tanggal=indonesian_date, angka=indonesian_number, persen=indonesian_percent)
    return env


def outcome_rows(figures: dict[str, Any]) -> list[tuple[str, bool, int, int]]:
    """(label, reached, contacts with this final outcome, attempts) per outcome; unknown stored codes kept."""
    contacts, attempts = figures.get("by_outcome", {}), figures.get("attempts_by_outcome", {})
    codes = list(OUTCOMES) + sorted((set(contacts) | set(attempts)) - set(OUTCOMES))
    return [(OUTCOMES[c].label if c in OUTCOMES else c, c in OUTCOMES and OUTCOMES[c].is_reached,
             int(contacts.get(c, 0)), int(attempts.get(c, 0))) for c in codes]


def render_html(doc: ReportDocument) -> str:
    return _env().get_template(TEMPLATE).render(doc=doc, header=HEADER, outcomes=outcome_rows(doc.figures))


def render_pdf(doc: ReportDocument) -> bytes:
    """The report as PDF bytes; ReportRenderFailed (nothing is stored) if WeasyPrint cannot make it."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        # The document needs nothing from outside: no file, no network (its text is the users' input).
        fetcher = URLFetcher(allowed_protocols=("data",))
        pdf = HTML(string=render_html(doc), url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as exc:  # WeasyPrint, Pango or a font failing: refuse the signing with the reason
        raise ReportRenderFailed(f"Laporan tidak dapat dibuat sebagai PDF ({type(exc).__name__}: {exc}); "
                                 "penandatanganan dibatalkan, tidak ada yang disimpan.") from exc
    if not pdf:
        raise ReportRenderFailed("Laporan tidak dapat dibuat sebagai PDF (hasil kosong); penandatanganan dibatalkan.")
    return bytes(pdf)


def sign(session: Session, report: Report, instance: Instance | None, signer: User, now: datetime,
         zone: ZoneInfo) -> None:
    """Number the report, render it once, store the PDF and its SHA-256, and record the signature."""
    campaign = session.get(Campaign, report.campaign_id)
    if campaign is None:
        raise ReportRenderFailed("Kampanye laporan ini tidak ditemukan.")
    number = next_number(session, _aware(now).astimezone(zone).year)
    pdf = render_pdf(build_document(session, report, campaign, instance, signer, number, now, zone))
    report.number, report.pdf, report.sha256 = number, pdf, hashlib.sha256(pdf).hexdigest()
    report.signed_by, report.signed_at = signer.username, now
