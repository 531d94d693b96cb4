"""The dashboard's tables as a spreadsheet: one sheet per table, the parts the user sees, in their language."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from .. import access
from ..access import Who
from ..campaign import status
from ..context import Context
from ..i18n import N_, localize
from ..pages.dashboard import DEFAULT_DAYS, Dashboard, Operations, dashboard_of
from ..users import role_label
from .xlsx import DATE, DATETIME, PERCENT, Column, Download, finished, new_workbook, office_time, table


class _Sheets:
    """Writes the tables of one dashboard in one language, times in office time."""

    def __init__(self, workbook: Workbook, lang: str, zone: ZoneInfo, zone_name: str):
        self.workbook, self.lang, self.zone, self.zone_name = workbook, lang, zone, zone_name

    def t(self, text: str) -> str:
        return localize(text, self.lang)

    def col(self, text: str, width: float = 14, number_format: str | None = None) -> Column:
        return Column(self.t(text), width, number_format)

    def when(self, text: str) -> Column:
        """A column of office times, its header naming the zone."""
        return Column(f"{self.t(text)} ({self.zone_name})", 17, DATETIME)

    def local(self, value: datetime | None) -> datetime | None:
        return office_time(value, self.zone)

    def sheet(self, title: str, columns: Sequence[Column], rows: list[Sequence[Any]], total: int | None = None) -> None:
        if total is not None and total > len(rows):
            note = localize(N_("Ditampilkan {shown} dari {total}.", shown=len(rows), total=total), self.lang)
            rows = [*rows, [note, *([None] * (len(columns) - 1))]]
        table(self.workbook, self.t(title), columns, rows)

    def operations(self, ops: Operations) -> None:
        self.sheet(N_("Status kampanye"), [
            self.col(N_("Status"), 24), self.col(N_("Kampanye")), self.col(N_("Kontak")),
            self.col(N_("Kontak selesai")), self.col(N_("Progres"), 12, PERCENT)],
            [[status.label(s.status, self.lang), s.campaigns, s.contacts, s.final, s.progress] for s in ops.statuses])
        self.sheet(N_("Progres kampanye"), [
            self.col("ID", 8), self.col(N_("Judul kampanye"), 40), self.col(N_("Status"), 24), self.col(N_("Kontak")),
            self.col(N_("Kontak selesai")), self.col(N_("Progres"), 12, PERCENT), self.col(N_("Kontak terhubung")),
            self.col(N_("Tingkat keterhubungan"), 14, PERCENT), self.col(N_("Panggilan"))],
            [[c.id, c.title, status.label(c.status, self.lang), c.contacts, c.final, c.progress, c.reached,
              c.reach_rate, c.attempts] for c in ops.campaigns], ops.campaigns_total)
        self.sheet(N_("Panggilan per hari"), [self.col(N_("Tanggal"), 14, DATE), self.col(N_("Panggilan"))],
                   [[d.day, d.calls] for d in ops.calls_per_day])
        self.sheet(N_("Beban agen"), [
            self.col(N_("Agen"), 28), self.col(N_("Nama pengguna"), 16), self.col(N_("Kontak terbuka")),
            self.col(N_("Panggilan hari ini")), self.col(N_("Kampanye berjalan"))],
            [[a.name, a.username, a.open_contacts, a.calls_today, a.campaigns] for a in ops.agents])
        self.sheet(N_("Tugas terlambat"), [
            self.col(N_("Tugas"), 40), self.col(N_("Judul kampanye"), 32), self.col(N_("Lajur"), 28),
            self.col(N_("Ditugaskan kepada"), 18), self.when(N_("Batas waktu"))],
            [[o.name, o.campaign_title, self.t(role_label(o.role or "")), o.assignee_name or "", self.local(o.due_at)]
             for o in ops.overdue], ops.overdue_total)
        self.deadlines(ops)

    def deadlines(self, ops: Operations) -> None:
        self.sheet(N_("Batas waktu laporan"), [
            self.col(N_("Judul kampanye"), 40), self.when(N_("Batas waktu")), self.col(N_("Sisa hari kerja"), 16),
            self.col(N_("Keterangan"), 24)],
            [[d.title, self.local(d.due_at), d.working_days_left,
              self.t(N_("Terlampaui") if d.passed else N_("Berjalan"))] for d in ops.deadlines])
        self.sheet(N_("Pelanggaran batas laporan"), [
            self.col(N_("Judul kampanye"), 40), self.when(N_("Batas waktu")), self.when(N_("Ditandatangani")),
            self.col(N_("Keterangan"), 36)],
            [[b.title, self.local(b.due_at), self.local(b.signed_at),
              self.t(N_("Ditandatangani setelah batas waktu") if b.signed_at else N_("Belum ditandatangani"))]
             for b in ops.breaches])

    def quality(self, rows: Sequence[Any]) -> None:
        self.sheet(N_("Kualitas agen"), [
            self.col(N_("Agen"), 28), self.col(N_("Nama pengguna"), 16), self.col(N_("Rata-rata skor (0–100)"), 14),
            self.col(N_("Penilaian disetujui")), self.col(N_("Panggilan dinilai")),
            self.when(N_("Terakhir disetujui"))],
            [[q.name, q.username, round(q.average, 1), q.results, q.calls, self.local(q.last_approved_at)]
             for q in rows])


def dashboard_tables(ctx: Context, who: Who, lang: str = "id", days: int = DEFAULT_DAYS) -> Download:
    """The dashboard's tables (the parts the user may see) as XLSX, one sheet per table."""
    with access.acting(ctx, who) as (session, user):
        board: Dashboard = dashboard_of(ctx, session, user, days)
    zone = ZoneInfo(ctx.settings.office_timezone)
    local = board.at.astimezone(zone)
    sheets = _Sheets(new_workbook(), lang, zone, local.tzname() or "")
    if board.operations is not None:
        sheets.operations(board.operations)
    if board.quality is not None:
        sheets.quality(board.quality)
    return finished(sheets.workbook, f"dasbor-klip-{local:%Y-%m-%d}.xlsx")
