"""Access to the engine from a request: the app's Context, who is asking, and from where."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user

from engine.access import WebSession, Who
from engine.context import Context

IDENTITY = "klip_identity"  # session key: the user's name and roles (menus), session stamp and when last used


def ctx() -> Context:
    return current_app.extensions["klip"]


def client_address() -> str:
    """The client's address (the peer's, or the one ``KLIP_PROXY_COUNT`` trusted proxies forwarded)."""
    return request.remote_addr or "-"


def web_session() -> WebSession:
    """The session's user and the session stamp it was opened with (the engine checks both)."""
    identity = session.get(IDENTITY)
    stamp = identity.get("stamp") if isinstance(identity, dict) else None
    return WebSession(str(current_user.get_id()), stamp if isinstance(stamp, str) else "")


def me() -> Who:
    """The API's bearer token or the session (each checked by the engine in the service's transaction)."""
    token = g.get("api_token")
    return token if token is not None else web_session()
