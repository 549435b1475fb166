"""search plans on PostgreSQL: mentions.text keeps a 1,000-entry statistics sample (the
default is 100), so the planner can tell a word in 0.6% of the mentions ("store": 6,364 of 1M)
from a rare one: with 100 entries it guessed 78 rows and read all 6,364 through the trigram
index, then sorted them (31 ms); now it walks the newest first and stops at the page (8 ms)

Revision ID: 0026_text_statistics
Revises: 0025_search_trigrams
Create Date: 2026-12-06 21:15:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_text_statistics"
down_revision = "0025_search_trigrams"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE mentions ALTER COLUMN text SET STATISTICS 1000")
    op.execute("ANALYZE mentions (text)")  # ~3 s at 1M: the plans are right at once


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE mentions ALTER COLUMN text SET STATISTICS -1")
