"""task index campaign: each READY task's row carries its instance's campaign, so the inbox's campaign choices, counts
and page read the task index (ix_task_index_role_lists now ends on the campaign) without looking up each task's
instance

Revision ID: a9e5c1d7f3b4
Revises: f4c2a7d9b1e3
Create Date: 2026-11-30 23:50:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'a9e5c1d7f3b4'
down_revision = 'f4c2a7d9b1e3'
branch_labels = None
depends_on = None

BEFORE = ['role', 'bpmn_id', 'lane', 'name', 'assignee', 'claimed_by', 'due_at', 'instance_id']
AFTER = ['role', 'bpmn_id', 'lane', 'name', 'assignee', 'claimed_by', 'due_at', 'campaign_id']


def upgrade() -> None:
    with op.batch_alter_table('task_index', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_task_index_campaign_id_campaigns', 'campaigns', ['campaign_id'], ['id'])
    # The rows of the tasks already READY take their instance's campaign.
    op.execute('UPDATE task_index SET campaign_id = '
               '(SELECT instances.campaign_id FROM instances WHERE instances.id = task_index.instance_id)')
    op.drop_index('ix_task_index_role_lists', table_name='task_index')
    op.create_index('ix_task_index_role_lists', 'task_index', AFTER, unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_index_role_lists', table_name='task_index')
    op.create_index('ix_task_index_role_lists', 'task_index', BEFORE, unique=False)
    with op.batch_alter_table('task_index', schema=None) as batch_op:
        batch_op.drop_constraint('fk_task_index_campaign_id_campaigns', type_='foreignkey')
        batch_op.drop_column('campaign_id')
