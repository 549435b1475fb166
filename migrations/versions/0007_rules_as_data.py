"""rules as data: guideline and priority rules in tables, seeded with today's defaults

Revision ID: 0007_rules_as_data
Revises: 0006_unbounded_x_text
Create Date: 2026-12-03 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_rules_as_data'
down_revision = '0006_unbounded_x_text'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
