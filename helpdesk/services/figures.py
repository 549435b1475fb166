"""Each chart's numbers as a table (CSV download and the page's accessible fallback)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from helpdesk.models.types import iso_utc
from helpdesk.services.errors import NotFound
from helpdesk.services.export import BOM, safe_cell

Table = tuple[tuple[str, ...], list[tuple[object, ...]]]


def _local(value: object, zone: tzinfo) -> str:
    assert isinstance(value, datetime)
    return value.astimezone(zone).isoformat(timespec="minutes")


def _volume(f: dict, zone: tzinfo) -> Table:
    rows = [
        (
            iso_utc(v["start"]),
            _local(v["start"], zone),
            v["count"],
            v.get("usual", ""),
            v.get("threshold", ""),
            _flag(v),
        )
        for v in f["volume"]
    ]
    return ("start_utc", "start_local", "mentions", "usual", "spike_threshold", "spike"), rows


def _flag(entry: dict) -> object:
    if "spike" in entry:
        return "yes" if entry["spike"] else "no"
    return entry.get("spikes", "")


def _spikes(f: dict, zone: tzinfo) -> Table:
    rows = [
        (iso_utc(s["start"]), _local(s["start"], zone), s["count"], s["usual"], s["threshold"])
        for s in f["spikes"]
    ]
    return ("start_utc", "start_local", "mentions", "usual", "spike_threshold"), rows


def _ranked(key: str, column: str) -> Callable[[dict, tzinfo], Table]:
    def table(f: dict, zone: tzinfo) -> Table:
        return (column, "mentions"), [(t["term"], t["count"]) for t in f[key]]

    return table


def _shares(key: str, column: str) -> Callable[[dict, tzinfo], Table]:
    def table(f: dict, zone: tzinfo) -> Table:
        rows = [
            (s["name"], s["count"], "" if s["share"] is None else round(s["share"], 4))
            for s in f[key]
        ]
        return (column, "mentions", "share"), rows

    return table


def _coverage_hours(f: dict, zone: tzinfo) -> Table:
    rows = [(f"{h['hour']:02d}:00", h["received"], h["answered"]) for h in f["per_hour"]]
    return ("hour", "received", "answered"), rows


def _coverage_rate(f: dict, zone: tzinfo) -> Table:
    rows = [
        (
            f"{h['hour']:02d}:00",
            h["received"],
            h["answered"],
            round(h["answered"] / h["received"], 4) if h["received"] else "",
        )
        for h in f["per_hour"]
    ]
    return ("hour", "received", "answered", "share_answered"), rows


CHANNEL_COLUMNS = (
    "channel",
    "total",
    "answered",
    "answered_elsewhere",
    "dismissed",
    "open",
    "responded",
    "sla_met",
    "sla_missed",
    "median_first_response_seconds",
)
MOVED_COLUMNS = ("moved", "dm_received", "dm_answered")


def _blank(value: object) -> object:
    return "" if value is None else value


def _coverage_channels(f: dict, zone: tzinfo) -> Table:
    rows = [tuple(_blank(c[column]) for column in CHANNEL_COLUMNS) for c in f["by_channel"]]
    return CHANNEL_COLUMNS, rows


def _coverage_moved(f: dict, zone: tzinfo) -> Table:
    return MOVED_COLUMNS, [tuple(f["moved_to_dm"][column] for column in MOVED_COLUMNS)]


LISTENING = {
    "volume": _volume,
    "spikes": _spikes,
    "terms": _ranked("top_terms", "term"),
    "hashtags": _ranked("top_hashtags", "hashtag"),
    "priority": _shares("by_priority", "priority"),
    "tone": _shares("by_tone", "tone"),
}
COVERAGE = {
    "volume": _coverage_hours,
    "rate": _coverage_rate,
    "channels": _coverage_channels,
    "moved": _coverage_moved,
}


def table(
    kind: dict[str, Callable[[dict, tzinfo], Table]], name: str, figures: dict, tz: str | tzinfo
) -> Table:
    """The columns and rows of figure `name`; NotFound for a figure that does not exist."""
    build = kind.get(name)
    if build is None:
        raise NotFound(f"There is no figure {name!r}.", subject="figure")
    return build(figures, ZoneInfo(tz) if isinstance(tz, str) else tz)


def csv_text(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A CSV with a BOM (Excel reads UTF-8 then), every cell safe from formula injection."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
