"""The process analysts' pages (role analis): processes and versions, visual diff, model upload with its lint
findings, the web modeler (bpmn-js) and deploying a draft. The engine authorizes and audits (``engine.drafts``,
``engine.pages.analyst``); these views only parse the request."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from engine import drafts, process
from engine import pages as engine_pages
from engine.errors import InvalidInput, KlipError, NotAuthenticated
from engine.i18n import N_

from ..errors import status_of
from ..i18n import current_language, t
from ..listing import lenient_int
from ..services import ctx, me

bp = Blueprint("analyst", __name__, url_prefix="/analis")

BPMNJS_VERSION = "18.31.1"  # the Makefile's BPMNJS_VERSION (`make modeler` fetches it)
BPMNJS_DIR = f"vendor/bpmn-js/{BPMNJS_VERSION}"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"in_language": lambda text: text.render(current_language()) if text is not None else ""}


@bp.get("")
@login_required
def index() -> Any:
    return render_template("analyst/index.html", page=engine_pages.processes_page(ctx(), me()))


@bp.get("/versi/<int:version_id>")
@login_required
def version(version_id: int) -> Any:
    return render_template("analyst/version.html", page=engine_pages.version_page(ctx(), me(), version_id))


@bp.get("/beda")
@login_required
def diff() -> Any:
    old, new = lenient_int("lama", None, 1, 2**31 - 1), lenient_int("baru", None, 1, 2**31 - 1)
    return render_template("analyst/diff.html", page=engine_pages.diff_page(ctx(), me(), old, new))


@bp.route("/unggah", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    if request.method == "GET":
        drafts.process_ids(ctx(), me())  # authorizes: the form is the analysts'
        return render_template("analyst/upload.html", errors={})
    files = [(f.filename or "", f.read()) for f in request.files.getlist(drafts.FORM_FIELD)]
    try:
        view = drafts.upload(ctx(), me(), files)
    except InvalidInput as exc:
        return render_template("analyst/upload.html", errors=exc.fields, error=exc.message), 422
    return redirect(url_for(".draft", draft_id=view.id))


@bp.get("/draf/<int:draft_id>")
@login_required
def draft(draft_id: int) -> Any:
    return render_template("analyst/draft.html", page=engine_pages.draft_page(ctx(), me(), draft_id), errors={})


@bp.post("/draf/<int:draft_id>/deploy")
@login_required
def deploy(draft_id: int) -> Any:
    try:
        done = drafts.deploy(ctx(), me(), draft_id, request.form.get("note", ""))
    except InvalidInput as exc:
        page = engine_pages.draft_page(ctx(), me(), draft_id)
        return render_template("analyst/draft.html", page=page, errors=exc.fields, error=exc.message,
                               note=request.form.get("note", "")), 422
    if not done.created:
        flash(t("Tidak ada perubahan: model ini sama dengan versi v{number} (#{id}) yang sudah di-deploy; tidak ada "
                "versi baru.", number=done.number, id=done.version_id), "warning")
        return redirect(url_for(".version", version_id=done.version_id))
    flash(t("Versi v{number} (#{id}) di-deploy dan menjadi versi aktif.", number=done.number, id=done.version_id))
    return redirect(url_for(".version", version_id=done.version_id))


@bp.get("/modeler")
@login_required
def modeler() -> Any:
    page = engine_pages.modeler_page(ctx(), me(), lenient_int("draf", None, 1, 2**31 - 1),
                                     request.args.get("proses") or None)
    static = Path(current_app.static_folder or "") / BPMNJS_DIR / "dist" / "bpmn-modeler.production.min.js"
    return render_template("analyst/modeler.html", page=page, source=page.source,
                           bpmnjs=BPMNJS_DIR if static.exists() else None)


@bp.post("/modeler/simpan")
@login_required
def modeler_save() -> Any:
    """The modeler's save (JSON in, JSON out): the lint's findings for the page to mark on the elements."""
    sent = request.get_json(silent=True)
    body: dict[str, Any] = sent if isinstance(sent, dict) else {}
    forms: dict[str, Any] = body["forms"] if isinstance(body.get("forms"), dict) else {}
    try:
        draft_id = body.get("draft_id")
        view = drafts.save(ctx(), me(), draft_id if isinstance(draft_id, int) and 0 < draft_id < 2**31 else None,
                           str(body.get("bpmn") or ""), {str(k): str(v) for k, v in forms.items()},
                           str(body.get("filename") or "") or None)
    except KlipError as exc:
        if isinstance(exc, NotAuthenticated):
            raise
        fields = {k: t(v) for k, v in getattr(exc, "fields", {}).items()}
        return jsonify(error=exc.code, message=t(exc.message), fields=fields), status_of(exc)
    lang = current_language()
    return jsonify(draft_id=view.id, errors=view.errors, warnings=view.warnings,
                   same_as_version=view.same_as_version, draft_url=url_for(".draft", draft_id=view.id),
                   deploy_url=url_for(".deploy", draft_id=view.id),
                   findings=[{"number": f.number, "element": f.element_id, "severity": f.severity, "rule": f.rule,
                              "file": f.file, "line": f.line, "column": f.column,
                              "message": f.message.render(lang), "hint": f.hint.render(lang) if f.hint else ""}
                             for f in view.findings])


@bp.get("/migrasi")
@login_required
def migration() -> Any:
    page = engine_pages.migration_page(ctx(), me(), lenient_int("ke", None, 1, 2**31 - 1))
    return render_template("analyst/migration.html", page=page)


@bp.post("/migrasi")
@login_required
def migrate() -> Any:
    """Move the eligible running instances (``semua``), or one (``instans``), to version ``ke``."""
    to, one = _form_int("ke"), _form_int("instans")
    if to is None or (one is None and not request.form.get("semua")):
        drafts.process_ids(ctx(), me())  # authorizes first: the refusal is the analysts' only
        raise InvalidInput(N_("Pilih versi tujuan dan instans yang dipindah."), {"ke": N_("Pilih versi.")})
    if one is not None:
        plan = process.migrate(ctx(), me(), one, to)
        if plan.moved:
            flash(t("Instans #{id} dipindah ke v{n}.", id=one, n=plan.to_number))
        else:
            flash(t("Instans #{id} tidak dipindah: {reason}", id=one, reason=t(plan.reason or "")), "error")
    else:
        plans = process.migrate_all_eligible(ctx(), me(), to)
        moved = sum(1 for p in plans if p.moved)
        flash(t("{moved} dari {total} instans dipindah ke versi #{id}.", moved=moved, total=len(plans), id=to))
    return redirect(url_for(".migration", ke=to))


def _form_int(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else None
