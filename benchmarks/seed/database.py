"""The seed's target database: the app on it, its migrations, and refusing one that holds data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from helpdesk import create_app
from helpdesk.extensions import db


def build_app(url: str | None) -> Flask:
    instance = tempfile.mkdtemp(prefix="helpdesk-seed-")
    environ = {"HELPDESK_INSTANCE": instance, "SECRET_KEY": "benchmark-secret-key-123"}
    if url:
        environ["DATABASE_URL"] = url
    if os.environ.get("REDIS_URL"):  # else an embedded Redis in the temporary instance
        environ["REDIS_URL"] = os.environ["REDIS_URL"]
    return create_app(environ=environ)


def rows_in_database() -> dict[str, int]:
    """Rows per table of whatever tables the database has (alembic_version left out)."""
    inspector = sa.inspect(db.engine)
    counts = {}
    with db.engine.connect() as conn:
        for name in inspector.get_table_names():
            if name != "alembic_version":
                counts[name] = conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()  # noqa: S608
    return counts


def prepare(reset: bool) -> None:
    """Migrate an empty database; refuse one with data unless --reset (then drop it all)."""
    from flask_migrate import upgrade

    held = {name: n for name, n in rows_in_database().items() if n}
    if held and not reset:
        listed = ", ".join(f"{name} ({n:,})" for name, n in sorted(held.items()))
        raise SystemExit(f"seed: the database is not empty: {listed}; pass --reset to replace it")
    if reset and db.engine.dialect.name == "sqlite":
        db.engine.dispose()  # a new file is quicker than dropping a big one's tables
        path = Path(db.engine.url.database or "")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    elif reset:
        with db.engine.begin() as conn:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    db.session.remove()
    db.engine.dispose()


def driver_url(url: str) -> str:
    """The psycopg (libpq) or sqlite3 form of the app's SQLAlchemy URL."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ""
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
