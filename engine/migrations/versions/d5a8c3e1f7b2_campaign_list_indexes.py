"""campaign list indexes: the default order (newest first) and the count per status read an index instead of
sorting or grouping every campaign

Revision ID: d5a8c3e1f7b2
Revises: b1d4e7a2c9f0
Create Date: 2026-11-30 19:10:00.000000
"""
from alembic import op

revision = 'd5a8c3e1f7b2'
down_revision = 'b1d4e7a2c9f0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_campaigns_created_at_id', 'campaigns', ['created_at', 'id'], unique=False)
    op.create_index(op.f('ix_campaigns_status'), 'campaigns', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_campaigns_status'), table_name='campaigns')
    op.drop_index('ix_campaigns_created_at_id', table_name='campaigns')
