"""Helpers for route and API tests."""
from __future__ import annotations

from typing import Any

from engine.users import create_token, find_user
from webapp.auth import IDENTITY


def login_as(client: Any, username: str) -> Any:
    """Log a test client in as ``username`` (the session a real login makes) without paying for a password hash."""
    with client.application.extensions["klip"].transaction() as session:
        user = find_user(session, username)
        identity = {"full_name": user.full_name if user else "", "roles": sorted(user.role_names) if user else []}
    with client.session_transaction() as cookie:
        cookie["_user_id"] = username
        cookie["_fresh"] = True
        cookie[IDENTITY] = identity
    return client


def bearer(ctx: Any, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(ctx, username)}"}
