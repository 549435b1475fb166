"""an index on mentions.dm_of_mention_id: linking a customer's new DM to the mention moved to DM
asks "is any DM linked to this mention yet?" on every new DM, which read every mention without it

Revision ID: 0019_dmrest
Revises: 0015_dms
Create Date: 2026-12-05 23:58:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_dmrest"
down_revision = "0015_dms"  # the head: 0015_dms came after 0018_terms
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mentions", schema=None) as batch:
        batch.create_index(batch.f("ix_mentions_dm_of_mention_id"), ["dm_of_mention_id"])


def downgrade():
    with op.batch_alter_table("mentions", schema=None) as batch:
        batch.drop_index(batch.f("ix_mentions_dm_of_mention_id"))
