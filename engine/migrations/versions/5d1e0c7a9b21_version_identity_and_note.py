"""a version's identity is its meaning (canonical BPMN + forms + sidecar), and its deploy note

Revision ID: 5d1e0c7a9b21
Revises: 8ca573b72ccc
Create Date: 2026-11-30 15:00:00
"""
import json

import sqlalchemy as sa
from alembic import op

from engine.process.deployment import content_identity

revision = '5d1e0c7a9b21'
down_revision = '8ca573b72ccc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=True))
    _identities()


def _identities() -> None:
    """Versions deployed before: their hash becomes the identity of their meaning. Two stored versions that differ
    only in their bytes (whitespace, attribute order) keep the older one's identity; the later one keeps its old
    hash, so it stays listed but is never chosen for a new deploy of that meaning."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, bpmn_xml, forms, sop_metadata FROM process_versions ORDER BY id")).all()
    taken: set[str] = set()
    for version_id, xml, forms, sop in rows:
        identity = content_identity(str(xml).encode("utf-8"), decode(forms), decode(sop))
        if identity in taken:
            continue
        taken.add(identity)
        bind.execute(sa.text("UPDATE process_versions SET sha256 = :sha WHERE id = :id"),
                     {"sha": identity, "id": version_id})


def decode(value: object) -> dict:
    """A JSON column as SQLite (text) or PostgreSQL (already parsed) returns it."""
    return json.loads(value) if isinstance(value, str) else dict(value or {})  # type: ignore[call-overload]


def downgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_column('note')
