"""model drafts: an uploaded or web-modelled BPMN with its forms and lint findings, reviewed before it is deployed;
versions' identities recomputed with the canonical form that ignores XSD-default attributes and the DI order

Revision ID: b1d4e7a2c9f0
Revises: 463f823facef
Create Date: 2026-11-30 16:10:00.000000
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime
from engine.process.deployment import content_identity

revision = 'b1d4e7a2c9f0'
down_revision = '463f823facef'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=128), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('forms', sa.JSON(), nullable=False),
    sa.Column('sop_metadata', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('deployed_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deployed_version_id'], ['process_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_model_drafts_process_id'), 'model_drafts', ['process_id'], unique=False)
    _identities()


def _identities() -> None:
    """Each stored version's identity by today's canonical form (bpmn.io's round trip leaves out XSD defaults and
    reorders the diagram). Versions that now mean the same keep the oldest as that meaning's; a later one gets a hash
    no deploy computes, so it stays listed but is never chosen for a new deploy of that meaning."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, bpmn_xml, forms, sop_metadata FROM process_versions ORDER BY id")).all()
    for version_id, *_ in rows:  # first out of the way: a new identity may be another row's present hash
        bind.execute(sa.text("UPDATE process_versions SET sha256 = :sha WHERE id = :id"),
                     {"sha": f"migrating-{version_id}", "id": version_id})
    taken: set[str] = set()
    for version_id, xml, forms, sop in rows:
        identity = content_identity(str(xml).encode("utf-8"), _decode(forms), _decode(sop))
        if identity in taken:
            identity = hashlib.sha256(f"superseded:{version_id}:{identity}".encode()).hexdigest()
        taken.add(identity)
        bind.execute(sa.text("UPDATE process_versions SET sha256 = :sha WHERE id = :id"),
                     {"sha": identity, "id": version_id})


def _decode(value: object) -> dict:
    """A JSON column as SQLite (text) or PostgreSQL (already parsed) returns it."""
    return json.loads(value) if isinstance(value, str) else dict(value or {})  # type: ignore[call-overload]


def downgrade() -> None:
    op.drop_index(op.f('ix_model_drafts_process_id'), table_name='model_drafts')
    op.drop_table('model_drafts')
