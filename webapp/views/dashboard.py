"""The dashboard (Kasi, Kepala Kantor; the quality part for PKL too) and its tables as a spreadsheet."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from engine import exports, pages

from ..downloads import attachment
from ..i18n import current_language
from ..listing import lenient_choice
from ..services import ctx, me

bp = Blueprint("dashboard", __name__)


def _days() -> int:
    """The calls chart's period (``?days=7|14|30``); the default for anything else."""
    return int(lenient_choice("days", [str(d) for d in pages.DAY_CHOICES], str(pages.DEFAULT_DAYS)))


@bp.get("/dasbor")
@login_required
def index() -> Any:
    board = pages.dashboard_page(ctx(), me(), _days())
    return render_template("dashboard/index.html", board=board, ops=board.operations, quality=board.quality,
                           day_choices=pages.DAY_CHOICES)


@bp.get("/dasbor.xlsx")
@login_required
def export() -> Any:
    """The dashboard's tables, one sheet each, in the reader's language."""
    return attachment(exports.dashboard_tables(ctx(), me(), current_language(), _days()))
