"""The process instance page: status, current tasks, the audit trail as a timeline, comments."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from engine import pages

from ..panels import instance_diagram_panel
from ..services import ctx, me

bp = Blueprint("instances", __name__)

# Audit actions in the words the office uses (wrapped in _() by the template).
ACTIONS = {
    "campaign_created": "mengunggah data layanan",
    "instance_started": "memulai proses",
    "task_completed": "menyelesaikan",
    "task_claimed": "mengklaim",
    "task_unclaimed": "melepas klaim",
    "timer_fired": "batas waktu terlampaui",
    "call_recorded": "mencatat panggilan",
    "contacts_listed": "membuka daftar kontak",
    "contact_viewed": "membuka data kontak",
    "report_downloaded": "mengunduh laporan bertanda tangan (PDF)",
}
# Grouped per-contact events: "{n}" is how many.
GROUPED = {
    "call_recorded": "mencatat {n} panggilan",
    "contacts_listed": "membuka daftar kontak {n} kali",
    "contact_viewed": "membuka data kontak {n} kali",
}
DECISIONS = {"setuju": "Setuju", "kembalikan": "Dikembalikan", "tandatangani": "Ditandatangani"}
STATUS = {"running": ("Berjalan", "amber"), "completed": ("Selesai", "green")}


@bp.get("/proses/<int:instance_id>")
@login_required
def show(instance_id: int) -> Any:
    page = pages.instance_page(ctx(), me(), instance_id)
    return render_template("instances/show.html", instance=page.instance, trail=page.trail, actions=ACTIONS,
                           grouped=GROUPED, decisions=DECISIONS, status=STATUS, diagram=instance_diagram_panel(page))
