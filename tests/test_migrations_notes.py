"""Migration 0020_notes goes down to its parent and up again (the ids live in one place)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from helpdesk.extensions import db

NOTES_REVISION = "0020_notes"
NOTES_PARENT = "0019_dmrest"


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_notes_migration_downgrades_and_upgrades_again(app):
    """Down drops notes and notifications, up brings them back."""
    db.session.remove()
    downgrade(revision=NOTES_PARENT)
    assert not {"notes", "notifications"} & _tables()
    upgrade(revision=NOTES_REVISION)
    assert {"notes", "notifications"} <= _tables()
    upgrade()
