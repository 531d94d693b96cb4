"""A campaign's calls as a spreadsheet, the report's annex: one row per call attempt, in office time.

The rows are read in batches (``yield_per``: a server-side cursor on PostgreSQL) and written as they come, so the
cost in memory does not grow with the number of calls. NPWPs are masked as everywhere else (UU PDP); every export
is audited.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import access
from ..access import Who
from ..audit import audit
from ..campaign import status
from ..campaign.identifiers import mask_npwp
from ..campaign.outcomes import label as outcome_label
from ..campaign.services import report_row
from ..context import Context
from ..i18n import N_, localize
from ..models import CallAttempt, Campaign, Contact, User
from .xlsx import Column, Download, add_sheet, finished, new_workbook, office_time, table, write_rows

BATCH = 2_000  # rows fetched at a time


def _columns(lang: str, zone_name: str) -> list[Column]:
    def text(msgid: str) -> str:
        return localize(msgid, lang)

    return [
        # Times as they are: openpyxl gives datetimes its date-and-time format itself, without a styled cell each.
        Column(localize(N_("Waktu ({zone})", zone=zone_name), lang), 19), Column(text(N_("Agen")), 22),
        Column(text(N_("NPWP (disamarkan)")), 22), Column(text(N_("Nama Wajib Pajak")), 30),
        Column(text(N_("Nomor yang dihubungi")), 17), Column(text(N_("Hasil panggilan")), 24),
        Column(localize(N_("Waktu dihubungi kembali ({zone})", zone=zone_name), lang), 19),
        Column(text(N_("Durasi (detik)")), 10), Column(text(N_("Catatan")), 50),
        Column(text(N_("Referensi rekaman")), 24), Column(text(N_("Baris data sasaran")), 10),
    ]


def _rows(session: Session, campaign_id: int, zone: ZoneInfo, lang: str) -> Iterator[list[Any]]:
    query = (
        select(CallAttempt.at, CallAttempt.agent, User.full_name, Contact.npwp, Contact.name, CallAttempt.phone,
               CallAttempt.outcome, CallAttempt.callback_at, CallAttempt.duration_s, CallAttempt.notes,
               CallAttempt.recording_ref, Contact.row_number)
        .join(Contact, Contact.id == CallAttempt.contact_id)
        .outerjoin(User, User.username == CallAttempt.agent)
        .where(CallAttempt.campaign_id == campaign_id)
        .order_by(CallAttempt.at, CallAttempt.id)
        .execution_options(yield_per=BATCH))
    labels: dict[str, str] = {}
    rows: Any = session.execute(query)
    for at, agent, name, npwp, taxpayer, phone, outcome, callback, duration, notes, recording, row in rows:
        if outcome not in labels:
            labels[outcome] = _outcome(outcome, lang)
        yield [office_time(at, zone), name or agent, mask_npwp(npwp), taxpayer, phone, labels[outcome],
               office_time(callback, zone), duration, notes, recording, row]


def _outcome(code: str, lang: str) -> str:
    try:
        return outcome_label(code, lang)
    except KeyError:  # a code stored by an older version: shown as it is
        return code


def _about(workbook: Workbook, campaign: Campaign, user: User, now: datetime, zone: ZoneInfo, calls: int,
           lang: str) -> None:
    """A second sheet saying what the file is: campaign, status, how many calls, when and by whom."""
    zone_name = now.astimezone(zone).tzname() or ""
    rows = [(N_("Judul kampanye"), f"#{campaign.id} {campaign.title}"), (N_("Pengguna Layanan"), campaign.requester),
            (N_("Status"), status.label(campaign.status, lang)), (N_("Jumlah panggilan"), calls),
            (N_("Diekspor pada"), f"{now.astimezone(zone):%Y-%m-%d %H:%M} {zone_name}"),
            (N_("Diekspor oleh"), user.full_name or user.username),
            (N_("Keterangan"), localize(N_("Satu baris per panggilan. NPWP disamarkan (UU PDP); waktu dalam {zone}.",
                                             zone=zone_name), lang))]
    columns = [Column(localize(N_("Keterangan"), lang), 28), Column("", 60)]
    table(workbook, localize(N_("Keterangan"), lang), columns,
          [(localize(term, lang), value) for term, value in rows])


def campaign_calls(ctx: Context, who: Who, campaign_id: int, lang: str = "id") -> Download:
    """Every call attempt of a campaign as XLSX, for those who may read its report (``access.may_export_calls``)."""
    zone = ZoneInfo(ctx.settings.office_timezone)
    now = ctx.now()
    with access.acting(ctx, who) as (session, user):
        campaign = access.readable_campaign(session, user, campaign_id)
        access.may_export_calls(user, report_row(session, campaign.id))
        workbook = new_workbook()
        columns = _columns(lang, now.astimezone(zone).tzname() or "")
        sheet = add_sheet(workbook, localize(N_("Panggilan"), lang), columns)
        calls = write_rows(sheet, columns, _rows(session, campaign.id, zone, lang))
        _about(workbook, campaign, user, now, zone, calls, lang)
        audit(session, now, user.username, "calls_exported", None, campaign.id, data={"calls": calls})
        return finished(workbook, f"panggilan-kampanye-{campaign.id}.xlsx")
