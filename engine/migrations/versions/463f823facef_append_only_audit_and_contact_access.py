"""append-only audit trail (triggers refuse UPDATE and DELETE) and the contacts each personal-data access showed

Revision ID: 463f823facef
Revises: c7b22772b5c3
Create Date: 2026-11-30 15:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

from engine import append_only

revision = '463f823facef'
down_revision = 'c7b22772b5c3'
branch_labels = None
depends_on = None

# The contact each earlier single-contact access named in its data (a list's contacts were not recorded then).
BACKFILL = {
    "sqlite": "INSERT INTO audit_event_contacts (event_id, contact_id) SELECT id, CAST(json_extract(data, "
              "'$.contact_id') AS INTEGER) FROM audit_events WHERE action IN ('contact_viewed', 'call_recorded') "
              "AND json_extract(data, '$.contact_id') IS NOT NULL",
    "postgresql": "INSERT INTO audit_event_contacts (event_id, contact_id) SELECT id, (data ->> 'contact_id')::int "
                  "FROM audit_events WHERE action IN ('contact_viewed', 'call_recorded') "
                  "AND data ->> 'contact_id' IS NOT NULL",
}


def upgrade() -> None:
    op.create_table('audit_event_contacts',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], ),
    sa.PrimaryKeyConstraint('event_id', 'contact_id')
    )
    with op.batch_alter_table('audit_event_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_contacts_contact_id'), ['contact_id'], unique=False)

    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL[dialect])
    for table in append_only.TABLES:
        for statement in append_only.statements(dialect, table):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in append_only.TABLES:
        for statement in append_only.drop_statements(dialect, table):
            op.execute(statement)
    with op.batch_alter_table('audit_event_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_contacts_contact_id'))

    op.drop_table('audit_event_contacts')
