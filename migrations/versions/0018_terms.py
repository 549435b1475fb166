"""listening's roll-ups: per UTC hour and per UTC day counts of mentions, terms, hashtags, tones
and priorities; not built here (tokenising every stored mention takes minutes at 1M): the state
row starts with no watermark, the listening figures are computed as before (a sample of the
newest texts) until the first `refresh_listening` job, which builds everything

Revision ID: 0018_terms
Revises: 0017_costs
Create Date: 2026-12-05 12:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_terms"
down_revision = "0017_costs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "listening_hours",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "kind", "term", name=op.f("pk_listening_hours")),
    )
    op.create_index("ix_listening_hours_kind_hour", "listening_hours", ["kind", "hour"])
    op.create_table(
        "listening_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "term", name=op.f("pk_listening_days")),
    )
    op.create_table(
        "listening_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rules_key", sa.String(length=64), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_state")),
    )
    # The watermark the job reads: none yet, so its first run builds every hour and day.
    state = sa.table("listening_state", sa.column("id"), sa.column("watermark"))
    op.bulk_insert(state, [{"id": 1, "watermark": None}])
    # The job finds mentions ingested since its watermark through mentions.changed_at's index
    # (a mention's changed_at is never before its ingested_at).


def downgrade():
    for table in ("listening_state", "listening_days", "listening_hours"):
        op.drop_table(table)
