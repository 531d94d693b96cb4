"""task index due order: the inbox's page in its default order (due date, none last, then the longest waiting)
reads the role's tasks in index order and stops at the page, instead of sorting all of them

Revision ID: e3b9f1c4a6d8
Revises: d5a8c3e1f7b2
Create Date: 2026-11-30 21:20:00.000000
"""
from alembic import op

revision = 'e3b9f1c4a6d8'
down_revision = 'd5a8c3e1f7b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_task_index_role_due', 'task_index', ['role', 'due_at', 'ready_at', 'task_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_index_role_due', table_name='task_index')
