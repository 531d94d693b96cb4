"""Is the service healthy: the database reachable, and its schema at the migrations' head (``/healthz``)."""
from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def check(ctx: Context) -> Health:
    """One short connection: the schema's revision against the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(ctx.settings.database_url)).get_heads())
    try:
        with ctx.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except (DBAPIError, SQLAlchemyError) as exc:
        return Health("unreachable", "unknown", str(getattr(exc, "orig", exc)).splitlines()[0][:200])
    return Health("ok", "current" if current == heads else "behind")
