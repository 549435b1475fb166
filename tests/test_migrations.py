"""The migrations build exactly the schema the models declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpdesk.extensions import db


def test_migrated_schema_matches_the_models(app):
    """Autogenerate finds nothing to add, drop or alter after `db upgrade`."""
    with db.engine.connect() as conn:
        # Types are compared on PostgreSQL; on SQLite our UTCDateTime is stored as text by
        # design, which autogenerate would report as a type change on every column.
        compare_type = conn.dialect.name == "postgresql"
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
