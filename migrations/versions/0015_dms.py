"""dms: mentions gain kind (post | dm), the DM conversation and the move-to-DM link; replies
gain their channel and DM event id; the brand account keeps a DM cursor

Revision ID: 0015_dms
Revises: 0018_terms
Create Date: 2026-12-05 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_dms"
down_revision = "0018_terms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=8), server_default="post", nullable=False)
        )
        batch.add_column(sa.Column("dm_conversation_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("moved_to_dm_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dm_of_mention_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_mentions_dm_of_mention_id_mentions"), "mentions", ["dm_of_mention_id"], ["id"]
        )
        batch.create_index(
            op.f("ix_mentions_dm_conversation_id"), ["dm_conversation_id"], unique=False
        )
    with op.batch_alter_table("replies") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=8), server_default="post", nullable=False)
        )
        batch.add_column(sa.Column("x_dm_event_id", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(op.f("uq_replies_x_dm_event_id"), ["x_dm_event_id"])
    with op.batch_alter_table("brand_accounts") as batch:
        batch.add_column(sa.Column("dm_cursor", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("last_dm_ingest_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("brand_accounts") as batch:
        batch.drop_column("last_dm_ingest_at")
        batch.drop_column("dm_cursor")
    with op.batch_alter_table("replies") as batch:
        batch.drop_constraint(op.f("uq_replies_x_dm_event_id"), type_="unique")
        batch.drop_column("x_dm_event_id")
        batch.drop_column("channel")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_index(op.f("ix_mentions_dm_conversation_id"))
        batch.drop_constraint(op.f("fk_mentions_dm_of_mention_id_mentions"), type_="foreignkey")
        batch.drop_column("dm_of_mention_id")
        batch.drop_column("moved_to_dm_at")
        batch.drop_column("dm_conversation_id")
        batch.drop_column("kind")
