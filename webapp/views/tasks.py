"""Inbox, task pages (schema forms and step panels), claims, comments, notifications."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import instances, pages, quality
from engine import tasks as engine_tasks
from engine.access import TaskScope
from engine.errors import Conflict, InvalidInput, TaskClaimed, TaskNotReady
from engine.i18n import N_
from engine.pages import TaskSort
from engine.pages.tasks import MAX_FILTER_VALUE

from .. import panels, schema_form
from ..filters import office_tz
from ..i18n import current_language, t
from ..listing import kept, lenient_choice, lenient_int, lenient_text, page_args
from ..services import ctx, me

bp = Blueprint("tasks", __name__)

SCOPE_LABELS = {TaskScope.ALL: N_("Semua"), TaskScope.MINE: N_("Milik saya"), TaskScope.LANE: N_("Lajur saya"),
                TaskScope.OVERDUE: N_("Terlambat")}
SORT_LABELS = {TaskSort.DUE: N_("Batas waktu terdekat"), TaskSort.AGE: N_("Paling lama menunggu"),
               TaskSort.CAMPAIGN: N_("Kampanye (A–Z)")}
# The inbox's query parameters (the scope tab is ``filter``) and their defaults, left out of links.
INBOX_PARAMS = ("filter", "q", "campaign", "step", "lane", "sort", "page", "per_page")
INBOX_DEFAULTS = {"filter": TaskScope.ALL, "sort": TaskSort.DUE, "page": 1, "per_page": pages.DEFAULT_PER_PAGE}
MAX_CAMPAIGN_ID = 2**31 - 1


def _inbox_filters() -> pages.TaskFilters:
    page, per_page = page_args()
    return pages.TaskFilters(q=lenient_text("q"), campaign=lenient_int("campaign", None, 1, MAX_CAMPAIGN_ID),
                             step=lenient_text("step", MAX_FILTER_VALUE), lane=lenient_text("lane", MAX_FILTER_VALUE),
                             scope=lenient_choice("filter", TaskScope, TaskScope.ALL),
                             sort=lenient_choice("sort", TaskSort, TaskSort.DUE), page=page, per_page=per_page)


def _inbox_args(filters: pages.TaskFilters) -> dict[str, Any]:
    """The parameters that show this list again (the page apart): for the tabs, the pager and the claim forms."""
    return kept({"filter": filters.scope, "q": filters.q, "campaign": filters.campaign, "step": filters.step,
                 "lane": filters.lane, "sort": filters.sort, "per_page": filters.per_page}, INBOX_DEFAULTS)


@bp.get("/")
@login_required
def inbox() -> Any:
    view = pages.inbox(ctx(), me(), _inbox_filters())
    return render_template("tasks/inbox.html", inbox=view, scopes=SCOPE_LABELS.items(), sorts=SORT_LABELS.items(),
                           args=_inbox_args(view.filters), paging=view.paging, TaskSort=TaskSort)


def _claim(task_id: str, take: bool) -> Any:
    try:
        engine_tasks.claim_task(ctx(), me(), task_id, claim=take)
        flash(t("Tugas Anda klaim; rekan selajur melihat bahwa Anda mengerjakannya.") if take
              else t("Klaim dilepas; tugas kembali terbuka untuk lajur Anda."))
    except (TaskNotReady, TaskClaimed, Conflict) as exc:  # taken, gone or changed meanwhile: back to the inbox
        flash(t(exc.message), "error")
    back: dict[str, Any] = {name: request.form[name] for name in INBOX_PARAMS if request.form.get(name)}  # as it was
    return redirect(url_for("tasks.inbox", **back))


@bp.post("/tugas/<task_id>/klaim")
@login_required
def claim(task_id: str) -> Any:
    return _claim(task_id, True)


@bp.post("/tugas/<task_id>/lepas")
@login_required
def unclaim(task_id: str) -> Any:
    return _claim(task_id, False)


def _submitted(schema: dict[str, Any]) -> dict[str, Any]:
    """The posted form read as the task's JSON Schema says (numbers, dates, lists, office time)."""
    return schema_form.coerce(schema, request.form, office_tz())


@bp.route("/tugas/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str) -> Any:
    if request.method == "GET":
        page = pages.task_page(ctx(), me(), task_id)
        return _render(page, page.prefill)
    if request.form.get("action") == "preview":  # step 4: how the chosen agents would share; nothing stored
        page = pages.task_page(ctx(), me(), task_id, preview=_submitted)
        errors = {pages.agents_field(page.detail.schema): page.preview_error} if page.preview_error else {}
        return _render(page, _submitted(page.detail.schema), errors), 422 if errors else 200
    try:
        done = engine_tasks.complete_task(ctx(), me(), task_id, _submitted)
    except InvalidInput as exc:  # only now is the page built: to show the form again with its errors
        page = pages.task_page(ctx(), me(), task_id)
        return _render(page, _submitted(page.detail.schema), exc.fields), 422
    flash(t("Tugas “{name}” selesai.", name=done.name))
    return redirect(url_for("tasks.inbox"))


def _render(page: pages.TaskPage, values: dict[str, Any], errors: dict[str, str] | None = None) -> str:
    errors = errors or {}
    fields = schema_form.fields(page.detail.schema, values, errors, lang=current_language(), tr=t,
                                holders=lambda role: page.role_holders.get(role, ()), tz=office_tz())
    names = {u.username: u.full_name or u.username for users in page.role_holders.values() for u in users}
    return render_template("tasks/task.html", page=page, detail=page.detail, task=page.detail.task, fields=fields,
                           general=[t(m) for m in schema_form.general_errors(page.detail.schema, errors)],
                           has_errors=bool(errors), panel=panels.task_panel(page), preview=page.preview,
                           names=names, sheet=_score_sheet(page, values, errors),
                           sheet_error=t(errors[quality.SHEET_FIELD]) if errors.get(quality.SHEET_FIELD) else "")


def _score_sheet(page: pages.TaskPage, values: dict[str, Any],
                 errors: dict[str, str]) -> list[tuple[pages.SampleView, list[schema_form.Field]]]:
    """An agent's score sheet: each sampled call with the fields that score it (``penilaian/<i>/<field>``),
    filled in from what was submitted (or last submitted for this agent)."""
    if page.quality is None or page.quality.view != "qa_score":
        return []
    given = {entry.get(quality.SAMPLE_FIELD): entry for entry in values.get(quality.SHEET_FIELD) or []
             if isinstance(entry, dict)}
    return [(sample, schema_form.row_fields(page.detail.schema, quality.SHEET_FIELD, index,
                                            given.get(sample.id, {}), errors, lang=current_language(), tr=t,
                                            tz=office_tz()))
            for index, sample in enumerate(page.quality.samples)]


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
