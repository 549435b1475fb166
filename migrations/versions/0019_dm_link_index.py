"""dm link index: index mentions.dm_of_mention_id (the move-to-DM link), so finding the DMs of
a public mention is an index look-up and deleting a mention no longer scans every mention for
rows that point at it (the foreign key's check: quadratic when a benchmark empties the table)

Revision ID: 0019_dm_link_index
Revises: 0015_dms
Create Date: 2026-12-05 23:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_dm_link_index"
down_revision = "0015_dms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mentions") as batch:
        batch.create_index(op.f("ix_mentions_dm_of_mention_id"), ["dm_of_mention_id"])


def downgrade():
    with op.batch_alter_table("mentions") as batch:
        batch.drop_index(op.f("ix_mentions_dm_of_mention_id"))
