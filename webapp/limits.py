"""How much a request may send: a target list upload up to ``MAX_CONTENT_LENGTH`` (50 MB), a process model with its
forms 8 MB, anything else 1 MB.

50 MB holds a list of 100,000 rows with room to spare (the demo's 6-column list: 9.5 MB as CSV), and the import
reads the uploaded file where the server spooled it, never whole into memory (``engine.campaign.target_file``).

A form or a JSON body is parsed whole before a view sees it, and parsing costs far more memory than the bytes sent
(a 48 MB JSON array of empty objects takes over 1 GB); no task form, call or comment comes near 1 MB. The limit is
set before any other hook reads the body (the CSRF check reads the form), so a larger body is a 413 unread.
"""
from __future__ import annotations

from flask import Flask, request

UPLOAD_ENDPOINTS = frozenset({"campaigns.upload", "api.create_campaign"})  # a target list: up to MAX_CONTENT_LENGTH
MAX_BODY = 1024 * 1024  # any other request's body
# A process model with its forms (``engine.drafts``: a model up to 5 MiB, forms up to 256 KiB each).
MODEL_ENDPOINTS = frozenset({"analyst.upload", "analyst.modeler_save"})
MAX_MODEL_BODY = 8 * 1024 * 1024


def is_upload() -> bool:
    return request.endpoint in UPLOAD_ENDPOINTS


def _limit_body() -> None:
    if request.endpoint in MODEL_ENDPOINTS:
        request.max_content_length = MAX_MODEL_BODY
    elif not is_upload():
        request.max_content_length = MAX_BODY


def init_app(app: Flask) -> None:
    """Call before any extension that reads the request body registers its hooks (Flask-WTF's CSRF check)."""
    app.before_request(_limit_body)
