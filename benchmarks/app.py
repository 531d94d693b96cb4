"""The benchmark's own app: the product's ``create_app()`` plus a bench-only blueprint, served by gunicorn as
``klip serve`` serves the product (``python -m benchmarks.app --port P --workers N``). Never a production route.

- ``POST /bench/noop``: an authenticated API request that does nothing (the bearer token checked by the engine in
  one transaction, as every API request is): the HTTP + app + authentication floor of a task completion.
- ``POST /bench/insert``: the same, plus one INSERT of a call attempt: the floor of recording a call.
- ``GET /bench/static``: the app's layout for the logged-in user, with no data: the floor of a list page.
- ``GET /bench/counters``: SQL statements, commits and workflow loads this worker has made (the bench reads them
  around a request: one worker, so the difference is that request's).
"""
from __future__ import annotations

import argparse
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, g, jsonify, render_template, request
from flask_login import login_required
from sqlalchemy import event, insert

from engine import access
from engine.access import BearerToken
from engine.models import CallAttempt
from engine.process import runtime
from webapp import create_app as create_product_app
from webapp import csrf
from webapp.serve import serve
from webapp.services import client_address, ctx, me

bp = Blueprint("bench", __name__, url_prefix="/bench", template_folder="templates")
COUNTS: Counter[str] = Counter()
_LOCK = threading.Lock()


@bp.before_request
def _bearer() -> None:
    """As the API does (``webapp.api``): the bearer token is handed to the engine, which checks it."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        g.api_token = BearerToken(token.strip(), client_address())


def _count(name: str) -> None:
    with _LOCK:
        COUNTS[name] += 1


@bp.post("/noop")
def noop() -> Any:
    with access.acting(ctx(), me()) as (_session, user):
        return jsonify({"ok": True, "user": user.username})


@bp.post("/insert")
def insert_call() -> Any:
    body = request.get_json(silent=True) or {}
    with access.acting(ctx(), me()) as (session, user):
        session.execute(insert(CallAttempt).values(
            contact_id=int(body["contact_id"]), campaign_id=int(body["campaign_id"]), agent=user.username,
            at=datetime.now(timezone.utc), outcome=str(body.get("outcome", "")), phone="",
            notes=str(body.get("notes", "")), callback_at=None, duration_s=body.get("duration_s"), recording_ref=""))
    return jsonify({"ok": True}), 201


@bp.get("/static")
@login_required
def static_page() -> Any:
    return render_template("bench/static.html")


@bp.get("/counters")
def counters() -> Any:
    with _LOCK:
        return jsonify(dict(COUNTS))


def create_app() -> Flask:
    """The product app with the bench blueprint, its SQL statements, commits and workflow loads counted."""
    app = create_product_app()
    app.register_blueprint(bp)
    csrf.exempt(bp)
    engine = app.extensions["klip"].engine
    event.listen(engine, "before_cursor_execute", lambda *_args: _count("statements"))
    event.listen(engine, "commit", lambda *_args: _count("commits"))
    real_load = runtime.state_from_json

    def counted_load(*args: Any, **kwargs: Any) -> Any:
        _count("workflow_loads")
        return real_load(*args, **kwargs)

    runtime.state_from_json = counted_load  # type: ignore[assignment]
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve("127.0.0.1", args.port, args.workers, app_factory=create_app)


if __name__ == "__main__":
    main()
