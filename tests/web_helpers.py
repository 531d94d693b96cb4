"""Helpers for route and API tests."""
from __future__ import annotations

from typing import Any

from engine.users import create_token


def login_as(client: Any, username: str) -> Any:
    """Log a test client in as ``username`` (flask-login session) without paying for a password hash."""
    with client.session_transaction() as session:
        session["_user_id"] = username
        session["_fresh"] = True
    return client


def bearer(ctx: Any, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(ctx, username)}"}
