"""badges earned by responders, computed from the audit log

Revision ID: 0008_badges
Revises: 0007_rules_as_data
Create Date: 2026-12-03 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_badges'
down_revision = '0007_rules_as_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('employee_badges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_employee_badges_employee_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employee_badges')),
    sa.UniqueConstraint('employee_id', 'kind', 'period', name=op.f('uq_employee_badges_employee_id'))
    )


def downgrade():
    op.drop_table('employee_badges')
