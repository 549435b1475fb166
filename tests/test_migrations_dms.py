"""Migration 0015_dms goes down to 0018_terms (its parent) and up again, keeping its rows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from helpdesk.extensions import db


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns(table)}


def test_dm_migration_downgrades_and_upgrades_again(app):
    """Down drops the DM columns (SQLite batch or PostgreSQL), up brings them back empty."""
    db.session.remove()
    downgrade(revision="0018_terms")
    assert "kind" not in _columns("mentions")
    assert "channel" not in _columns("replies")
    assert "dm_cursor" not in _columns("brand_accounts")
    upgrade()
    assert {"kind", "dm_conversation_id", "moved_to_dm_at", "dm_of_mention_id"} <= _columns(
        "mentions"
    )
    assert {"channel", "x_dm_event_id"} <= _columns("replies")
    assert {"dm_cursor", "last_dm_ingest_at"} <= _columns("brand_accounts")
