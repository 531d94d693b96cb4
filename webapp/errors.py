"""Map the engine's named errors to HTTP: HTML pages for people, JSON for /api."""
from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    InvalidBpmn,
    InvalidInput,
    KlipError,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    ProcessFailed,
    TaskNotReady,
)

from .auth import forget

STATUS = {NotAuthenticated: 401, NotFound: 404, NotAllowed: 403, TaskNotReady: 409, Conflict: 409, InvalidInput: 422,
          InvalidBpmn: 422, ProcessFailed: 500}
CODES = {401: "unauthorized", 403: "not_allowed", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid_input", 400: "bad_request", 500: "process_failed"}


def status_of(exc: KlipError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Any:
    if wants_json():
        response = jsonify(error=code, message=message, fields=fields or {})
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="klip-api"'
        return response, status
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def _signed_out(exc: NotAuthenticated) -> Any:
    """The session's user is no longer active: end the session and ask for a login (the API answers 401)."""
    if wants_json():
        return error_response(401, exc.code, exc.message)
    forget()
    flash(exc.message, "error")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


def init_app(app: Flask) -> None:
    @app.errorhandler(KlipError)
    def _klip(exc: KlipError) -> Any:
        if isinstance(exc, NotAuthenticated):
            return _signed_out(exc)
        return error_response(status_of(exc), exc.code, exc.message, getattr(exc, "fields", None))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return error_response(400, "csrf", "Formulir kedaluwarsa atau tidak sah; muat ulang halaman dan coba lagi.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        return error_response(status, CODES.get(status, "error"), exc.description or exc.name)
