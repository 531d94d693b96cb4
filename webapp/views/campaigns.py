"""Campaign pages: list, upload of the target list, campaign page with its import report, report page.

Also the formatting filters shared by the campaign and call templates (dates in office time, numbers,
percentages, phone numbers, call outcomes) and the ``report_panel`` contract used by the task pages.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.routing import BuildError

from engine import calls_support, campaigns
from engine import outcomes as outcome_codes
from engine.errors import InvalidInput

from ..i18n import current_language, t
from ..services import ctx, me

bp = Blueprint("campaigns", __name__)

UPLOAD_ROLES = ("kasi", "pelaksana", "pengguna_layanan")
STATUSES = ("berjalan", "penyampaian", "selesai")
MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
SAMPLE_ROWS = (("npwp", "nama", "telepon", "kpp", "tahun_pajak"),
               ("01.234.567.8-091.000", "Budi Santoso", "081234567890;021-5551234", "KPP Pratama Jakarta Gambir Satu", "2025"),
               ("3171234567890001", "Siti Rahayu", "0857-1234-5678", "", "2025"))


# --- formatting filters (registered app-wide; used by the campaigns and calls templates) -------------

def office_zone() -> ZoneInfo:
    return ZoneInfo(ctx().settings.office_timezone)


@bp.app_template_filter("wib_date")
def wib_date(value: datetime | None, time: bool = True) -> str:
    """An aware datetime in office time: '17 Mar 2026 10:00 WIB' (or just the date)."""
    if value is None:
        return "—"
    zone = office_zone()
    local = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)
    text = f"{local.day} {MONTHS[current_language()][local.month - 1]} {local.year}"
    return f"{text} {local:%H:%M} {ZONE_NAMES.get(zone.key, local.tzname())}" if time else text


@bp.app_template_filter("num")
def number(value: int | float | None) -> str:
    """Thousands separators as readers expect them: 12.345 (id) or 12,345 (en)."""
    text = f"{int(value or 0):,}"
    return text.replace(",", ".") if current_language() == "id" else text


@bp.app_template_filter("pct")
def percent(fraction: float | None, digits: int = 1) -> str:
    text = f"{100 * (fraction or 0):.{digits}f}"
    return (text.replace(".", ",") if current_language() == "id" else text) + "%"


@bp.app_template_filter("phone_display")
def phone_display(e164: str) -> str:
    """+6281234567890 → 0812-3456-7890 (national format); anything unparsable is shown as stored."""
    try:
        number_ = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number_, phonenumbers.PhoneNumberFormat.NATIONAL)


@bp.app_template_filter("outcome_label")
def outcome_label(code: str | None) -> str:
    if not code:
        return "—"
    return outcome_codes.label(code, current_language()) if code in outcome_codes.OUTCOMES else code


@bp.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


@bp.app_template_global("optional_url")
def optional_url(endpoint: str, **values: Any) -> str | None:
    """A URL for an endpoint of another area, or None while that area is not registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# --- pages ---------------------------------------------------------------------------------------------

def may_upload() -> bool:
    return bool(current_user.has_role(*UPLOAD_ROLES))


@bp.get("/kampanye")
@login_required
def index() -> Any:
    items = campaigns.list_campaigns(ctx(), me())
    status = request.args.get("status", "")
    counts = {s: sum(1 for c in items if c.status == s) for s in STATUSES}
    shown = [c for c in items if c.status == status] if status in STATUSES else items
    return render_template("campaigns/index.html", campaigns=shown, total=len(items), counts=counts,
                           status=status, may_upload=may_upload())


def _upload_fields(exc: InvalidInput, has_file: bool) -> dict[str, str]:
    fields = {name: t(text) for name, text in exc.fields.items()}
    if not has_file:
        fields["file"] = t("Pilih berkas .csv atau .xlsx yang akan diunggah.")
    return fields


@bp.route("/kampanye/unggah", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    if request.method == "GET":
        return render_template("campaigns/upload.html", form={}, fields={}, may_upload=may_upload()), \
            200 if may_upload() else 403
    upload_file, form = request.files.get("file"), request.form
    filename = (upload_file.filename or "") if upload_file else ""
    try:
        view = campaigns.create_campaign(ctx(), me(), filename, upload_file.read() if upload_file else b"",
                                         form.get("title", ""), form.get("requester", ""), form.get("topic", ""))
    except InvalidInput as exc:
        return render_template("campaigns/upload.html", form=form, error=t(exc.message), may_upload=may_upload(),
                               fields=_upload_fields(exc, bool(filename))), 422
    report = view.import_report
    flash(t("Data diunggah: {accepted} dari {rows} baris diterima, {rejected} ditolak, {duplicates} duplikat. "
            "Proses SOP dimulai.", **{k: report[k] for k in ("accepted", "rows", "rejected", "duplicates")}),
          "warning" if report["rejected"] or report["duplicates"] else "success")
    return redirect(url_for(".show", campaign_id=view.id))


@bp.get("/kampanye/contoh.csv")
@login_required
def sample_file() -> Any:
    """A small example target list showing the expected columns."""
    out = io.StringIO()
    csv.writer(out).writerows(SAMPLE_ROWS)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=contoh-data-kampanye.csv"})


@bp.get("/kampanye/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> Any:
    campaign = campaigns.get_campaign(ctx(), me(), campaign_id)
    return render_template("campaigns/show.html", campaign=campaign, report=campaign.import_report)


@bp.get("/kampanye/<int:campaign_id>/laporan")
@login_required
def report(campaign_id: int) -> Any:
    page = calls_support.report_page(ctx(), me(), campaign_id)
    return render_template("campaigns/report.html", page=page, printed_at=ctx().now(), **_panel_values(page))


def _panel_values(page: calls_support.ReportPage) -> dict[str, Any]:
    figures = page.report["figures"]
    return {"figures": figures, "report": page.report, "names": page.names,
            "outcome_rows": [(outcome, figures.get("by_outcome", {}).get(code, 0),
                              figures.get("attempts_by_outcome", {}).get(code, 0))
                             for code, outcome in outcome_codes.OUTCOMES.items()]}


def report_panel(campaign_id: int) -> Markup:
    """Contract for the task pages (report_draft/review/sign): the report figures and signature block."""
    page = calls_support.report_page(ctx(), me(), campaign_id)
    return Markup(render_template("campaigns/_report_panel.html", **_panel_values(page)))
