"""The migrations build exactly the schema the models declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpdesk.extensions import db
from helpdesk.models.types import built_on


def test_migrated_schema_matches_the_models(app):
    """Autogenerate finds nothing to add, drop or alter after `db upgrade`."""
    with db.engine.connect() as conn:
        # Types are compared on PostgreSQL; on SQLite our UTCDateTime is stored as text by
        # design, which autogenerate would report as a type change on every column.
        compare_type = conn.dialect.name == "postgresql"
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": compare_type,
                "include_object": lambda item, *_: built_on(item, conn.dialect.name),
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_running_the_migrations_leaves_every_logger_on(app):
    """Migrating in-process (the demo, the test session) keeps the app's loggers heard."""
    from flask_migrate import upgrade

    existing = logging.getLogger("helpdesk.queue")
    upgrade()
    assert not existing.disabled
    heard: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: heard.append(record.getMessage())
    existing.addHandler(handler)
    try:
        existing.warning("still heard")
    finally:
        existing.removeHandler(handler)
    assert heard == ["still heard"]
