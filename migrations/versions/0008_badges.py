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
    pass


def downgrade():
    pass
