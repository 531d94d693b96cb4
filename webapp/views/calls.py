"""The agent's screens: call list, contact page with the call record form, the "next contact" flow."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from engine import campaign, pages
from engine.campaign import CALLBACK_OUTCOME, MAX_DURATION_S, OUTCOMES, WRONG_NUMBER_OUTCOME
from engine.errors import InvalidInput
from engine.i18n import N_

from ..filters import office_zone, outcome_label
from ..i18n import t
from ..services import ctx, me

bp = Blueprint("calls", __name__)

PAGE_SIZE = 100
_DURATION = re.compile(r"^(?:(\d{1,3}):)?(\d{1,3}):([0-5]\d)$", re.ASCII)  # bounded, ASCII digits only
MAX_PAGE = 100_000  # ?halaman= beyond this (10 million contacts), or not a number, is ignored


def outcome_groups() -> list[tuple[str, list[Any]]]:
    """Outcomes for the radio buttons: the right party reached first, then the rest."""
    return [(t("Terhubung"), [o for o in OUTCOMES.values() if o.is_reached]),
            (t("Tidak terhubung"), [o for o in OUTCOMES.values() if not o.is_reached])]


def _duration(text: str, fields: dict[str, str]) -> int | None:
    """Seconds from '95', '1:35' or '1:02:05'; '' means not recorded."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # ASCII only: isdigit() accepts '²', which int() refuses
        seconds = int(text) if len(text) <= 6 else MAX_DURATION_S + 1
    elif match := _DURATION.match(text):
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        fields["duration_s"] = N_("Isi durasi dalam detik (mis. 95) atau menit:detik (mis. 1:35).")
        return None
    if seconds > MAX_DURATION_S:
        fields["duration_s"] = N_("Durasi panggilan terlalu lama (maksimal 86.400 detik atau 24 jam).")
        return None
    return seconds


def _positive_arg(name: str, limit: int) -> int | None:
    """A query parameter of ASCII digits in 1..limit; None when absent or anything else (ignored)."""
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) <= len(str(limit)) and 1 <= int(raw) <= limit:
        return int(raw)
    return None


def _callback(text: str, fields: dict[str, str]) -> datetime | None:
    """A datetime-local value ('2026-03-10T14:30') read as office time (WIB)."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=office_zone())
    except ValueError:
        fields["callback_at"] = N_("Waktu tidak dapat dibaca; gunakan tanggal dan jam.")
        return None


def call_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The record form → keyword arguments of ``record_call``; raise InvalidInput for unreadable fields."""
    fields: dict[str, str] = {}
    outcome = form.get("outcome", "")
    if not outcome:
        fields["outcome"] = N_("Pilih hasil panggilan.")
    call = {"outcome": outcome, "notes": form.get("notes", "").strip(), "phone": form.get("phone", ""),
            "recording_ref": form.get("recording_ref", "").strip(),
            "duration_s": _duration(form.get("duration", ""), fields),
            "callback_at": _callback(form.get("callback_at", ""), fields) if outcome == CALLBACK_OUTCOME else None}
    if fields:
        raise InvalidInput(N_("Data panggilan belum lengkap."), fields)
    return call


@bp.get("/kampanye/<int:campaign_id>/panggilan")
@login_required
def call_list(campaign_id: int) -> Any:
    page_number = _positive_arg("halaman", MAX_PAGE) or 1
    page = pages.call_list_page(ctx(), me(), campaign_id, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
    page_count = max((page.progress["contacts"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("calls/call_list.html", page=page, page_number=page_number, pages=page_count)


@bp.get("/kampanye/<int:campaign_id>/berikutnya")
@login_required
def next_contact(campaign_id: int) -> Any:
    found = campaign.next_contact(ctx(), me(), campaign_id, after_id=request.args.get("setelah", type=int))
    if found.contact is None:
        _nothing_to_call(found.waiting)
        return redirect(url_for(".call_list", campaign_id=campaign_id))
    return redirect(url_for(".contact", contact_id=found.contact.id))


def _nothing_to_call(waiting: int) -> None:
    if waiting:
        flash(t("Tidak ada kontak yang perlu dihubungi sekarang; {n} kontak menunggu waktu dihubungi kembali.",
                n=waiting), "success")
    else:
        flash(t("Semua kontak selesai: tidak ada lagi kontak yang perlu dihubungi."), "success")


# What each outcome does to the contact, shown beside its radio button.
EFFECTS = {"final": N_("mengakhiri kontak"),
           "callback": N_("kontak tetap terbuka; dihubungi lagi pada waktu yang diminta"),
           "closes_number": N_("menutup nomor ini; kontak tetap terbuka bila masih ada nomor lain"),
           "retry": N_("dapat dihubungi lagi")}


def _render_contact(contact_id: int, form: Any = None, error: str = "", fields: Any = None) -> str:
    page = pages.contact_page(ctx(), me(), contact_id)
    return render_template("calls/contact.html", page=page, form=form or {}, error=error, fields=fields or {},
                           groups=outcome_groups(), callback_outcome=CALLBACK_OUTCOME, effects=EFFECTS)


@bp.get("/kontak/<int:contact_id>")
@login_required
def contact(contact_id: int) -> Any:
    return _render_contact(contact_id)


@bp.post("/kontak/<int:contact_id>/panggilan")
@login_required
def record(contact_id: int) -> Any:
    try:
        result = pages.record_and_next(ctx(), me(), contact_id, lambda: call_from_form(request.form))
    except InvalidInput as exc:
        fields = {name: t(text) for name, text in exc.fields.items()}
        return _render_contact(contact_id, request.form, t(exc.message), fields), 422
    flash(_recorded_message(result), "success")
    if result.next_contact is None:
        _nothing_to_call(result.waiting)
        return redirect(url_for(".call_list", campaign_id=result.campaign_id))
    return redirect(url_for(".contact", contact_id=result.next_contact.id))


def _recorded_message(result: pages.RecordResult) -> str:
    recorded = result.contact
    message = t("Panggilan kepada {name} dicatat: {outcome}.", name=recorded.name,
                outcome=outcome_label(recorded.last_outcome))
    if recorded.final_outcome == WRONG_NUMBER_OUTCOME:
        message += " " + t("Semua nomor kontak ini salah; kontak ditutup.")
    elif recorded.final_outcome and not OUTCOMES[recorded.final_outcome].is_final:
        message += " " + t("Kontak ditutup setelah {n} percobaan.", n=recorded.attempts)
    elif recorded.last_outcome == WRONG_NUMBER_OUTCOME:
        message += " " + t("Nomor itu ditutup; kontak tetap terbuka dengan nomor lainnya.")
    return message

