"""indexes for the inbox, coverage and audit queries at a million mentions

Revision ID: 0009_performance_indexes
Revises: 0008_badges
Create Date: 2026-12-03 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_performance_indexes'
down_revision = '0008_badges'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
