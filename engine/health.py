"""Is the service healthy: the database reachable, and its schema at the migrations' head (``/healthz``)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .context import Context
from .migrate import alembic_config


@dataclass(frozen=True)
class Health:
    database: str  # "ok" | "unreachable"
    migrations: str  # "current" | "behind" | "unknown" (database unreachable)
    detail: str = ""  # the driver's message when unreachable (for the operator, never shown to users)

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.migrations == "current"


@cache
def _heads() -> frozenset[str]:
    """The newest migrations (read from the scripts once per process: they do not change while it runs)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check(ctx: Context) -> Health:
    """One short connection: the schema's revision against the newest migration (a monitor polls this)."""
    try:
        with ctx.engine.connect() as connection:
            current = (frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
                       if inspect(connection).has_table("alembic_version") else frozenset())
    except (DBAPIError, SQLAlchemyError) as exc:
        return Health("unreachable", "unknown", str(getattr(exc, "orig", exc)).splitlines()[0][:200])
    return Health("ok", "current" if current == _heads() else "behind")
