"""Process documentation: the deployed model per version, its printable SOP, process performance."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, url_for
from flask_login import login_required

from engine import pages
from engine.i18n import N_

from ..i18n import current_language, t
from ..services import ctx, me

bp = Blueprint("docs", __name__)

@bp.app_template_filter("step_hours")
def step_hours(hours: float | None) -> str:
    """Working time spent in a step: '40 detik', '25 menit', '3,5 jam', '2,1 hari kerja' (24 hours on working days
    make a working day; see ``engine.pages.performance``)."""
    if hours is None:
        return "—"
    seconds = round(hours * 3600)
    if seconds < 60:
        return t("{n} detik", n=seconds)
    if seconds < 3600:
        return t("{n} menit", n=seconds // 60)
    value, unit = (hours, N_("{n} jam")) if round(hours, 1) < 24 else (hours / 24, N_("{n} hari kerja"))
    text = f"{value:.1f}"
    return t(unit, n=text.replace(".", ",") if current_language() == "id" else text)


@bp.get("/dokumentasi")
@bp.get("/dokumentasi/versi/<int:version_id>")
@bp.get("/dokumentasi/proses/<process_id>")
@login_required
def index(version_id: int | None = None, process_id: str | None = None) -> Any:
    page = pages.documentation_page(ctx(), me(), version_id, process_id)
    return render_template("docs/index.html", page=page, version=page.version)


@bp.get("/dokumentasi/versi/<int:version_id>/sop")
@login_required
def sop_document(version_id: int) -> Any:
    appendix = url_for("docs.sop_appendix", version_id=version_id)
    return Response(pages.sop_document_html(ctx(), me(), version_id, appendix), mimetype="text/html")


@bp.get("/dokumentasi/versi/<int:version_id>/sop/lampiran")
@login_required
def sop_appendix(version_id: int) -> Any:
    sop = url_for("docs.sop_document", version_id=version_id)
    return Response(pages.sop_appendix_html(ctx(), me(), version_id, sop), mimetype="text/html")


@bp.get("/dokumentasi/versi/<int:version_id>/model.bpmn")
@login_required
def bpmn_file(version_id: int) -> Any:
    version = pages.version_bpmn(ctx(), me(), version_id)
    return Response(version.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{version.process_id}-versi-{version_id}.bpmn"'})


@bp.get("/dokumentasi/kinerja")
@bp.get("/dokumentasi/proses/<process_id>/kinerja")
@login_required
def performance(process_id: str | None = None) -> Any:
    page = pages.performance_page(ctx(), me(), process_id=process_id)
    return render_template("docs/performance.html", page=page, perf=page.performance, notes=_with_times(page))


def _with_times(page: pages.PerformancePage) -> dict[str, dict[str, Any]]:
    """The shape notes plus each step's measured times, shown in the side panel."""
    notes: dict[str, dict[str, Any]] = {eid: dict(note) for eid, note in page.notes.items()}
    for step in page.performance.steps:
        notes.setdefault(step.element_id, {})["facts"] = [
            (t("Diselesaikan"), t("{n} kali", n=step.completions)), (t("Median"), step_hours(step.median_hours)),
            (t("Persentil ke-90"), step_hours(step.p90_hours))]
    return notes

