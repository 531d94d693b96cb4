"""notifications unread index: the inbox's count of a user's unread notifications reads one index (user_id,
read_at) instead of each of the user's notifications (the index on user_id stays: the notifications page reads it
newest first)

Revision ID: f4c2a7d9b1e3
Revises: e3b9f1c4a6d8
Create Date: 2026-11-30 22:20:00.000000
"""
from alembic import op

revision = 'f4c2a7d9b1e3'
down_revision = 'e3b9f1c4a6d8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_user_read', table_name='notifications')
