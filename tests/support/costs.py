"""The price table as migration 0017 seeds it (tests empty every table between tests)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from helpdesk.extensions import db
from helpdesk.models import DeskSetting, XPrice
from helpdesk.models.costs import MICROS

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0017_costs.py"


def seed_migration() -> ModuleType:
    """Migration 0017 as a module: its SEED and POST_READ_CAP."""
    spec = importlib.util.spec_from_file_location("migration_0017_costs", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_prices() -> None:
    """Put the migration's published prices and post-read cap back into the emptied tables."""
    migration = seed_migration()
    for kind, usd, source in migration.SEED:
        db.session.add(XPrice(kind=kind, micro_usd=int(usd * MICROS), source=source))
    db.session.add(DeskSetting(key=migration.POST_READ_CAP_KEY, value=migration.POST_READ_CAP))
    db.session.commit()
