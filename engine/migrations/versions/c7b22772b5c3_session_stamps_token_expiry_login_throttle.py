"""session stamps, API token expiry, login throttle

Revision ID: c7b22772b5c3
Revises: 5d1e0c7a9b21
Create Date: 2026-12-02 09:00:00.000000
"""
import secrets

import sqlalchemy as sa
from alembic import op

import engine.models

revision = 'c7b22772b5c3'
down_revision = '5d1e0c7a9b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', engine.models.UTCDateTime(), nullable=False),
    sa.Column('locked_until', engine.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', engine.models.UTCDateTime(), nullable=True))

    # Every existing user gets a stamp of its own (the sessions of before the upgrade carry none: they end).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), nullable=True))
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('session_stamp', sa.String(32)))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_stamp=secrets.token_hex(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_stamp', existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    op.drop_table('login_throttle')
