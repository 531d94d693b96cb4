"""Flask application factory. Views call engine services only; SpiffWorkflow is never imported here."""
from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, jsonify

from engine.context import Context
from engine.settings import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; nothing connects to a database until a request needs it."""
    app = Flask(__name__)
    settings = (config or {}).get("KLIP_SETTINGS") or Settings.from_env()
    secret = settings.secret_key or (secrets.token_hex(32) if settings.demo_mode else None)
    app.config.update(SECRET_KEY=secret, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY") and not app.config.get("TESTING"):
        raise RuntimeError("KLIP_SECRET_KEY must be set outside demo mode")
    app.extensions["klip"] = Context.from_settings(settings)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
