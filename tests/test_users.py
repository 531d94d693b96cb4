"""Users: creation rules, passwords, roles, API tokens, role checks."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import access, logins, users
from engine.errors import InvalidInput, NotAllowed, NotAuthenticated, NotFound
from engine.models import ApiToken, User


def login(make_ctx, username: str, password: str) -> users.UserView | None:  # type: ignore[no-untyped-def]
    """Who a login with this password lets in (None: refused)."""
    return logins.sign_in(make_ctx(), username, password, "127.0.0.1").user


def test_add_and_authenticate(make_ctx) -> None:  # type: ignore[no-untyped-def]
    view = users.create_user(make_ctx(), "siti", ["kasi", "admin"], "rahasia123", "Siti Aminah")
    assert view == users.UserView("siti", "Siti Aminah", ("admin", "kasi"), True)
    assert login(make_ctx, "siti", "rahasia123") == view
    assert login(make_ctx, "siti", "salah-sandi") is None
    assert login(make_ctx, "tidakada", "rahasia123") is None


def test_password_is_hashed_with_scrypt(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        user = users.add_user(session, ctx.now(), "budi", ["agen"], "rahasia123")
        assert user.password_hash is not None
        assert user.password_hash.startswith("scrypt:")
        assert "rahasia123" not in user.password_hash


def acting(make_ctx, who) -> users.UserView | None:  # type: ignore[no-untyped-def]
    """Who the engine lets act for ``who`` (a username or a bearer token), or None when refused."""
    ctx = make_ctx()
    try:
        with ctx.transaction() as session:
            return users.view(access.acting_user(session, who, ctx.now()))
    except NotAuthenticated:
        return None


def test_user_without_password_cannot_log_in(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "tanpa.sandi", ["pkl"])
    assert login(make_ctx, "tanpa.sandi", "") is None
    assert login(make_ctx, "tanpa.sandi", "apa-saja-123") is None


def test_inactive_user_is_refused(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "andi", ["agen"], "rahasia123")
    token = users.create_token(make_ctx(), "andi")
    ctx = make_ctx()
    with ctx.transaction() as session:
        users.set_active(session, "andi", False)
    assert login(make_ctx, "andi", "rahasia123") is None
    assert acting(make_ctx, access.BearerToken(token)) is None
    assert acting(make_ctx, "andi") is None
    with pytest.raises(NotAllowed):
        users.create_token(make_ctx(), "andi")
    ctx = make_ctx()
    with ctx.transaction() as session:
        assert users.users_with_role(session, "agen") == []


def test_field_errors_for_bad_input(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        with pytest.raises(InvalidInput) as caught:
            users.add_user(session, ctx.now(), "Bad Name!", ["kasi", "raja"], "pendek")
    assert set(caught.value.fields) == {"username", "roles", "password"}
    assert "raja" in caught.value.fields["roles"]


@pytest.mark.parametrize("name", ["a", "x" * 65, "Siti", "siti aminah", "siti@djp", ""])
def test_username_rules(ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session, pytest.raises(InvalidInput) as caught:
        users.add_user(session, ctx.now(), name, ["agen"])
    assert set(caught.value.fields) == {"username"}


def test_accepted_usernames(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        for name in ["ab", "siti.aminah", "agen_01", "pkl-2", "x" * 64]:
            users.add_user(session, ctx.now(), name, ["agen"])


def test_duplicate_username_refused(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "siti", ["kasi"])
    with pytest.raises(InvalidInput) as caught:
        users.create_user(make_ctx(), "siti", ["agen"])
    assert set(caught.value.fields) == {"username"}
    assert [u.roles for u in users.list_users(make_ctx())] == [("kasi",)]


def test_set_roles_and_password(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "dewi", ["agen", "pelaksana"], "rahasia123")
    ctx = make_ctx()
    with ctx.transaction() as session:
        users.set_roles(session, "dewi", ["pelaksana", "kasi"])
        users.set_password(session, "dewi", "sandi-baru-456")
        with pytest.raises(InvalidInput):
            users.set_roles(session, "dewi", ["raja"])
        with pytest.raises(InvalidInput):
            users.set_password(session, "dewi", "pendek")
    assert acting(make_ctx, "dewi") == users.UserView("dewi", "", ("kasi", "pelaksana"))
    assert login(make_ctx, "dewi", "rahasia123") is None
    assert login(make_ctx, "dewi", "sandi-baru-456") is not None


def test_get_user_not_found(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session, pytest.raises(NotFound):
        users.get_user(session, "hantu")


def test_users_with_role_sorted_and_validated(make_ctx) -> None:  # type: ignore[no-untyped-def]
    for name in ["zaki", "ayu", "made"]:
        users.create_user(make_ctx(), name, ["agen"])
    users.create_user(make_ctx(), "kasi1", ["kasi"])
    ctx = make_ctx()
    with ctx.transaction() as session:
        assert [u.username for u in users.users_with_role(session, "agen")] == ["ayu", "made", "zaki"]
        with pytest.raises(InvalidInput):
            users.users_with_role(session, "raja")


def test_require_roles(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.transaction() as session:
        kk = users.add_user(session, ctx.now(), "kk", ["kepala_kantor"])
        assert access.require_roles(kk, {"kepala_kantor"}).username == "kk"
        with pytest.raises(NotAllowed, match="Administrator"):
            access.require_roles(kk, {"admin"})
        with pytest.raises(NotAllowed):
            access.require_roles(access.acting_user(session, "hantu", ctx.now()), {"admin"})


def test_token_round_trip(make_ctx, clock) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "analis1", ["analis"])
    token = users.create_token(make_ctx(), "analis1")
    clock.set(clock() + timedelta(hours=1))
    assert acting(make_ctx, access.BearerToken(token)) == users.UserView("analis1", "", ("analis",))
    ctx = make_ctx()
    with ctx.transaction() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_sha256
        assert row.last_used_at == clock()


def test_unknown_token(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "analis1", ["analis"])
    users.create_token(make_ctx(), "analis1")
    assert acting(make_ctx, access.BearerToken("bukan-token")) is None
    assert acting(make_ctx, access.BearerToken("")) is None


def test_tokens_are_distinct_and_revocable(make_ctx) -> None:  # type: ignore[no-untyped-def]
    users.create_user(make_ctx(), "analis1", ["analis"])
    first, second = users.create_token(make_ctx(), "analis1"), users.create_token(make_ctx(), "analis1")
    assert first != second and len(first) >= 43
    ctx = make_ctx()
    with ctx.transaction() as session:
        assert users.revoke_tokens(session, "analis1") == 2
    assert acting(make_ctx, access.BearerToken(first)) is None


def test_failed_service_call_stores_nothing(make_ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        users.create_user(make_ctx(), "siti", ["raja"])
    ctx = make_ctx()
    with ctx.transaction() as session:
        assert session.scalars(select(User)).all() == []


def test_roles_have_indonesian_labels() -> None:
    assert list(users.ROLES) == [
        "kasi", "pelaksana", "agen", "kepala_kantor", "pkl", "kepala_seksi_pkl", "pengguna_layanan", "analis",
        "admin",
    ]
    assert users.ROLES["kepala_kantor"] == "Kepala Kantor"
