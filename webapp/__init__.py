"""Flask application factory. Views call engine services only; SpiffWorkflow is never imported here."""
from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, jsonify
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.context import Context
from engine.settings import Settings

from . import limits
from .converters import BoundedIntConverter

login_manager = LoginManager()
csrf = CSRFProtect()


def _configure(app: Flask, config: dict[str, Any] | None) -> Settings:
    config = dict(config or {})
    settings: Settings = config.pop("KLIP_SETTINGS", None) or Settings.from_env()
    secret = settings.secret_key or (secrets.token_hex(32) if settings.demo_mode or config.get("TESTING") else None)
    if not secret and not config.get("SECRET_KEY"):
        raise RuntimeError("KLIP_SECRET_KEY harus diisi di luar mode demo (KLIP_DEMO=1).")
    app.config.update(
        SECRET_KEY=secret, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not (settings.demo_mode or config.get("TESTING")),
        REMEMBER_COOKIE_HTTPONLY=True, MAX_CONTENT_LENGTH=50 * 1024 * 1024, WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(config)
    return settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; nothing connects to a database until a request needs it."""
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedIntConverter  # before any rule: oversized ids are 404, not 500
    settings = _configure(app, config)
    app.extensions["klip"] = Context.from_settings(settings, clock=app.config.get("KLIP_CLOCK"))
    if settings.proxy_count:  # the client's address as the trusted proxies forwarded it (login throttling)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count)  # type: ignore[method-assign]
    limits.init_app(app)  # first: no hook may read a body before its size limit is set
    login_manager.init_app(app)
    csrf.init_app(app)

    from . import auth, errors, filters, i18n, listing, per_request, requestlog, rows, security, views
    from .api import bp as api_bp

    requestlog.init_app(app)
    security.init_app(app, hsts=not settings.demo_mode)
    per_request.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(filters.bp)
    app.jinja_env.globals.update(row_url=listing.row_url, list_url=listing.list_url, inbox_rows=rows.inbox_rows,
                                 campaign_rows=rows.campaign_rows, campaign_options=rows.campaign_options)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    views.register(app)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)

    @app.get("/healthz")
    def healthz() -> Any:
        """For a load balancer or monitor: 200 when the database answers and its schema is current, else 503."""
        from engine import health

        state = health.check(app.extensions["klip"])
        body = jsonify(status="ok" if state.ok else "unavailable", database=state.database,
                       migrations=state.migrations)
        if state.ok:
            return body
        app.logger.warning("healthz: database %s, migrations %s %s", state.database, state.migrations, state.detail)
        return body, 503, {"Retry-After": str(errors.RETRY_AFTER_S)}

    return app
