"""The process instance page: status, current tasks, the audit trail as a timeline, comments."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from engine import pages
from engine.i18n import N_

from ..panels import instance_diagram_panel
from ..services import ctx, me

bp = Blueprint("instances", __name__)

# Audit actions in the words the office uses (wrapped in _() by the template).
ACTIONS = {
    "campaign_created": N_("mengunggah data layanan"),
    "instance_started": N_("memulai proses"),
    "task_completed": N_("menyelesaikan"),
    "task_claimed": N_("mengklaim"),
    "task_unclaimed": N_("melepas klaim"),
    "timer_fired": N_("batas waktu terlampaui"),
    "call_recorded": N_("mencatat panggilan"),
    "contacts_listed": N_("membuka daftar kontak"),
    "contact_viewed": N_("membuka data kontak"),
    "call_samples_viewed": N_("membuka sampel panggilan penilaian kualitas"),
    "access_log_viewed": N_("membuka log akses data pribadi"),
    "report_downloaded": N_("mengunduh laporan bertanda tangan (PDF)"),
    "task_reassigned": N_("mengalihkan tugas"),
    "contacts_reassigned": N_("mengalihkan kontak yang belum selesai"),
    "due_date_moved": N_("mengoreksi kalender hari kerja; batas waktu tugas bergeser:"),
    "instance_migrated": N_("memindahkan proses ke versi lain model"),
}
# What a reassignment did (the trail's detail line).
REASSIGNED = {
    "assigned": N_("dari {from} kepada {to}"),
    "claimed": N_("dari {from} kepada {to} (diklaim atas namanya)"),
    "closed": N_("{n} kontak dari {from} ke penugasan {to}; penugasan {from} ditutup"),
    "contacts": N_("{n} kontak dari {from} ke penugasan {to}"),
}
# Grouped per-contact events: "{n}" is how many.
GROUPED = {
    "call_recorded": N_("mencatat {n} panggilan"),
    "contacts_listed": N_("membuka daftar kontak {n} kali"),
    "contact_viewed": N_("membuka data kontak {n} kali"),
    "call_samples_viewed": N_("membuka sampel panggilan penilaian kualitas {n} kali"),
    "access_log_viewed": N_("membuka log akses data pribadi {n} kali"),
}
DECISIONS = {"setuju": N_("Setuju"), "kembalikan": N_("Dikembalikan"), "tandatangani": N_("Ditandatangani")}
STATUS = {"running": (N_("Berjalan"), "amber"), "completed": (N_("Selesai"), "green")}


@bp.get("/proses/<int:instance_id>")
@login_required
def show(instance_id: int) -> Any:
    page = pages.instance_page(ctx(), me(), instance_id)
    return render_template("instances/show.html", instance=page.instance, trail=page.trail, actions=ACTIONS,
                           grouped=GROUPED, decisions=DECISIONS, status=STATUS, diagram=instance_diagram_panel(page),
                           reassignable=page.reassignable, reassigned=REASSIGNED)
