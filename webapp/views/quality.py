"""The agents' quality results: an agent reads its own (once approved), the quality roles everyone's."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from engine import pages

from ..listing import lenient_int
from ..services import ctx, me

bp = Blueprint("quality", __name__)
MAX_CAMPAIGN_ID = 2**31 - 1


@bp.get("/penilaian-kualitas")
@login_required
def results() -> Any:
    page = pages.quality_results(ctx(), me(), lenient_int("kampanye", None, 1, MAX_CAMPAIGN_ID))
    return render_template("quality/results.html", page=page)
