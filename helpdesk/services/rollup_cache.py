"""Response histograms over settled days, cached: the desk's (per channel) and each employee's
summed over a run of whole UTC days, kept in Redis under a key made of those days' marks.

At 1M mentions a year of per-employee histograms is ~770,000 day rows (an employee answers a
few mentions a day, each in its own 1% bin, so days hardly compress) and summing them took
most of a year's coverage. Reports read a run of days ending a few days before the period's
end from here: the days' marks (one short row a day) name the sum, and every rebuild of a day
renews its mark (services/rollup_days.py), so a cached sum is never read after a row it was
summed from changed. Employees' histograms are stored cumulative (histogram.Cumulative): a
median of cached days plus the period's edges is a bisection, not a merge of dictionaries.
Redis down or a damaged entry costs time, never a wrong figure: the sum is read from the
tables then.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import sys
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis
import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models.rollups import RollupDayEmployeeBin, RollupDayMark, RollupDayResponseBin
from helpdesk.services.histogram import Cumulative
from helpdesk.services.rollup_days import summed_bins

logger = logging.getLogger(__name__)

KEY_PREFIX = "helpdesk:rollups:settled:v1:"
# An entry whose days changed is never asked for again: it only has to expire. Ten minutes
# bounds what distinct periods can hold in Redis (~1.2 MB for a year at 1M), which runs with
# noeviction for the jobs' sake; a full Redis refuses the write and the sum is just not kept.
TTL_SECONDS = 600
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class SettledBins:
    """The response histograms of a run of whole UTC days."""

    desk: dict[str, Counter[int]]  # per channel
    employees: dict[int, Cumulative]  # per employee id


def settled_bins(first_day: int, last_day: int) -> SettledBins:
    """The histograms of the UTC days [first_day, last_day): from the cache when the days'
    marks are those it was stored under, else summed from the day tables (and stored)."""
    key = _key(first_day, last_day)
    store = current_app.extensions["redis"]
    blob = _get(store, key)
    if blob is not None:
        try:
            return decode(blob)
        except (ValueError, KeyError, TypeError, struct.error):
            logger.warning("damaged roll-up cache entry %s: summed again", key)
    found = _summed(first_day, last_day)
    _put(store, key, encode(found))
    return found


def _key(first_day: int, last_day: int) -> str:
    marks = db.session.execute(
        sa.select(RollupDayMark.day, RollupDayMark.mark)
        .where(RollupDayMark.day >= first_day, RollupDayMark.day < last_day)
        .order_by(RollupDayMark.day)
    ).all()
    digest = hashlib.sha256(f"{first_day}:{last_day}".encode())
    for day, mark in marks:
        digest.update(f";{day}={mark}".encode())
    return KEY_PREFIX + digest.hexdigest()


def _get(store: redis.Redis, key: str) -> bytes | None:
    try:
        return store.get(key)
    except redis.RedisError as exc:
        logger.warning("roll-up cache unreadable (%s): summing the day tables", exc)
        return None


def _put(store: redis.Redis, key: str, blob: bytes) -> None:
    try:
        store.set(key, blob, ex=TTL_SECONDS)
    except redis.RedisError as exc:
        logger.warning("roll-up cache not written (%s)", exc)


def raw_rows(statement: sa.Executable) -> list[Any]:
    """A statement's rows as the driver's tuples: plain integers and strings, so SQLAlchemy's
    Row objects (half the Python time of a month's 30,000 rows) are skipped."""
    result = db.session.connection().execute(statement)  # Core: a CursorResult
    if result.cursor is None:
        return result.all()
    rows = result.cursor.fetchall()
    result.close()
    return rows


def _summed(first_day: int, last_day: int) -> SettledBins:
    desk: dict[str, Counter[int]] = {}
    for channel, index, count in raw_rows(
        summed_bins(RollupDayResponseBin, "channel", first_day, last_day)
    ):
        desk.setdefault(channel, Counter())[index] += int(count)
    people = summed_bins(RollupDayEmployeeBin, "employee_id", first_day, last_day)
    employees: dict[int, Cumulative] = {}
    for employee_id, index, count in raw_rows(people.order_by(*people.selected_columns[:2])):
        histogram = employees.get(employee_id)
        if histogram is None:
            histogram = employees[employee_id] = Cumulative(array("i"), array("q"))
        histogram.bins.append(index)
        histogram.running.append(histogram.total + int(count))
    return SettledBins(desk, employees)


def encode(found: SettledBins) -> bytes:
    """The bytes stored: a JSON header (the desk's bins, each employee's id and bin count),
    then every employee's bins and running counts as little-endian arrays."""
    bins, running = array("i"), array("q")
    sizes = []
    for employee_id, histogram in found.employees.items():
        sizes.append([employee_id, len(histogram.bins)])
        bins.extend(histogram.bins)
        running.extend(histogram.running)
    header = json.dumps(
        {"desk": {c: sorted(h.items()) for c, h in found.desk.items()}, "employees": sizes}
    ).encode()
    if sys.byteorder != "little":
        bins.byteswap()
        running.byteswap()
    return _LENGTH.pack(len(header)) + header + bins.tobytes() + running.tobytes()


def decode(blob: bytes) -> SettledBins:
    """The histograms `encode` stored (ValueError when the bytes do not hold them)."""
    (length,) = _LENGTH.unpack_from(blob)
    header = json.loads(blob[_LENGTH.size : _LENGTH.size + length])
    sizes = header["employees"]
    count = sum(size for _, size in sizes)
    bins, running = array("i"), array("q")
    at = _LENGTH.size + length
    bins.frombytes(blob[at : at + count * bins.itemsize])
    running.frombytes(blob[at + count * bins.itemsize :])
    if len(bins) != count or len(running) != count:
        raise ValueError("truncated roll-up cache entry")
    if sys.byteorder != "little":
        bins.byteswap()
        running.byteswap()
    employees, offset = {}, 0
    for employee_id, size in sizes:
        end = offset + size
        employees[int(employee_id)] = Cumulative(bins[offset:end], running[offset:end])
        offset = end
    desk = {
        channel: Counter({int(index): int(n) for index, n in pairs})
        for channel, pairs in header["desk"].items()
    }
    return SettledBins(desk, employees)
