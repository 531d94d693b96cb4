"""The administrator's pages: users, requesting units, working-day calendar. Every change goes through the engine's
services (``engine.accounts``, ``engine.units``, ``engine.workdays``), which authorize and audit it."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required

from engine import accounts, units, workdays
from engine.errors import InvalidInput
from engine.i18n import N_
from engine.pages import admin as pages
from engine.users import PASSWORD_MIN, Profile

from ..auth import restamp
from ..i18n import current_language, t
from ..listing import lenient_choice, lenient_int, lenient_text, page_args
from ..services import ctx, me

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The recorded changes in the words of the page (wrapped in _() by the templates).
ACTION_LABELS = {
    "user_created": N_("membuat pengguna"), "user_updated": N_("mengubah data pengguna"),
    "user_activated": N_("mengaktifkan pengguna"), "user_deactivated": N_("menonaktifkan pengguna"),
    "user_password_reset": N_("mengganti kata sandi pengguna"),
    "user_tokens_revoked": N_("mencabut token API pengguna"),
    "unit_added": N_("mendaftarkan unit"), "unit_renamed": N_("mengganti nama unit menjadi"),
    "unit_activated": N_("mengaktifkan unit"), "unit_deactivated": N_("menonaktifkan unit"),
    "calendar_override_set": N_("mengoreksi kalender pada"),
    "calendar_override_removed": N_("menghapus koreksi kalender pada"),
}
FIELD_LABELS = {"full_name": N_("Nama lengkap"), "email": N_("E-mail"), "nip": N_("NIP"), "position": N_("Jabatan"),
                "language": N_("Bahasa"), "unit": N_("Unit peminta (Pengguna Layanan)"), "roles": N_("Peran")}
STATUS_LABELS = {"": N_("Semua"), "aktif": N_("Aktif"), "nonaktif": N_("Nonaktif")}


WEEKDAYS = {"id": "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split(),
            "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()}


def weekday(day: date) -> str:
    """The day's name in the UI language (as ``wib`` writes month names: not from the catalogue)."""
    return WEEKDAYS["en" if current_language() == "en" else "id"][day.weekday()]


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"action_labels": ACTION_LABELS, "field_labels": FIELD_LABELS, "status_labels": STATUS_LABELS,
            "password_min": PASSWORD_MIN, "weekday": weekday}


def _profile() -> Profile:
    form = request.form
    return Profile(form.get("full_name", ""), form.get("email", ""), form.get("nip", ""), form.get("position", ""),
                   form.get("language", "id"), form.get("unit", ""))


def _password() -> accounts.NewPassword:
    form = request.form
    return accounts.NewPassword(form.get("mode", ""), form.get("password", ""), form.get("password_confirm", ""))


def _switch(name: str = "active") -> bool | None:
    """An on/off form value ("1" or "0"); None when it is neither (the service names the field)."""
    return {"1": True, "0": False}.get(request.form.get(name, ""))


def _no_store(body: str, status: int = 200) -> Any:
    """A page that shows a new password: never kept by the browser or a proxy."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- users ----------------------------------------------------------------------------------------------

@bp.get("/pengguna")
@login_required
def users() -> Any:
    page, per_page = page_args()
    view = pages.user_list(ctx(), me(), lenient_text("q"), lenient_choice("status", pages.USER_STATUSES, ""),
                           page, per_page)
    return render_template("admin/users.html", view=view, statuses=pages.USER_STATUSES)


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@login_required
def new_user() -> Any:
    if request.method == "GET":
        return render_template("admin/user_new.html", choices=pages.new_user_form(ctx(), me()),
                               values={"mode": "generate"}, errors={})
    try:
        done = accounts.create_account(ctx(), me(), request.form.get("username", ""), request.form.getlist("roles"),
                                       _profile(), _password())
    except InvalidInput as exc:
        return render_template("admin/user_new.html", choices=pages.new_user_form(ctx(), me()), values=request.form,
                               errors=exc.fields, error=exc.message), 422
    flash(t("Pengguna {user} dibuat.", user=done.user.username))
    if done.password:
        return _no_store(_user_page(done.user.username, generated=done.password))
    return redirect(url_for(".user", username=done.user.username))


def _user_page(username: str, errors: dict[str, str] | None = None, error: str = "",
               generated: str | None = None, values: Any = None) -> str:
    page = pages.user_page(ctx(), me(), username)
    return render_template("admin/user.html", page=page, user=page.user, errors=errors or {}, error=error,
                           generated=generated, values=values)


@bp.route("/pengguna/<username>", methods=["GET", "POST"])
@login_required
def user(username: str) -> Any:
    if request.method == "GET":
        return _user_page(username)
    try:
        changes = accounts.update_account(ctx(), me(), username, _profile(), request.form.getlist("roles"))
    except InvalidInput as exc:
        return _user_page(username, exc.fields, exc.message, values=request.form), 422
    flash(t("Data pengguna disimpan.") if changes else t("Tidak ada yang berubah."))
    return redirect(url_for(".user", username=username))


@bp.post("/pengguna/<username>/status")
@login_required
def user_active(username: str) -> Any:
    wanted = _switch()
    try:
        revoked = accounts.set_account_active(ctx(), me(), username, wanted)
    except InvalidInput as exc:
        return _user_page(username, exc.fields, exc.message), 422
    flash(t("Pengguna {user} diaktifkan.", user=username) if wanted else
          t("Pengguna {user} dinonaktifkan; {n} token API dicabut.", user=username, n=revoked))
    return redirect(url_for(".user", username=username))


@bp.post("/pengguna/<username>/kata-sandi")
@login_required
def user_password(username: str) -> Any:
    try:
        done = accounts.reset_password(ctx(), me(), username, _password())
    except InvalidInput as exc:
        return _user_page(username, exc.fields, exc.message), 422
    if done.own_stamp:
        restamp(done.own_stamp)
    flash(t("Kata sandi {user} diganti; semua sesinya diakhiri.", user=username) if not done.own_stamp else
          t("Kata sandi Anda diganti; sesi Anda yang lain diakhiri."))
    if done.generated:
        return _no_store(_user_page(username, generated=done.generated))
    return redirect(url_for(".user", username=username))


@bp.post("/pengguna/<username>/token")
@login_required
def user_tokens(username: str) -> Any:
    revoked = accounts.revoke_account_tokens(ctx(), me(), username)
    flash(t("{n} token API milik {user} dicabut.", n=revoked, user=username))
    return redirect(url_for(".user", username=username))


# --- requesting units -------------------------------------------------------------------------------------

def _units(refused: InvalidInput | None = None, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None) -> Any:
    """The units page; after a refused change, with its errors (by field) and what was typed, as a 422."""
    body = render_template("admin/units.html", page=pages.units_page(ctx(), me()), errors=errors or {},
                           values=values or {}, error=refused.message if refused else "")
    return (body, 422) if refused else body


@bp.route("/unit", methods=["GET", "POST"])
@login_required
def units_page() -> Any:
    if request.method == "GET":
        return _units()
    try:
        added = units.create_unit(ctx(), me(), request.form.get("name", ""))
    except InvalidInput as exc:
        return _units(exc, exc.fields, {"added": request.form.get("name", "")})
    flash(t("Unit {name} didaftarkan.", name=added.name))
    return redirect(url_for(".units_page"))


@bp.post("/unit/<int:unit_id>")
@login_required
def unit(unit_id: int) -> Any:
    try:
        renamed = units.rename(ctx(), me(), unit_id, request.form.get("name", ""))
    except InvalidInput as exc:
        return _units(exc, {f"name-{unit_id}": text for text in exc.fields.values()},
                      {"renamed": request.form.get("name", "")})
    flash(t("Nama unit disimpan: {name}.", name=renamed.name))
    return redirect(url_for(".units_page"))


@bp.post("/unit/<int:unit_id>/status")
@login_required
def unit_active(unit_id: int) -> Any:
    try:
        changed = units.set_active(ctx(), me(), unit_id, _switch())
    except InvalidInput as exc:
        return _units(exc)
    flash(t("Unit {name} diaktifkan.", name=changed.name) if changed.active else
          t("Unit {name} dinonaktifkan.", name=changed.name))
    return redirect(url_for(".units_page"))


# --- working-day calendar ---------------------------------------------------------------------------------

def _year() -> int:
    return lenient_int("tahun", ctx().now().year, pages.FIRST_YEAR, pages.LAST_YEAR) or ctx().now().year


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _moved(n: int) -> None:
    """Say what a calendar correction did to running tasks' due dates (nothing when it moved none)."""
    if n:
        flash(t("Batas waktu {n} tugas yang sedang berjalan disesuaikan; lihat jejak audit prosesnya.", n=n))


@bp.route("/kalender", methods=["GET", "POST"])
@login_required
def calendar() -> Any:
    if request.method == "GET":
        return render_template("admin/calendar.html", page=pages.calendar_page(ctx(), me(), _year()), errors={},
                               values={})
    form = request.form
    try:
        done = workdays.set_override(ctx(), me(), _day(form.get("day", "")), _switch("working"), form.get("note", ""))
    except InvalidInput as exc:
        page = pages.calendar_page(ctx(), me(), _year())
        return render_template("admin/calendar.html", page=page, errors=exc.fields, values=form,
                               error=exc.message), 422
    flash(t("Koreksi kalender untuk {day} disimpan.", day=done.day.strftime("%d-%m-%Y")))
    _moved(done.due_dates_moved)
    return redirect(url_for(".calendar", tahun=done.day.year))


@bp.post("/kalender/<day>/hapus")
@login_required
def calendar_remove(day: str) -> Any:
    when = _day(day)
    if when is None:
        abort(404)
    moved = workdays.remove_override(ctx(), me(), when)
    flash(t("Koreksi kalender untuk {day} dihapus; daftar libur berlaku lagi.", day=when.strftime("%d-%m-%Y")))
    _moved(moved)
    return redirect(url_for(".calendar", tahun=when.year))
