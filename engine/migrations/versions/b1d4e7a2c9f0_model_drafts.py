"""model drafts: an uploaded or web-modelled BPMN with its forms and lint findings, reviewed before it is deployed

Revision ID: b1d4e7a2c9f0
Revises: 463f823facef
Create Date: 2026-11-30 16:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

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


def downgrade() -> None:
    op.drop_index(op.f('ix_model_drafts_process_id'), table_name='model_drafts')
    op.drop_table('model_drafts')
