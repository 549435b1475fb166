"""roll-ups' day level: per UTC day, the sums of the 15-minute buckets' counts and response
histograms (the desk's and each employee's), and per bucket the totals the per-hour chart
reads; built here from the bucket tables already stored

Revision ID: 0023_daily
Revises: 0022_channels
Create Date: 2026-12-06 03:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_daily"
down_revision = "0022_channels"
branch_labels = None
depends_on = None


# Plain SQL frozen at this revision (integer division on SQLite and PostgreSQL alike): the
# same rows services/rollup_days.rebuild_days writes. A key column added to a bucket table
# later is summed over here; its own migration adds it to the day table and rebuilds.
BUILD = (
    "INSERT INTO rollup_day_counts (day, status, priority, channel, mentions, responded,"
    " sla_met, sla_missed, moved_to_dm, dm_received, dm_answered) SELECT bucket / 96, status,"
    " priority, channel, sum(mentions), sum(responded), sum(sla_met), sum(sla_missed),"
    " sum(moved_to_dm), sum(dm_received), sum(dm_answered) FROM rollup_counts"
    " GROUP BY bucket / 96, status, priority, channel",
    "INSERT INTO rollup_day_response_bins (day, channel, bin, count) SELECT bucket / 96, channel,"
    " bin, sum(count) FROM rollup_response_bins GROUP BY bucket / 96, channel, bin",
    "INSERT INTO rollup_day_employee_bins (day, employee_id, bin, count) SELECT bucket / 96,"
    " employee_id, bin, sum(count) FROM rollup_employee_bins GROUP BY bucket / 96, employee_id,"
    " bin",
    "INSERT INTO rollup_bucket_totals (bucket, received, answered) SELECT bucket, sum(mentions),"
    " sum(CASE WHEN status IN ('answered', 'answered_elsewhere') THEN mentions ELSE 0 END)"
    " FROM rollup_counts GROUP BY bucket",
)


def upgrade():
    op.create_table(
        "rollup_day_counts",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_missed", sa.Integer(), nullable=False),
        sa.Column("moved_to_dm", sa.Integer(), nullable=False),
        sa.Column("dm_received", sa.Integer(), nullable=False),
        sa.Column("dm_answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "status", "priority", "channel", name=op.f("pk_rollup_day_counts")
        ),
    )
    op.create_table(
        "rollup_day_response_bins",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("bin", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "bin", name=op.f("pk_rollup_day_response_bins")),
    )
    op.create_table(
        "rollup_day_employee_bins",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("bin", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "employee_id", "bin", name=op.f("pk_rollup_day_employee_bins")
        ),
    )
    op.create_table(
        "rollup_bucket_totals",
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rollup_bucket_totals")),
    )
    for statement in BUILD:
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":  # plans for the new rows at once, not later
        op.execute(
            "ANALYZE rollup_day_counts, rollup_day_response_bins, rollup_day_employee_bins,"
            " rollup_bucket_totals"
        )


def downgrade():
    for table in (
        "rollup_bucket_totals",
        "rollup_day_employee_bins",
        "rollup_day_response_bins",
        "rollup_day_counts",
    ):
        op.drop_table(table)
