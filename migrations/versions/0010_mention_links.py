"""mentions keep the links X listed (t.co form and expanded target) beside their text

Revision ID: 0010_mention_links
Revises: 0009_performance_indexes
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_mention_links'
down_revision = '0009_performance_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentions') as batch_op:
        batch_op.add_column(sa.Column('links', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('mentions') as batch_op:
        batch_op.drop_column('links')
