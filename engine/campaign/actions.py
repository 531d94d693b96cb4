"""Domain actions named by a task's ``action`` property; they run in the completing task's transaction."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..actions import Action, ActionCall
from ..context import Context
from ..errors import InvalidInput
from ..i18n import N_
from ..models import Campaign, Instance, Report
from ..notifications import notify, requesting_unit
from . import contacts, figures, report_document

COVER_LETTER_NUMBER_MAX = 128  # characters of the cover letter number (Report.cover_letter_number)


def _distribute(call: ActionCall) -> dict[str, Any]:
    return {"pembagian": contacts.distribute_contacts(call.session, call.campaign_id, list(call.data["agen"]))}


def _finish_assignment(call: ActionCall) -> dict[str, Any]:
    agent = call.row.assignee
    return {"agen": agent, "progres": contacts.progress(call.session, call.campaign_id, agent=agent)}


def _draft_report(call: ActionCall) -> dict[str, Any]:
    ctx, session, campaign_id, user, data = call.ctx, call.session, call.campaign_id, call.user, call.data
    report = session.get(Report, campaign_id) or Report(campaign_id=campaign_id)
    report.figures = figures.compute_figures(session, campaign_id)
    report.narrative = dict(data)
    report.drafted_by, report.drafted_at = user.username, ctx.now()
    report.sha256 = report.signed_by = report.signed_at = report.number = None
    report.pdf = None
    session.add(report)
    return {}


def _sign_report(call: ActionCall) -> dict[str, Any]:
    session, campaign_id = call.session, call.campaign_id
    if call.data.get("keputusan") != "tandatangani":
        return {}
    report = session.get(Report, campaign_id)
    if report is None:
        raise InvalidInput(N_("Konsep laporan belum ada."), {"keputusan": N_("laporan belum disusun")})
    # The PDF is rendered once, here: its number, bytes and SHA-256 are what the requester receives.
    report_document.sign(session, report, session.get(Instance, call.row.instance_id), call.user, call.ctx.now(),
                         ZoneInfo(call.ctx.settings.office_timezone))
    return {"sha256_laporan": report.sha256, "nomor_laporan": report.number}


def _send_report(call: ActionCall) -> dict[str, Any]:
    ctx, session, campaign_id, data = call.ctx, call.session, call.campaign_id, call.data
    report = session.get(Report, campaign_id)
    if report is None or report.signed_at is None:
        raise InvalidInput(N_("Laporan belum ditandatangani Kepala Kantor."), {"nomor_surat": N_("laporan belum sah")})
    # The cover letter (surat pengantar) the signed report went out with: shown to the requesting unit.
    number = " ".join(str(data.get("nomor_surat") or "").split())
    if len(number) > COVER_LETTER_NUMBER_MAX:
        raise InvalidInput(N_("Nomor surat pengantar terlalu panjang."),
                           {"nomor_surat": N_("paling panjang {n} karakter", n=COVER_LETTER_NUMBER_MAX)})
    try:
        sent_on = date.fromisoformat(str(data.get("tanggal_kirim") or ""))
    except ValueError:
        raise InvalidInput(N_("Tanggal kirim tidak valid."), {"tanggal_kirim": N_("format harus tanggal")}) from None
    report.cover_letter_number, report.cover_letter_date = number or None, sent_on
    report.sent_by, report.sent_at = call.user.username, ctx.now()
    _tell_the_requester(ctx, session, campaign_id, report)
    return {}


def _tell_the_requester(ctx: Context, session: Session, campaign_id: int, report: Report) -> None:
    """The requesting unit learns that its report was sent, with the cover letter, and where to download it."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    params = {"campaign": campaign.title, "number": report.cover_letter_number or "-",
              "date": report.cover_letter_date.strftime("%d-%m-%Y") if report.cover_letter_date else "-"}
    notify(session, ctx.settings, ctx.now(), requesting_unit(session, campaign), "report_sent", params,
           ref=f"report:{campaign_id}", url=f"/kampanye/{campaign_id}")


ACTIONS: dict[str, Action] = {
    "distribute_contacts": _distribute,
    "finish_assignment": _finish_assignment,
    "draft_report": _draft_report,
    "sign_report": _sign_report,
    "send_report": _send_report,
}
