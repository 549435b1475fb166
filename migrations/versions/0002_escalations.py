"""escalations

Revision ID: 0002_escalations
Revises: c993997911ee
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_escalations'
down_revision = 'c993997911ee'
branch_labels = None
depends_on = None

OPEN_SQL = "status = 'open'"


def upgrade():
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('sla_breach', 'rule', 'manual', name='escalationkind', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='escalationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['employees.id'], name=op.f('fk_escalations_assigned_to_id_employees')),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_escalations_mention_id_mentions')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['employees.id'], name=op.f('fk_escalations_raised_by_id_employees')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['employees.id'], name=op.f('fk_escalations_resolved_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_mention_id'), ['mention_id'], unique=False)
        batch_op.create_index('ix_escalations_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('uq_escalations_open_mention', ['mention_id'], unique=True, sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL))


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('uq_escalations_open_mention', sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL))
        batch_op.drop_index('ix_escalations_status_created')
        batch_op.drop_index(batch_op.f('ix_escalations_mention_id'))

    op.drop_table('escalations')
