"""Map the engine's named errors to HTTP: HTML pages for people, JSON for /api — in the request's language.

The engine's messages are Indonesian :class:`engine.i18n.Text` values (template + parameters); they are shown here
in the request's language (``webapp.i18n``: the session's language for pages, ``Accept-Language`` for the API).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
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
    TooManyAttempts,
)
from engine.i18n import N_, Count

from .auth import forget
from .i18n import t
from .limits import is_upload

STATUS = {NotAuthenticated: 401, NotFound: 404, NotAllowed: 403, TaskNotReady: 409, Conflict: 409, InvalidInput: 422,
          InvalidBpmn: 422, ProcessFailed: 500, TooManyAttempts: 429}
CODES = {401: "unauthorized", 403: "not_allowed", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid_input", 429: "too_many_requests", 400: "bad_request",
         500: "process_failed",
         503: "unavailable"}
RETRY_AFTER_S = 30  # seconds a client waits before trying again while the database is unreachable

# Each error page's title and what it means for the reader (the engine's message, if any, is shown below it).
PAGES = {
    400: (N_("Permintaan tidak valid"), N_("Permintaan ini tidak dapat diproses. Kembali ke halaman sebelumnya dan "
                                            "coba lagi.")),
    401: (N_("Perlu masuk"), N_("Anda belum masuk atau sesi Anda sudah berakhir. Silakan masuk lagi.")),
    403: (N_("Akses ditolak"), N_("Anda tidak memiliki hak untuk membuka halaman ini atau melakukan tindakan ini. "
                                  "Bila Anda memerlukannya, hubungi Kepala Seksi Operasional atau administrator.")),
    404: (N_("Tidak ditemukan"), N_("Halaman atau data yang Anda cari tidak ada. Periksa alamatnya, atau buka "
                                    "melalui menu.")),
    405: (N_("Metode tidak diizinkan"), N_("Alamat ini tidak dapat dibuka dengan cara tersebut. Buka halaman "
                                           "melalui menu.")),
    409: (N_("Konflik"), N_("Data sudah berubah sejak halaman ini dibuka, atau langkah ini tidak lagi aktif. "
                            "Muat ulang halaman lalu periksa keadaannya.")),
    413: (N_("Berkas terlalu besar"), N_("Berkas atau data yang dikirim terlalu besar untuk diterima.")),
    422: (N_("Data tidak valid"), N_("Sebagian isian belum benar; tidak ada yang disimpan. Perbaiki isian yang "
                                     "disebutkan lalu kirim lagi.")),
    429: (N_("Terlalu banyak percobaan"), N_("Terlalu banyak permintaan atau percobaan yang gagal dalam waktu singkat. "
                                             "Tunggu sebentar, lalu coba lagi.")),
    503: (N_("Layanan sedang tidak tersedia"), N_("Basis data sedang tidak dapat dihubungi (misalnya sedang "
                                                   "dimulai ulang); tidak ada yang disimpan. Coba lagi dalam "
                                                   "beberapa saat.")),
    500: (N_("Terjadi kesalahan"), N_("Terjadi kesalahan pada sistem dan tidak ada yang disimpan. Coba lagi "
                                      "nanti; bila masih terjadi, hubungi administrator dengan menyebutkan kode "
                                      "permintaan di bawah.")),
}
CSRF_PAGE = (N_("Formulir kedaluwarsa"), N_("Formulir kedaluwarsa atau tidak sah; muat ulang halaman dan coba lagi."))


def status_of(exc: KlipError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str | None = None, fields: dict[str, str] | None = None,
                   page: tuple[str, str] | None = None) -> Any:
    """The error as JSON (API) or as the error page, in the request's language.

    ``message``: what went wrong here (an engine Text, or Indonesian UI text); the page's own explanation when
    there is none. ``page``: the page's title and explanation (by status by default).
    """
    title, explanation = page or PAGES.get(status, PAGES[500])
    shown_fields = {name: t(text) for name, text in (fields or {}).items()}
    if wants_json():
        response = jsonify(error=code, message=t(message or explanation), fields=shown_fields)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="klip-api"'
        return response, status
    return render_template("error.html", status=status, title=t(title), explanation=t(explanation),
                           message=t(message) if message else "", fields=shown_fields,
                           request_id=g.get("request_id", "")), status


def _signed_out(exc: NotAuthenticated) -> Any:
    """The session's user is no longer active: end the session and ask for a login (the API answers 401)."""
    if wants_json():
        return error_response(401, exc.code, exc.message)
    forget()
    if request.method != "GET":  # what was sent is not done: say so (401) rather than redirect it away
        return error_response(401, exc.code, exc.message)
    flash(t(exc.message), "error")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _own_description(exc: HTTPException) -> str | None:
    """A description the app gave when aborting (e.g. the API's "JSON object" 400); None for Werkzeug's own."""
    description = exc.description
    return description if description and description != type(exc).description else None


def init_app(app: Flask) -> None:
    @app.errorhandler(KlipError)
    def _klip(exc: KlipError) -> Any:
        if isinstance(exc, NotAuthenticated):
            return _signed_out(exc)
        if isinstance(exc, TooManyAttempts):
            response, status = error_response(429, exc.code, exc.message)
            return response, status, {"Retry-After": str(exc.retry_after_s)}
        return error_response(status_of(exc), exc.code, exc.message, getattr(exc, "fields", None))

    @app.errorhandler(OperationalError)
    def _database_unreachable(exc: DBAPIError) -> Any:
        """The database refused a connection or dropped it (a restart, a failover, a full disk): 503 and when to
        try again; the transaction was rolled back. The pool tests connections before use, so once the database is
        back the next request gets a fresh one."""
        current_app.logger.warning("database unavailable: %s", str(exc.orig).splitlines()[0][:200] if exc.orig else exc)
        response, status = error_response(503, CODES[503])
        return response, status, {"Retry-After": str(RETRY_AFTER_S)}

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return error_response(400, "csrf", page=CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = _own_description(exc)
        limit = request.max_content_length
        if status == 413 and limit and is_upload():
            message = N_("Berkas atau data yang dikirim melebihi batas {limit} MB. Pecah daftar menjadi beberapa "
                         "berkas.", limit=Count(limit // (1024 * 1024)))
        elif status == 413 and limit:
            message = N_("Data yang dikirim melebihi batas {limit} MB untuk permintaan ini.",
                         limit=Count(max(limit // (1024 * 1024), 1)))
        return error_response(status, CODES.get(status, "error"), message)
