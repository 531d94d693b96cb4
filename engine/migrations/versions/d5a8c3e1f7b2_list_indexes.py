"""list indexes: the campaign list's default order (newest first) and its count per status read an index instead
of sorting or grouping every campaign; the task index's role index grows into one the inbox's aggregates read alone

Revision ID: d5a8c3e1f7b2
Revises: b1d4e7a2c9f0
Create Date: 2026-11-30 19:10:00.000000
"""
from alembic import op

revision = 'd5a8c3e1f7b2'
down_revision = 'b1d4e7a2c9f0'
branch_labels = None
depends_on = None

TASK_LIST_COLUMNS = ['role', 'bpmn_id', 'lane', 'name', 'assignee', 'claimed_by', 'due_at', 'instance_id']


def upgrade() -> None:
    op.create_index('ix_campaigns_created_at_id', 'campaigns', ['created_at', 'id'], unique=False)
    op.create_index(op.f('ix_campaigns_status'), 'campaigns', ['status'], unique=False)
    op.create_index('ix_task_index_role_lists', 'task_index', TASK_LIST_COLUMNS, unique=False)
    op.drop_index(op.f('ix_task_index_role'), table_name='task_index')


def downgrade() -> None:
    op.create_index(op.f('ix_task_index_role'), 'task_index', ['role'], unique=False)
    op.drop_index('ix_task_index_role_lists', table_name='task_index')
    op.drop_index(op.f('ix_campaigns_status'), table_name='campaigns')
    op.drop_index('ix_campaigns_created_at_id', table_name='campaigns')
