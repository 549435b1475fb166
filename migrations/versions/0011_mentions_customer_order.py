"""mentions listed and keyset-paged by (created_at, tweet_id) instead of the internal id

Revision ID: 0011_mentions_customer_order
Revises: 0010_mention_links
Create Date: 2026-12-04 18:50:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_mentions_customer_order"
down_revision = "0010_mention_links"
branch_labels = None
depends_on = None


def upgrade():
    # The lists order by the customer's time; the internal id said only when we stored it.
    op.create_index(
        "ix_mentions_status_created_tweet", "mentions", ["status", "created_at", "tweet_id"]
    )
    op.drop_index("ix_mentions_status_id", table_name="mentions")
    # (created_at, tweet_id) serves the periods that (created_at) served, and the "all" list.
    op.create_index("ix_mentions_created_tweet", "mentions", ["created_at", "tweet_id"])
    op.drop_index("ix_mentions_created_at", table_name="mentions")


def downgrade():
    op.create_index("ix_mentions_created_at", "mentions", ["created_at"])
    op.drop_index("ix_mentions_created_tweet", table_name="mentions")
    op.create_index("ix_mentions_status_id", "mentions", ["status", "id"])
    op.drop_index("ix_mentions_status_created_tweet", table_name="mentions")
