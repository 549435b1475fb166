"""Supervisors' listening page, its CSVs, and the chart and CSV helpers coverage shares."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from helpdesk.models import Role
from helpdesk.models.types import utcnow
from helpdesk.services import coverage, figures, listening
from helpdesk.services.errors import NotFound, ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required

NORMAL, SPIKE, USUAL, WARN = "#5b8fc7", "#a4161a", "#5f6b76", "#d19a00"
RECEIVED, ANSWERED = "#9bb8d9", "#1a7f37"
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "28d": timedelta(days=28)}


@bp.get("/listening")
@role_required(Role.SUPERVISOR)
def listening_page():
    """Listening for the last day, week, four weeks or whole days from..to, as charts."""
    tz = current_app.config["HELPDESK"].timezone
    period = request.args.get("period", "24h")
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    context = {"period": period, "raw_from": raw_from, "raw_to": raw_to, "tz": tz}
    if period not in (*PERIODS, "custom"):
        abort(400)
    try:
        start, end = _period(period, raw_from, raw_to, tz)
        found = listening.listening(start, end, tz)
    except ServiceError as exc:
        return render_template(
            "supervise/listening.html", figures=None, error=_explain(exc), **context
        ), http_status(exc)
    tables = {name: figures.table(figures.LISTENING, name, found, tz) for name in figures.LISTENING}
    names = {**_priority_names(), **_tone_names()}
    shown = dict(tables)
    for name in ("priority", "tone"):  # the page shows the names in the reader's language
        columns, rows = tables[name]
        shown[name] = (columns, [(names[row[0]], *row[1:]) for row in rows])
    return render_template(
        "supervise/listening.html",
        figures=found,
        tables=shown,
        charts=_charts(found, tables),
        error=None,
        **context,
    )


@bp.get("/listening/figures/<name>.csv")
@role_required(Role.SUPERVISOR)
def listening_csv(name: str):
    """One listening chart's numbers for [from, to) as CSV (UTF-8 with BOM)."""
    tz = current_app.config["HELPDESK"].timezone
    if name not in figures.LISTENING:
        abort(404)
    start, end = query_period(tz)
    found = listening.listening(start, end, tz)
    return csv_response(f"listening-{name}", figures.table(figures.LISTENING, name, found, tz))


def _charts(found: dict, tables: dict[str, figures.Table]) -> dict[str, dict]:
    """What charts.js draws: labels, series and colours, with the words in the reader's language."""
    volume = found["volume"]
    hourly = found["bucket"] == "hour"
    # start_local is 2026-03-02T09:00+09:00: show 03-02 09:00 for hours, 03-02 for days.
    labels = [
        row[1][5:16].replace("T", " ") if hourly else row[1][5:10] for row in tables["volume"][1]
    ]
    spikes = [bool(v["spike"]) if hourly else bool(v["spikes"]) for v in volume]
    series = [
        {
            "label": _("Mentions"),
            "data": [v["count"] for v in volume],
            "colors": [SPIKE if s else NORMAL for s in spikes],
        }
    ]
    if hourly:
        series.append(
            {
                "label": _("Usual level"),
                "data": [v["usual"] for v in volume],
                "line": True,
                "color": USUAL,
            }
        )
    return {
        "volume": {"type": "bar", "labels": labels, "series": series, "spikes": spikes},
        "priority": _doughnut(found["by_priority"], _priority_names(), [NORMAL, SPIKE]),
        "tone": _doughnut(found["by_tone"], _tone_names(), [SPIKE, WARN, USUAL]),
        "terms": _ranking(found["top_terms"], _("Mentions")),
        "hashtags": _ranking(found["top_hashtags"], _("Mentions")),
    }


def _priority_names() -> dict[str, str]:
    return {"normal": _("Normal"), "high": _("High")}


def _tone_names() -> dict[str, str]:
    return {"angry": _("Angry"), "negative": _("Negative"), "neutral": _("Neutral")}


def _doughnut(shares: list[dict], names: dict[str, str], colors: list[str]) -> dict:
    return {
        "type": "doughnut",
        "labels": [str(names.get(s["name"], s["name"])) for s in shares],
        "series": [{"label": "", "data": [s["count"] for s in shares], "colors": colors}],
    }


def _ranking(ranked: list[dict], label: str) -> dict:
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [t["term"] for t in ranked],
        "series": [{"label": label, "data": [t["count"] for t in ranked], "color": NORMAL}],
    }


def query_period(tz: str) -> tuple[datetime, datetime]:
    """[from, to) from the query (ISO dates or datetimes); a 400 page saying what is wrong."""
    try:
        return coverage.parse_period(request.args.get("from"), request.args.get("to"), tz)
    except ServiceError as exc:
        abort(http_status(exc), description=_explain(exc))


def csv_response(stem: str, table: figures.Table) -> Response:
    # The file name is built from a known figure name only: nothing from the query reaches it.
    return Response(
        figures.csv_text(*table),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _period(period: str, raw_from: str, raw_to: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC: the last 24 h, 7 or 28 days, or whole days with `to` included."""
    now = utcnow()
    if period in PERIODS:
        return now - PERIODS[period], now
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(), zone).astimezone(UTC)
    start = coverage.parse_bound("from", raw_from, tz) or tomorrow - timedelta(days=1)
    last = coverage.parse_bound("to", raw_to, tz)
    end = last + timedelta(days=1) if last is not None else tomorrow
    return coverage.parse_period(start.isoformat(), end.isoformat(), tz, now=now)


def _explain(exc: ServiceError) -> str:
    """A refusal in the reader's language (the services speak English)."""
    if isinstance(exc, NotFound):
        return _("There is no such figure.")
    if exc.extra.get("parameter") == "from" and "before" in exc.message:
        return _("The first day must be before the last.")
    if "366" in exc.message:
        return _("A period covers at most 366 days.")
    return _("Give dates like 2026-01-31.")
