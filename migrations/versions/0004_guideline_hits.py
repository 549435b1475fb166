"""guideline hits

Revision ID: 0004_guideline_hits
Revises: 0003_canned_replies
Create Date: 2026-11-30 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_guideline_hits'
down_revision = '0003_canned_replies'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guideline_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.Enum('blocked', 'warned', 'confirmed', name='guidelineoutcome', native_enum=False, length=16), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_guideline_hits_employee_id_employees')),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_guideline_hits_mention_id_mentions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guideline_hits'))
    )
    with op.batch_alter_table('guideline_hits', schema=None) as batch_op:
        batch_op.create_index('ix_guideline_hits_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('guideline_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_guideline_hits_at')

    op.drop_table('guideline_hits')
