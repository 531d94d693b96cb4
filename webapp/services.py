"""Access to the engine from a request: the app's Context and who is asking."""
from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from engine.access import Who
from engine.context import Context


def ctx() -> Context:
    return current_app.extensions["klip"]


def me() -> Who:
    """The API's bearer token (checked by the engine in the service's transaction) or the session's user."""
    token = g.get("api_token")
    return token if token is not None else str(current_user.get_id())
