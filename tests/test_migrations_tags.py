"""Migration 0021_tags: existing mention tags survive with no setter known, and down and up work."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from helpdesk.extensions import db
from tests.support.routing import make_tags, post, tag

TAGS_REVISION = "0021_tags"
TAGS_PARENT = "0020_notes"


def test_tags_migration_keeps_existing_tags_with_null_setter(app, x):
    """A mention's tag from before 0021 is still there after down and up, set_by NULL."""
    ids = make_tags("配送")
    [mention_id] = post(x, "届きません")
    tag(mention_id, ids["配送"])
    db.session.remove()
    downgrade(revision=TAGS_PARENT)
    tables = set(sa.inspect(db.engine).get_table_names())
    assert not {"tag_term_counts", "rollup_tag_counts"} & tables
    upgrade(revision=TAGS_REVISION)
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT mention_id, tag_id, set_by_id FROM mention_tags"))
        assert rows.all() == [(mention_id, ids["配送"], None)]
    upgrade()
