"""roll-ups by channel: rollup_counts and rollup_response_bins gain `channel` ('post' | 'dm') in
their primary keys, rollup_counts the moved-to-DM counts; every figure is rebuilt for the data
already stored (DMs were counted as posts before), so the roll-ups stay exact

Revision ID: 0022_channels
Revises: 0020_notes
Create Date: 2026-12-06 03:30:00.000000

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_channels"
down_revision = "0021_tags"
branch_labels = None
depends_on = None

CHUNK = timedelta(days=7)  # mentions read per step while building: bounded memory
MOVED_COUNTS = ("moved_to_dm", "dm_received", "dm_answered")


def upgrade():
    # Batch mode: SQLite cannot change a primary key in place (the table is copied).
    with op.batch_alter_table("rollup_counts") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="post")
        )
        for name in MOVED_COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("pk_rollup_counts", type_="primary")
        batch.create_primary_key("pk_rollup_counts", ["bucket", "status", "priority", "channel"])
    with op.batch_alter_table("rollup_response_bins") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="post")
        )
        batch.drop_constraint("pk_rollup_response_bins", type_="primary")
        batch.create_primary_key("pk_rollup_response_bins", ["bucket", "channel", "bin"])
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


# A public mention moved to DM (1/0), its customer's DM linked to it, that DM answered.
ROWS_SQL = """
SELECT m.id, m.created_at, m.status, m.priority, m.closed_at, r.author_id, r.posted_at, m.kind,
  CASE WHEN m.kind = 'post' AND m.moved_to_dm_at IS NOT NULL THEN 1 ELSE 0 END,
  CASE WHEN m.kind = 'post' AND m.moved_to_dm_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM mentions d WHERE d.dm_of_mention_id = m.id) THEN 1 ELSE 0 END,
  CASE WHEN m.kind = 'post' AND m.moved_to_dm_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM mentions d WHERE d.dm_of_mention_id = m.id
      AND d.status IN ('answered', 'answered_elsewhere')) THEN 1 ELSE 0 END
FROM mentions m LEFT JOIN replies r ON r.mention_id = m.id AND r.status = 'posted'
WHERE m.created_at >= :lo AND m.created_at < :hi
"""


def _build():
    """Every roll-up row again, by channel, with the app's own fold (the numbers a
    `helpdesk rollups rebuild` gives), then the watermark: now."""
    from helpdesk.services.rollups import fold, table_rows

    bind = op.get_bind()
    now = datetime.now(UTC)
    sla = _sla(bind)
    tables = {
        "rollup_counts": sa.table(
            "rollup_counts",
            *(sa.column(n) for n in "bucket status priority channel mentions responded".split()),
            *(sa.column(n) for n in ("sla_met", "sla_missed", *MOVED_COUNTS)),
        ),
        "rollup_response_bins": sa.table(
            "rollup_response_bins",
            *(sa.column(n) for n in ("bucket", "channel", "bin", "count")),
        ),
        "rollup_employee_bins": sa.table(
            "rollup_employee_bins",
            *(sa.column(n) for n in ("bucket", "employee_id", "bin", "count")),
        ),
    }
    for name in tables:
        bind.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
    oldest, newest = bind.execute(
        sa.text("SELECT min(created_at), max(created_at) FROM mentions")
    ).one()
    if oldest is not None:
        # Weeks aligned to the buckets (every 900 s boundary is also a week-step boundary).
        start = datetime.fromtimestamp(_utc(oldest).timestamp() // 900 * 900, UTC)
        end = _utc(newest) + timedelta(seconds=1)
        while start < end:
            bounds = {"lo": _stored(bind, start), "hi": _stored(bind, start + CHUNK)}
            found = [
                (i, _utc(c), s, p, _utc(closed), a, _utc(posted), *rest)
                for i, c, s, p, closed, a, posted, *rest in bind.execute(sa.text(ROWS_SQL), bounds)
            ]
            for name, rows in zip(tables, table_rows(fold(found, sla)), strict=True):
                known = tables[name].c  # only this revision's columns, whatever comes later
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
    values = {
        "watermark": _stored(bind, now),
        "sla_normal_seconds": sla["normal"],
        "sla_high_seconds": sla["high"],
        "refreshed_at": _stored(bind, now),
    }
    if bind.execute(state.update().where(state.c.id == 1).values(**values)).rowcount == 0:
        bind.execute(state.insert().values(id=1, **values))


def downgrade():
    # The narrower keys cannot hold DMs apart: empty the tables and let the next refresh
    # rebuild everything (no watermark).
    for name in ("rollup_counts", "rollup_response_bins", "rollup_employee_bins"):
        op.execute(f"DELETE FROM {name}")  # noqa: S608 - our own table names
    op.execute("UPDATE rollup_state SET watermark = NULL")
    with op.batch_alter_table("rollup_response_bins") as batch:
        batch.drop_constraint("pk_rollup_response_bins", type_="primary")
        batch.drop_column("channel")
        batch.create_primary_key("pk_rollup_response_bins", ["bucket", "bin"])
    with op.batch_alter_table("rollup_counts") as batch:
        batch.drop_constraint("pk_rollup_counts", type_="primary")
        for name in ("channel", *MOVED_COUNTS):
            batch.drop_column(name)
        batch.create_primary_key("pk_rollup_counts", ["bucket", "status", "priority"])
