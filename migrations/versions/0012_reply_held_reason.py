"""replies.held_reason: why a queued reply waits (X's 429 or our spent posting budget)

Revision ID: 0012_reply_held_reason
Revises: 0011_mentions_customer_order
Create Date: 2026-12-04 20:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_reply_held_reason"
down_revision = "0011_mentions_customer_order"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and without a default: an added column on SQLite and PostgreSQL alike.
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("held_reason", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("replies") as batch:
        batch.drop_column("held_reason")
