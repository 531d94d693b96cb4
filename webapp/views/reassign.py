"""Moving work from an absent holder (the Kasi): a task, or an agent's open contacts of a campaign."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import pages
from engine.errors import InvalidInput
from engine.i18n import N_
from engine.reassignment import Outcome, Reassigned, reassign_contacts, reassign_task

from ..i18n import t
from ..services import ctx, me

bp = Blueprint("reassign", __name__)

DONE = {  # the flash message after a move, by what it did
    Outcome.ASSIGNED: N_("Tugas “{task}” dialihkan dari {from} kepada {to}; {n} kontak yang belum selesai ikut "
                         "dialihkan."),
    Outcome.CLAIMED: N_("Tugas “{task}” kini dikerjakan oleh {to} (diklaim atas namanya)."),
    Outcome.CLOSED: N_("{n} kontak {from} yang belum selesai dialihkan ke penugasan {to}; penugasan {from} ditutup."),
    Outcome.CONTACTS: N_("{n} kontak {from} yang belum selesai dialihkan ke penugasan {to}."),
}
NO_CONTACTS = N_("Tugas “{task}” dialihkan dari {from} kepada {to}.")


def _done(done: Reassigned, back: str) -> Any:
    """Say what moved, then show where it shows: the instance's trail, or the campaign's agent panel."""
    text = NO_CONTACTS if done.outcome is Outcome.ASSIGNED and not done.contacts else DONE[done.outcome]
    flash(t(text, task=done.task_name, to=done.to_user, n=done.contacts, **{"from": done.from_user or "-"}))
    return redirect(back)


def _form(page: pages.ReassignPage, errors: dict[str, str] | None = None, error: str = "") -> str:
    return render_template("tasks/reassign.html", page=page, errors=errors or {}, error=error,
                           values=request.form if request.method == "POST" else {})


@bp.route("/tugas/<task_id>/alihkan", methods=["GET", "POST"])
@login_required
def task(task_id: str) -> Any:
    if request.method == "GET":
        return _form(pages.task_reassign_page(ctx(), me(), task_id))
    try:
        done = reassign_task(ctx(), me(), task_id, request.form.get("to", ""), request.form.get("reason", ""))
    except InvalidInput as exc:
        return _form(pages.task_reassign_page(ctx(), me(), task_id), exc.fields, exc.message), 422
    return _done(done, url_for("instances.show", instance_id=done.instance_id))


@bp.route("/kampanye/<int:campaign_id>/agen/<agent>/alihkan", methods=["GET", "POST"])
@login_required
def agent(campaign_id: int, agent: str) -> Any:
    if request.method == "GET":
        return _form(pages.agent_reassign_page(ctx(), me(), campaign_id, agent))
    try:
        done = reassign_contacts(ctx(), me(), campaign_id, agent, request.form.get("to", ""),
                                 request.form.get("reason", ""))
    except InvalidInput as exc:
        return _form(pages.agent_reassign_page(ctx(), me(), campaign_id, agent), exc.fields, exc.message), 422
    return _done(done, url_for("campaigns.show", campaign_id=campaign_id, _anchor="agen"))
