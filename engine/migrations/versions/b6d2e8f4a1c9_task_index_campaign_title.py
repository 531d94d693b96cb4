"""task index campaign title: each READY task's row carries its campaign's title, and ix_task_index_role_campaigns
holds a lane's campaigns by title, so the inbox's campaign filter reads only the entries it offers (not every task of
the lane, each looked up in campaigns, then sorted)

Revision ID: b6d2e8f4a1c9
Revises: a9e5c1d7f3b4
Create Date: 2026-12-01 02:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'b6d2e8f4a1c9'
down_revision = 'a9e5c1d7f3b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_index', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_title', sa.String(length=255), nullable=True))
    # The rows of the tasks already READY take their campaign's title.
    op.execute('UPDATE task_index SET campaign_title = '
               '(SELECT campaigns.title FROM campaigns WHERE campaigns.id = task_index.campaign_id)')
    op.create_index('ix_task_index_role_campaigns', 'task_index',
                    ['role', sa.text('lower(campaign_title)'), 'campaign_id', 'assignee', 'campaign_title'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_index_role_campaigns', table_name='task_index')
    with op.batch_alter_table('task_index', schema=None) as batch_op:
        batch_op.drop_column('campaign_title')
