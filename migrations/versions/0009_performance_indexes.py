"""indexes for the inbox, coverage and audit queries at a million mentions

Revision ID: 0009_performance_indexes
Revises: 0008_badges
Create Date: 2026-12-03 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_performance_indexes"
down_revision = "0008_badges"
branch_labels = None
depends_on = None

OPEN_GAP_SQL = "gap_detected IS true AND gap_repaired IS false"


def upgrade():
    # if_not_exists: the seeded benchmark databases were at this revision while it was empty.
    op.create_index("ix_mentions_created_at", "mentions", ["created_at"], if_not_exists=True)
    op.create_index(
        "ix_escalations_status_resolved",
        "escalations",
        ["status", "resolved_at", "id"],
        if_not_exists=True,
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"], if_not_exists=True)
    op.create_index(
        "ix_audit_events_action_id", "audit_events", ["action", "id"], if_not_exists=True
    )
    op.create_index(
        "ix_audit_events_actor_id", "audit_events", ["actor_number", "id"], if_not_exists=True
    )
    op.create_index(
        "ix_ingest_runs_open_gaps",
        "ingest_runs",
        ["id"],
        if_not_exists=True,
        sqlite_where=sa.text(OPEN_GAP_SQL),
        postgresql_where=sa.text(OPEN_GAP_SQL),
    )


def downgrade():
    op.drop_index("ix_ingest_runs_open_gaps", table_name="ingest_runs")
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")
    op.drop_index("ix_audit_events_action_id", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_escalations_status_resolved", table_name="escalations")
    op.drop_index("ix_mentions_created_at", table_name="mentions")
