"""roll-ups: per 15-minute bucket counts and response histograms, built here for existing data;
mentions.changed_at and replies.changed_at say what changed since the roll-ups' watermark

Revision ID: 0013_rollups
Revises: 0012_reply_held_reason
Create Date: 2026-12-05 08:00:00.000000

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_rollups"
down_revision = "0012_reply_held_reason"
branch_labels = None
depends_on = None

CHUNK = timedelta(days=7)  # mentions read per step while building: bounded memory


def upgrade():
    for table in ("mentions", "replies"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(f"ix_{table}_changed_at", table, ["changed_at"])
    op.create_table(
        "rollup_counts",
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_missed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "status", "priority", name=op.f("pk_rollup_counts")),
    )
    op.create_table(
        "rollup_response_bins",
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("bin", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "bin", name=op.f("pk_rollup_response_bins")),
    )
    op.create_table(
        "rollup_employee_bins",
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("bin", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "bucket", "employee_id", "bin", name=op.f("pk_rollup_employee_bins")
        ),
    )
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_normal_seconds", sa.Integer(), nullable=True),
        sa.Column("sla_high_seconds", sa.Integer(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    _build()


def _utc(value):
    """A datetime from the database: text on SQLite (UTC), timestamptz on PostgreSQL."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _stored(bind, value):
    """A UTC datetime as the column stores it."""
    if bind.dialect.name == "sqlite":
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value


def _sla(bind):
    """The SLA targets now: the settings' defaults, overridden by the sla_targets rows."""
    from flask import current_app

    settings = current_app.config["HELPDESK"]
    sla = {"normal": settings.sla_normal_seconds, "high": settings.sla_high_seconds}
    for priority, seconds in bind.execute(sa.text("SELECT priority, seconds FROM sla_targets")):
        sla[priority] = seconds
    return sla


def _build():
    """The roll-ups of every mention already stored, with the app's own fold (the numbers a
    `helpdesk rollups rebuild` gives), then the watermark: now."""
    from helpdesk.services.rollups import fold, table_rows

    bind = op.get_bind()
    now = datetime.now(UTC)
    sla = _sla(bind)
    oldest, newest = bind.execute(
        sa.text("SELECT min(created_at), max(created_at) FROM mentions")
    ).one()
    tables = {
        "rollup_counts": sa.table(
            "rollup_counts",
            *(sa.column(n) for n in "bucket status priority mentions responded".split()),
            sa.column("sla_met"),
            sa.column("sla_missed"),
        ),
        "rollup_response_bins": sa.table(
            "rollup_response_bins", sa.column("bucket"), sa.column("bin"), sa.column("count")
        ),
        "rollup_employee_bins": sa.table(
            "rollup_employee_bins",
            sa.column("bucket"),
            sa.column("employee_id"),
            sa.column("bin"),
            sa.column("count"),
        ),
    }
    rows_sql = sa.text(
        "SELECT m.id, m.created_at, m.status, m.priority, m.closed_at, r.author_id, r.posted_at"
        " FROM mentions m LEFT JOIN replies r ON r.mention_id = m.id AND r.status = 'posted'"
        " WHERE m.created_at >= :lo AND m.created_at < :hi"
    )
    if oldest is not None:
        # Weeks aligned to the buckets (every 900 s boundary is also a week-step boundary).
        start = datetime.fromtimestamp(_utc(oldest).timestamp() // 900 * 900, UTC)
        end = _utc(newest) + timedelta(seconds=1)
        while start < end:
            bounds = {"lo": _stored(bind, start), "hi": _stored(bind, start + CHUNK)}
            found = [
                (i, _utc(c), s, p, _utc(closed), a, _utc(posted))
                for i, c, s, p, closed, a, posted in bind.execute(rows_sql, bounds)
            ]
            for name, rows in zip(tables, table_rows(fold(found, sla)), strict=True):
                # Only this revision's columns: later keys (0022's channel) take their defaults.
                known = tables[name].c
                rows = [{k: v for k, v in row.items() if k in known} for row in rows]
                if rows:
                    bind.execute(tables[name].insert(), rows)
            start += CHUNK
    state = sa.table(
        "rollup_state",
        sa.column("id"),
        sa.column("watermark"),
        sa.column("sla_normal_seconds"),
        sa.column("sla_high_seconds"),
        sa.column("refreshed_at"),
    )
    bind.execute(
        state.insert().values(
            id=1,
            watermark=_stored(bind, now),
            sla_normal_seconds=sla["normal"],
            sla_high_seconds=sla["high"],
            refreshed_at=_stored(bind, now),
        )
    )


def downgrade():
    for table in ("rollup_state", "rollup_employee_bins", "rollup_response_bins", "rollup_counts"):
        op.drop_table(table)
    for table in ("replies", "mentions"):
        op.drop_index(f"ix_{table}_changed_at", table_name=table)
        # Not a batch copy: on SQLite that rebuilds `mentions`, which other tables point at.
        op.execute(f"ALTER TABLE {table} DROP COLUMN changed_at")
