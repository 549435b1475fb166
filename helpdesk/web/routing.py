"""URL converters: `<id:...>`, a database id within the 64-bit range drivers can bind."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# The largest signed 32-bit integer: our id columns are `integer` on PostgreSQL (SQLite's
# rowids would go to 2**63 - 1, but the same migrations bound both backends alike).
MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the whole numbers 1 to `limit`, without leading zeros."""
    digits = str(limit)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low, high = (1 if i == 0 else 0), int(digit) - 1
        if high >= low:
            parts.append(rf"{digits[:i]}[{low}-{high}]\d{{{len(digits) - i - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """A positive whole number up to 2**31 - 1; anything larger matches no route (404).

    Werkzeug's `int` accepts any number of digits: a value past 64 bits made SQLite's driver
    raise OverflowError, and one past 32 bits made PostgreSQL refuse the query
    (NumericValueOutOfRange), each a 500 instead of finding no row. No id column holds a
    larger value, so such a number can never name a row.

    The bound is in the pattern as well: a number that passes the pattern but fails the
    bound made Werkzeug answer 405 for a path served with GET and POST by two rules.
    """

    regex = _at_most(MAX_ID)

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register(app: Flask) -> None:
    """Make `<id:name>` available to every blueprint's rules (before they are registered)."""
    app.url_map.converters["id"] = IdConverter
