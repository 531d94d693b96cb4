"""Headers on every response: what the browser may load, framing, sniffing, referrers, HTTPS, and caching.

- Content-Security-Policy: scripts only from our own static files (no inline script, no ``eval``); styles from our
  files plus inline ``<style>``/``style=`` (the rendered diagrams carry their look in one ``<style>`` block, and
  progress bars set a width) — a style cannot run code; images ours or ``data:``; no plugins; forms post only to us;
  ``frame-ancestors 'none'`` (with ``X-Frame-Options: DENY`` for older browsers): no page can be framed, so no one
  can overlay the signing form.
- ``Cache-Control: no-store`` on every response but the static files: pages and API answers carry taxpayers'
  names, NPWPs and phone numbers, which must not stay in a shared or browser cache.
- ``Strict-Transport-Security`` outside demo mode (production is served over HTTPS; demo runs on plain HTTP).
"""
from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask, hsts: bool) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
            headers.pop("Last-Modified", None)
            headers.pop("ETag", None)
        return response
