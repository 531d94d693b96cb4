"""One log line per request: request id, user, route, status, duration (logger ``klip.request``)."""
from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_login import current_user

from engine.access import ACTOR

log = logging.getLogger("klip.request")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # an id a proxy sent us is kept only when it looks like one


def _start() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    g.started = time.perf_counter()
    g.actor_token = ACTOR.set(None)


def _user() -> str:
    """Whoever the engine resolved for this request, else the session's user, else '-'."""
    acted = ACTOR.get()
    if acted:
        return acted
    return str(current_user.get_id()) if current_user and current_user.is_authenticated else "-"


def _finish(response: Response) -> Response:
    duration_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    response.headers["X-Request-Id"] = g.get("request_id", "-")
    log.info("request_id=%s user=%s method=%s route=%s path=%s status=%d duration_ms=%.1f",
             g.get("request_id", "-"), _user(), request.method, request.endpoint or "-", request.path,
             response.status_code, duration_ms)
    return response


def _reset(_exc: Any) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        ACTOR.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)
