"""URL converters: `<id:...>`, a database id within the 64-bit range drivers can bind."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1  # the largest signed 64-bit integer: SQLite's bound, PostgreSQL's bigint


class IdConverter(IntegerConverter):
    """A positive whole number up to 2**63 - 1; anything larger matches no route (404).

    Werkzeug's `int` accepts any number of digits, and a value past 64 bits made SQLite's
    driver raise OverflowError (a 500) instead of finding no row. No id column holds a
    larger value, so such a number can never name a row.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register(app: Flask) -> None:
    """Make `<id:name>` available to every blueprint's rules (before they are registered)."""
    app.url_map.converters["id"] = IdConverter
