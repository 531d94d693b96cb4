"""Campaign pages: list, upload of the target list, campaign page with its import report, report page."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import campaign as campaigns
from engine import pages
from engine.campaign import CampaignStatus
from engine.errors import InvalidInput

from ..i18n import t
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


@bp.get("/kampanye")
@login_required
def index() -> Any:
    items = campaigns.list_campaigns(ctx(), me())
    status = request.args.get("status", "")
    counts = {s: sum(1 for c in items if c.status == s) for s in CampaignStatus}
    shown = [c for c in items if c.status == status] if status in counts else items
    return render_template("campaigns/index.html", campaigns=shown, total=len(items), counts=counts,
                           statuses=tuple(CampaignStatus), status=status, may_upload=may_upload())


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
    title, requester, topic = (form.get(name, "") for name in ("title", "requester", "topic"))
    try:
        view = campaigns.create_campaign(ctx(), me(), filename, upload_file.read() if upload_file else b"",
                                         title, requester, topic)
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
    page = pages.report_page(ctx(), me(), campaign_id)
    return render_template("campaigns/report.html", page=page, printed_at=ctx().now(), **report_values(page))

