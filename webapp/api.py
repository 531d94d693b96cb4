"""JSON API v1 for other DJP systems: campaigns, contacts and calls, tasks, instances.

Authentication is ``Authorization: Bearer <token>`` only (``klip user token NAME``); session cookies are
ignored here, so a browser session can never drive the API (no CSRF surface). Every view parses the
request, makes ONE engine service call and returns JSON; authorization lives in the engine, whose named
errors ``webapp.errors`` maps to 403/404/409/422 JSON bodies ``{"error", "message", "fields"}``.

Personal data (UU PDP): contact lists and the updated contact after a call return the NPWP **masked**
(``npwp_masked``, last four digits visible). A calling system needs the phone numbers to dial and the name to
greet, but never the full NPWP to deliver normative information; the full value stays in the web UI for roles
that need it, and every listing is audited by the engine.

Language: messages (errors, field messages, the import report's reasons, notification texts) are in Bahasa
Indonesia unless the request's ``Accept-Language`` prefers English (``Accept-Language: en``); codes and field
names never change. ``GET /notifications?lang=en|id`` chooses explicitly.

Datetimes are ISO 8601 with the office offset (``KLIP_TIMEZONE``, e.g. ``2026-03-09T09:00:00+07:00``);
``callback_at`` must carry an offset too.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, jsonify, request, url_for

from engine import campaign as campaigns
from engine import exports, instances, pages, reassignment, tasks
from engine.access import BearerToken, TaskScope
from engine.campaign import ContactView
from engine.errors import InvalidInput
from engine.i18n import LANGUAGES, N_, Count
from engine.pages.listing import MAX_PAGE

from .downloads import attachment
from .errors import error_response
from .i18n import current_language
from .listing import kept, link_header
from .services import client_address, ctx, me

bp = Blueprint("api", __name__, url_prefix="/api/v1")

TASK_SCOPES = tuple(TaskScope)
TASK_SORTS = tuple(pages.TaskSort)  # the first is the default
CAMPAIGN_SORTS = tuple(pages.CampaignSort)
MAX_ID = 2**31 - 1
CALL_TEXT_FIELDS = ("notes", "recording_ref", "phone")
MAX_LIMIT = 1000  # ?limit= of a listing
MAX_OFFSET = 10_000_000  # ?offset= of a listing


# --- authentication ------------------------------------------------------------------------------

@bp.before_request
def _authenticate() -> Any:
    """A request without a bearer token is answered 401 at once; a token is checked by the engine.

    The engine checks the token (an active user's, recording its use) inside the one transaction of the
    service the view calls, so an unknown token is a 401 from there.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized",
                              N_("Token API tidak ada, tidak dikenal, atau penggunanya tidak aktif."))
    g.api_token = BearerToken(token.strip(), client_address())
    return None


# --- serializers ---------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(ZoneInfo(ctx().settings.office_timezone)).isoformat()


def _task(view: tasks.TaskView) -> dict[str, Any]:
    return {"id": view.id, "instance_id": view.instance_id, "campaign_id": view.campaign_id,
            "bpmn_id": view.bpmn_id, "name": view.name, "lane": view.lane, "assignee": view.assignee,
            "due_at": _iso(view.due_at)}


def _contact(view: ContactView) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "npwp": view.npwp_masked, "phones": list(view.phones),
            "attempts": view.attempts, "final_outcome": view.final_outcome, "last_outcome": view.last_outcome}


def _campaign(view: campaigns.CampaignView | pages.CampaignRow) -> dict[str, Any]:
    return {"id": view.id, "title": view.title, "status": view.status, "instance_id": view.instance_id,
            "progress": dict(view.progress), "requester": view.requester, "topic": view.topic,
            "created_by": view.created_by, "created_at": _iso(view.created_at)}


def _report(report: dict[str, Any]) -> dict[str, Any]:
    figures = report["figures"]
    return {
        "campaign_id": report["campaign_id"], "status": report["status"], "live": report["live"],
        "totals": {k: figures[k] for k in ("contacts", "reached", "not_reached", "by_outcome")},
        "by_agent": [{k: a[k] for k in ("agent", "contacts", "attempts", "reached")} for a in figures["by_agent"]],
        "signed_by": report["signed_by"], "signed_at": _iso(report["signed_at"]), "sha256": report["sha256"],
        "number": report["number"],
        "pdf_url": url_for("api.report_pdf", campaign_id=report["campaign_id"]) if report["number"] else None,
        "cover_letter_number": report["cover_letter_number"],
        "cover_letter_date": report["cover_letter_date"].isoformat() if report["cover_letter_date"] else None,
    }


def _instance(view: instances.InstanceView) -> dict[str, Any]:
    return {
        "id": view.id, "campaign_id": view.campaign_id, "status": view.status,
        "version": {"id": view.version_id, "sha256": view.version_sha256},
        "created_at": _iso(view.created_at), "completed_at": _iso(view.completed_at),
        "tasks": [_task(t) for t in view.tasks],
        "history": [{"at": _iso(h.at), "user": h.username, "action": h.action, "task": h.task_name}
                    for h in view.history],
    }


# --- request parsing -----------------------------------------------------------------------------

def _json_object() -> dict[str, Any]:
    """The request body as a JSON object; 400 with a clear message when it is not one."""
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes (silent=True covers only ValueError)
        body = None
    if not isinstance(body, dict):
        abort(400, description=N_("Badan permintaan harus berupa objek JSON yang sah (Content-Type: "
                                  "application/json)."))
    return body


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """An optional integer query parameter: ASCII digits only, within [low, high]; else 422 on ``name``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # isdigit() alone accepts '²' and other digits int() refuses; the length check keeps int() cheap.
    digits = raw.isascii() and raw.isdigit() and len(raw.lstrip("0")) <= len(str(high))
    if not digits or not low <= int(raw) <= high:
        raise InvalidInput(N_("Parameter tidak valid."), {name: N_("harus berupa bilangan bulat {low}–{high}",
                                                                    low=Count(low), high=Count(high))})
    return int(raw)


def _choice_arg(name: str, choices: tuple[str, ...]) -> str:
    value = request.args.get(name) or choices[0]
    if value not in choices:
        raise InvalidInput(N_("Parameter tidak valid."), {name: N_("harus salah satu dari: {choices}",
                                                                    choices=list(choices))})
    return value


def _page_args() -> dict[str, int]:
    return {"page": _int_arg("page", 1, 1, MAX_PAGE) or 1,
            "per_page": _int_arg("per_page", pages.DEFAULT_PER_PAGE, 1, pages.MAX_PER_PAGE) or pages.DEFAULT_PER_PAGE}


def _paged(items: list[dict[str, Any]], paging: pages.Paging, args: dict[str, Any]) -> Any:
    """A page of a list: the body stays a plain JSON list; ``X-Total-Count`` and ``Link`` (RFC 8288: first, prev,
    next, last, as they apply) tell the rest. ``args``: the list's parameters, kept in every link."""
    response = jsonify(items)
    response.headers["X-Total-Count"] = str(paging.total)
    links = link_header(paging, lambda page: url_for(request.endpoint or "", _external=True, **args, page=page))
    if links:
        response.headers["Link"] = links
    return response


def _call_args(body: dict[str, Any]) -> dict[str, Any]:
    """Check the JSON types of a call; the engine checks the meaning (outcome, callback time, phone)."""
    fields: dict[str, str] = {}
    args: dict[str, Any] = {"outcome": body.get("outcome")}
    if not isinstance(args["outcome"], str) or not args["outcome"].strip():
        fields["outcome"] = N_("wajib diisi (kode hasil panggilan)")
    for name in CALL_TEXT_FIELDS:
        args[name] = body.get(name) or ""
        if not isinstance(args[name], str):
            fields[name] = N_("harus berupa teks")
    duration = args["duration_s"] = body.get("duration_s")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)):
        fields["duration_s"] = N_("harus berupa bilangan bulat (detik)")
    args["callback_at"] = _parse_datetime(body.get("callback_at"), fields)
    if fields:
        raise InvalidInput(N_("Data panggilan tidak valid."), fields)
    return args


def _parse_datetime(value: Any, fields: dict[str, str]) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        fields["callback_at"] = N_("harus berupa tanggal dan jam ISO 8601 dengan zona waktu, "
                                   "mis. 2026-03-10T09:00:00+07:00")
        return None


# --- campaigns, contacts, calls ------------------------------------------------------------------

@bp.post("/campaigns")
def create_campaign() -> Any:
    upload = request.files.get("file")
    form = {name: request.form.get(name, "") for name in ("title", "requester", "topic")}
    view = campaigns.create_campaign(ctx(), me(), upload.filename or "" if upload else "",
                                     upload.stream if upload else b"", form["title"], form["requester"],
                                     form["topic"])
    body = {"id": view.id, "instance_id": view.instance_id,
            "import_report": campaigns.localized_report(view.import_report, current_language())}
    return jsonify(body), 201, {"Location": url_for("api.campaign", campaign_id=view.id)}


@bp.get("/campaigns")
def campaign_list() -> Any:
    """``?q=&status=&sort=&page=&per_page=``: a page of the campaigns I may see (newest first)."""
    filters = pages.CampaignFilters(q=request.args.get("q", ""), status=request.args.get("status", ""),
                                    sort=_choice_arg("sort", CAMPAIGN_SORTS), **_page_args())
    view = pages.campaign_list(ctx(), me(), filters)
    args = kept({"q": filters.q, "status": filters.status, "sort": filters.sort, "per_page": filters.per_page},
                {"sort": CAMPAIGN_SORTS[0], "per_page": pages.DEFAULT_PER_PAGE})
    return _paged([_campaign(c) for c in view.campaigns], view.paging, args)


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int) -> Any:
    return jsonify(_campaign(campaigns.get_campaign(ctx(), me(), campaign_id)))


@bp.get("/campaigns/<int:campaign_id>/contacts")
def contacts(campaign_id: int) -> Any:
    mine = _choice_arg("assigned", ("all", "me")) == "me"
    views = campaigns.list_contacts(ctx(), me(), campaign_id, assigned_to_me=mine,
                                    limit=_int_arg("limit", None, 1, MAX_LIMIT),
                                    offset=_int_arg("offset", 0, 0, MAX_OFFSET) or 0)
    return jsonify([_contact(v) for v in views])


@bp.post("/contacts/<int:contact_id>/calls")
def record_call(contact_id: int) -> Any:
    body = _json_object()
    view = campaigns.record_call(ctx(), me(), contact_id, lambda: _call_args(body))
    return jsonify(_contact(view)), 201


@bp.get("/campaigns/<int:campaign_id>/report")
def report(campaign_id: int) -> Any:
    return jsonify(_report(campaigns.get_report(ctx(), me(), campaign_id)))


@bp.get("/campaigns/<int:campaign_id>/report.pdf")
def report_pdf(campaign_id: int) -> Any:
    """The signed report's PDF, byte for byte what was signed (SHA-256 = the report's ``sha256``); 404 unsigned."""
    filename, pdf = campaigns.signed_report_pdf(ctx(), me(), campaign_id)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/campaigns/<int:campaign_id>/calls.xlsx")
def calls_xlsx(campaign_id: int) -> Any:
    """Every call attempt of the campaign as XLSX (texts in the ``Accept-Language``), streamed."""
    return attachment(exports.campaign_calls(ctx(), me(), campaign_id, current_language()))


# --- tasks and instances -------------------------------------------------------------------------

@bp.get("/tasks")
def task_list() -> Any:
    """``?q=&campaign=&step=&lane=&scope=&sort=&page=&per_page=``: a page of the tasks I can work (due first)."""
    filters = pages.TaskFilters(q=request.args.get("q", ""), campaign=_int_arg("campaign", None, 1, MAX_ID),
                                step=request.args.get("step", ""), lane=request.args.get("lane", ""),
                                scope=_choice_arg("scope", TASK_SCOPES), sort=_choice_arg("sort", TASK_SORTS),
                                **_page_args())
    view = pages.task_list(ctx(), me(), filters)
    args = kept({"q": filters.q, "campaign": filters.campaign, "step": filters.step, "lane": filters.lane,
                 "scope": filters.scope, "sort": filters.sort, "per_page": filters.per_page},
                {"scope": TASK_SCOPES[0], "sort": TASK_SORTS[0], "per_page": pages.DEFAULT_PER_PAGE})
    return _paged([_task(t) for t in view.tasks], view.paging, args)


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> Any:
    page = pages.task_page(ctx(), me(), task_id)
    detail = page.detail
    case = [{"task": e.task, "form": e.form, "by": e.by, "at": _iso(e.at), "data": e.data} for e in detail.case]
    body = {**_task(detail.task), "form": {"schema": detail.schema}, "data": detail.data, "case": case}
    if page.quality is not None:
        body["quality"] = _quality_panel(page.quality)
    return jsonify(body)


def _sample(sample: pages.SampleView) -> dict[str, Any]:
    return {"id": sample.id, "agent": sample.agent, "at": _iso(sample.at), "taxpayer": sample.taxpayer,
            "npwp_masked": sample.npwp, "phone": sample.phone, "outcome": sample.outcome, "notes": sample.notes,
            "recording_ref": sample.recording_ref, "duration_s": sample.duration_s, "scores": sample.scores,
            "fatal": sample.fatal, "assessor_notes": sample.assessor_notes, "score": sample.score}


def _result(result: pages.AgentResult) -> dict[str, Any]:
    return {"agent": result.agent, "name": result.name, "campaign_id": result.campaign_id,
            "campaign_title": result.campaign_title, "score": result.score, "calls": result.calls,
            "feedback": result.feedback, "approved": result.approved_at is not None,
            "approved_by": result.approved_by, "approved_at": _iso(result.approved_at),
            "samples": [_sample(s) for s in result.samples]}


def _quality_panel(panel: pages.QualityPanel) -> dict[str, Any]:
    """The assessment step's own data: the candidates (sampling), the sampled calls (scoring), the results."""
    return {"sections": [{"name": s.name, "title": s.field.get("title", s.name), "maximum": s.maximum}
                         for s in panel.sections],
            "candidates": [{"agent": c.agent, "conversations": c.conversations, "recorded": c.recorded}
                           for c in panel.candidates],
            "agent": panel.agent, "samples": [_sample(s) for s in panel.samples], "feedback": panel.feedback,
            "results": [_result(r) for r in panel.results]}


@bp.get("/quality-results")
def quality_results() -> Any:
    """The agents' quality results the caller may read (an agent: its own approved ones); ``?campaign=``."""
    page = pages.quality_results(ctx(), me(), _int_arg("campaign", None, 1, MAX_ID))
    return jsonify([_result(r) for r in page.results])


@bp.post("/tasks/<task_id>")
def complete_task(task_id: str) -> Any:
    view = tasks.complete_task(ctx(), me(), task_id, _json_object())
    return jsonify({"id": task_id, "completed": True, "instance_id": view.instance_id})


@bp.post("/tasks/<task_id>/reassign")
def reassign_task(task_id: str) -> Any:
    """``{"to": username, "reason": text}``: the Kasi moves the task (an agent's step 5 with its open contacts)."""
    body = _json_object()
    to, reason = body.get("to", ""), body.get("reason", "")
    done = reassignment.reassign_task(ctx(), me(), task_id, to if isinstance(to, str) else "",
                                      reason if isinstance(reason, str) else "")
    return jsonify({"id": task_id, "reassigned": True, "from": done.from_user, "to": done.to_user,
                    "outcome": done.outcome.value, "contacts_moved": done.contacts, "instance_id": done.instance_id})


@bp.get("/notifications")
def notification_list() -> Any:
    unread = _choice_arg("unread", ("0", "1")) == "1"
    items = instances.notifications(ctx(), me(), unread_only=unread, limit=_int_arg("limit", 100, 1, MAX_LIMIT) or 100)
    lang = _choice_arg("lang", LANGUAGES) if request.args.get("lang") else current_language()  # over Accept-Language
    return jsonify([{"id": n.id, "at": _iso(n.at), "kind": n.kind, "text": n.text(lang), "url": n.url,
                     "instance_id": n.instance_id, "read": n.read} for n in items])


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int) -> Any:
    instances.mark_read(ctx(), me(), notification_id)
    return jsonify({"id": notification_id, "read": True})


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int) -> Any:
    return jsonify(_instance(instances.get_instance(ctx(), me(), instance_id)))
