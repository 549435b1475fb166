"""Migrations 0015_dms (down to 0018_terms, its parent, and up again) and 0019_dmrest."""

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


def _indexes(table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(db.engine).get_indexes(table)}


def test_dmrest_migration_indexes_the_link_from_a_dm_to_its_mention(app):
    """0019_dmrest adds ix_mentions_dm_of_mention_id; down drops it, up brings it back."""
    db.session.remove()
    assert "ix_mentions_dm_of_mention_id" in _indexes("mentions")
    downgrade(revision="0015_dms")
    assert "ix_mentions_dm_of_mention_id" not in _indexes("mentions")
    upgrade()
    assert "ix_mentions_dm_of_mention_id" in _indexes("mentions")
