"""Inbox, task pages (schema forms and step panels), claims, comments, notifications; the ``wib`` filter."""
from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from engine import campaigns, instances
from engine import tasks as engine_tasks
from engine.errors import InvalidInput, KlipError
from engine.tasks_support import TaskPage, task_page
from engine.tasks_support import inbox as load_inbox

from .. import schema_form
from ..filters import office_tz
from ..i18n import current_language, t
from ..services import ctx, me

bp = Blueprint("tasks", __name__)

SCOPES = (("all", "Semua"), ("mine", "Milik saya"), ("lane", "Lajur saya"), ("overdue", "Terlambat"))
REPORT_VIEWS = ("report_draft", "report_review", "report_sign")
@bp.get("/")
@login_required
def inbox() -> Any:
    view = load_inbox(ctx(), me(), request.args.get("filter", "all"))
    return render_template("tasks/inbox.html", inbox=view, scopes=SCOPES)


def _claim(task_id: str, take: bool) -> Any:
    try:
        engine_tasks.claim_task(ctx(), me(), task_id, claim=take)
        flash(t("Tugas Anda klaim; rekan selajur melihat bahwa Anda mengerjakannya.") if take
              else t("Klaim dilepas; tugas kembali terbuka untuk lajur Anda."))
    except KlipError as exc:
        flash(exc.message, "error")
    return redirect(url_for("tasks.inbox", filter=request.form.get("filter") or None))


@bp.post("/tugas/<task_id>/klaim")
@login_required
def claim(task_id: str) -> Any:
    return _claim(task_id, True)


@bp.post("/tugas/<task_id>/lepas")
@login_required
def unclaim(task_id: str) -> Any:
    return _claim(task_id, False)


@bp.route("/tugas/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str) -> Any:
    page = task_page(ctx(), me(), task_id)
    if request.method == "GET":
        return _render(page, page.prefill)
    data = schema_form.coerce(page.detail.schema, request.form, office_tz())
    if request.form.get("action") == "preview" and page.detail.task.view == "distribution":
        return _preview(page, data)
    try:
        engine_tasks.complete_task(ctx(), me(), task_id, data)
    except InvalidInput as exc:
        return _render(page, data, exc.fields), 422
    flash(t("Tugas “{name}” selesai.", name=page.detail.task.name))
    return redirect(url_for("tasks.inbox"))


def _agents_field(page: TaskPage) -> str:
    props = page.detail.schema.get("properties", {})
    return next((name for name, prop in props.items() if prop.get("x-role") == "agen"), "agen")


def _preview(page: TaskPage, data: dict[str, Any]) -> Any:
    """Step 4: how many contacts each chosen agent would get; nothing is stored."""
    agents = data.get(_agents_field(page), [])
    try:
        counts = campaigns.preview_distribution(ctx(), me(), page.detail.task.campaign_id or 0, agents)
    except InvalidInput as exc:
        return _render(page, data, {_agents_field(page): msg for msg in exc.fields.values()}), 422
    return _render(page, data, preview=counts)


def _panel(page: TaskPage) -> Markup | None:
    """The richer screen of steps 5–8, from the owning area (absent while it is being written)."""
    task_view, cid = page.detail.task.view, page.detail.task.campaign_id
    if task_view == "call_list":
        panel = getattr(importlib.import_module("webapp.views.calls"), "assignment_panel", None)
        return panel(page.detail) if panel else None
    if task_view in REPORT_VIEWS and cid:
        panel = getattr(importlib.import_module("webapp.views.campaigns"), "report_panel", None)
        return panel(cid) if panel else None
    return None


def _render(page: TaskPage, values: dict[str, Any], errors: dict[str, str] | None = None,
            preview: dict[str, int] | None = None) -> str:
    errors = errors or {}
    fields = schema_form.fields(page.detail.schema, values, errors, lang=current_language(), tr=t,
                                holders=lambda role: page.role_holders.get(role, ()), tz=office_tz())
    names = {u.username: u.full_name or u.username for users in page.role_holders.values() for u in users}
    return render_template("tasks/task.html", page=page, detail=page.detail, task=page.detail.task, fields=fields,
                           general=[t(m) for m in schema_form.general_errors(page.detail.schema, errors)],
                           has_errors=bool(errors), panel=_panel(page), preview=preview, names=names,
                           report_views=REPORT_VIEWS)


@bp.post("/tugas/<task_id>/komentar")
@login_required
def comment(task_id: str) -> Any:
    try:
        instances.add_comment(ctx(), me(), task_id, request.form.get("text", ""))
        flash(t("Komentar disimpan; petugas pada langkah berikutnya akan melihatnya."))
    except InvalidInput:
        flash(t("Komentar tidak disimpan: isi komentar (paling panjang 4000 karakter)."), "error")
    return redirect(url_for("tasks.task", task_id=task_id, _anchor="komentar"))


@bp.get("/pemberitahuan")
@login_required
def notifications() -> Any:
    return render_template("tasks/notifications.html", items=instances.notifications(ctx(), me()))


@bp.post("/pemberitahuan/<int:notification_id>/dibaca")
@login_required
def read_notification(notification_id: int) -> Any:
    instances.mark_read(ctx(), me(), notification_id)
    flash(t("Pemberitahuan ditandai sudah dibaca."))
    return redirect(url_for("tasks.notifications"))
