"""Append-only tables, enforced by the database itself: triggers refuse every UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) of the audit trail, whoever connects — the application, a console, a script.

The same statements serve ``Base.metadata.create_all`` (attached to the tables below) and the Alembic migration
that added them to existing databases. On SQLite a batch migration that rebuilds one of these tables drops its
triggers with the old table: such a migration must call ``statements`` again for it.
"""
from __future__ import annotations

from sqlalchemy import DDL, Table, event

TABLES = ("audit_events", "audit_event_contacts")
FUNCTION = "klip_refuse_change"  # PostgreSQL: the one trigger function every append-only table uses

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$"""


def statements(dialect: str, table: str) -> list[str]:
    """The DDL that makes ``table`` append-only on ``dialect`` (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
                for op in ("UPDATE", "DELETE")]
    if dialect == "postgresql":
        return [_POSTGRES_FUNCTION,
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"]
    raise ValueError(f"append-only tables are not set up for {dialect}")


def drop_statements(dialect: str, table: str) -> list[str]:
    """The DDL that undoes ``statements`` (the migration's downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]


def attach(table: Table) -> None:
    """Create the triggers whenever ``create_all`` creates ``table`` (tests, a new database without Alembic)."""
    for dialect in ("sqlite", "postgresql"):
        for statement in statements(dialect, table.name):
            # DDL formats its text with %: the function's message placeholders are escaped
            event.listen(table, "after_create", DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))
