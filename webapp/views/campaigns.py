"""Campaign pages: list, upload of the target list, campaign page with its import report, report page and the
signed report's PDF."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import campaign as campaigns
from engine import exports, pages
from engine.audit import ACCESS_ACTIONS
from engine.campaign import CampaignStatus
from engine.errors import InvalidInput
from engine.i18n import N_
from engine.pages import CampaignSort

from ..downloads import attachment
from ..i18n import current_language, t
from ..listing import kept, lenient_choice, lenient_int, lenient_text, page_args
from ..panels import report_values
from ..services import ctx, me

bp = Blueprint("campaigns", __name__)

SAMPLE_ROWS = (("npwp", "nama", "telepon", "kpp", "tahun_pajak"),
               ("01.234.567.8-091.000", "Budi Santoso", "081234567890;021-5551234",
                "KPP Pratama Jakarta Gambir Satu", "2025"),
               ("3171234567890001", "Siti Rahayu", "0857-1234-5678", "", "2025"))


# --- pages ---------------------------------------------------------------------------------------------

def may_upload() -> bool:
    return bool(current_user.may_upload)


CAMPAIGN_SORT_LABELS = {CampaignSort.NEWEST: N_("Terbaru"), CampaignSort.OLDEST: N_("Terlama"),
                        CampaignSort.TITLE: N_("Judul (A–Z)"), CampaignSort.STATUS: N_("Status (urutan proses)")}
CAMPAIGN_LIST_DEFAULTS = {"sort": CampaignSort.NEWEST, "page": 1, "per_page": pages.DEFAULT_PER_PAGE}


@bp.get("/kampanye")
@login_required
def index() -> Any:
    page, per_page = page_args()
    filters = pages.CampaignFilters(q=lenient_text("q"), status=lenient_choice("status", CampaignStatus, ""),
                                    sort=lenient_choice("sort", CampaignSort, CampaignSort.NEWEST), page=page,
                                    per_page=per_page)
    view = pages.campaign_list(ctx(), me(), filters, clamp=True)
    args = kept({"q": filters.q, "status": filters.status, "sort": filters.sort, "per_page": filters.per_page},
                CAMPAIGN_LIST_DEFAULTS)
    return render_template("campaigns/index.html", view=view, campaigns=view.campaigns, total=view.total,
                           counts=view.counts, statuses=tuple(CampaignStatus), status=filters.status,
                           sorts=CAMPAIGN_SORT_LABELS.items(), args=args, paging=view.paging,
                           CampaignSort=CampaignSort, may_upload=may_upload())


def _upload_fields(exc: InvalidInput, has_file: bool) -> dict[str, str]:
    fields = {name: t(text) for name, text in exc.fields.items()}
    if not has_file:
        fields["file"] = t("Pilih berkas .csv atau .xlsx yang akan diunggah.")
    return fields


@bp.route("/kampanye/unggah", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    if request.method == "GET":
        page = pages.upload_page(ctx(), me())
        return render_template("campaigns/upload.html", form={}, fields={}, page=page), \
            200 if page.may_upload else 403
    upload_file, form = request.files.get("file"), request.form
    filename = (upload_file.filename or "") if upload_file else ""
    title, requester, topic = (form.get(name, "") for name in ("title", "requester", "topic"))
    try:
        view = campaigns.create_campaign(ctx(), me(), filename, upload_file.stream if upload_file else b"",
                                         title, requester, topic)
    except InvalidInput as exc:
        return render_template("campaigns/upload.html", form=form, error=t(exc.message),
                               page=pages.upload_page(ctx(), me()), fields=_upload_fields(exc, bool(filename))), 422
    report = view.import_report
    flash(t("Data diunggah: {accepted} dari {rows} baris diterima, {rejected} ditolak, {duplicates} duplikat. "
            "Proses SOP dimulai.", **{k: report[k] for k in ("accepted", "rows", "rejected", "duplicates")}),
          "warning" if report["rejected"] or report["duplicates"] else "success")
    if request.accept_mimetypes.best == "application/json":  # upload.js: it opens the page itself
        return jsonify(location=url_for(".show", campaign_id=view.id))
    return redirect(url_for(".show", campaign_id=view.id))


@bp.get("/kampanye/contoh.csv")
@login_required
def sample_file() -> Any:
    """A small example target list showing the expected columns (for those who may upload one)."""
    if not pages.upload_page(ctx(), me()).may_upload:
        abort(403)
    out = io.StringIO()
    csv.writer(out).writerows(SAMPLE_ROWS)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=contoh-data-kampanye.csv"})


@bp.get("/kampanye/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> Any:
    page = pages.campaign_page(ctx(), me(), campaign_id)
    return render_template("campaigns/show.html", campaign=page.campaign, page=page,
                           report=campaigns.localized_report(page.campaign.import_report, current_language()))


@bp.get("/kampanye/<int:campaign_id>/laporan")
@login_required
def report(campaign_id: int) -> Any:
    page = pages.report_page(ctx(), me(), campaign_id)
    return render_template("campaigns/report.html", page=page, printed_at=ctx().now(), **report_values(page))


@bp.get("/kampanye/<int:campaign_id>/panggilan.xlsx")
@login_required
def calls_xlsx(campaign_id: int) -> Any:
    """Every call attempt of the campaign (the report's annex) as a spreadsheet, in the reader's language."""
    return attachment(exports.campaign_calls(ctx(), me(), campaign_id, current_language()))


@bp.get("/kampanye/<int:campaign_id>/laporan.pdf")
@login_required
def report_pdf(campaign_id: int) -> Any:
    """The signed report's PDF, byte for byte as signed: shown by the browser, saved under its number."""
    filename, pdf = campaigns.signed_report_pdf(ctx(), me(), campaign_id)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"'})



# --- the personal-data access log (UU PDP) ----------------------------------------------------------------

# What each kind of access showed, as the log lists it (wrapped in _() by the template).
ACCESS_LABELS = {
    "contacts_listed": N_("Membuka daftar kontak"),
    "contact_viewed": N_("Membuka halaman kontak"),
    "call_recorded": N_("Mencatat panggilan"),
    "call_samples_viewed": N_("Membuka sampel panggilan (penilaian kualitas)"),
    "access_log_viewed": N_("Membuka log akses data pribadi"),
}
MAX_CONTACT_ID = 2**31 - 1


@bp.get("/kampanye/<int:campaign_id>/akses-data")
@login_required
def access_log(campaign_id: int) -> Any:
    """Who was shown which taxpayers' data of this campaign, when, through which screen (the office roles)."""
    page_number, _ = page_args()
    filters = pages.AccessFilters(username=lenient_text("pengguna", 64), contact_id=lenient_int("kontak", None, 1,
                                                                                                 MAX_CONTACT_ID),
                                  action=lenient_choice("jenis", ACCESS_ACTIONS, ""), page=page_number)
    page = pages.access_log_page(ctx(), me(), campaign_id, filters)
    args = kept({"pengguna": filters.username, "kontak": filters.contact_id, "jenis": filters.action}, {})
    return render_template("campaigns/access_log.html", page=page, labels=ACCESS_LABELS, args=args)
