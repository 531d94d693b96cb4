"""Access to the engine from a request: the app's Context and the logged-in username."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from engine.context import Context


def ctx() -> Context:
    return current_app.extensions["klip"]


def me() -> str:
    return str(current_user.get_id())
