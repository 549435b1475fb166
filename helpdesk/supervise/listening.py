"""Supervisors' listening page, its CSVs, and the chart and CSV helpers coverage shares."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.models import Role
from helpdesk.services import figures, listening, periods
from helpdesk.services.errors import ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.web.access import role_required
from helpdesk.web.refusals import explain

NORMAL, SPIKE, USUAL, WARN = "#5b8fc7", "#a4161a", "#5f6b76", "#d19a00"
RECEIVED, ANSWERED = "#9bb8d9", "#1a7f37"


@bp.get("/listening")
@role_required(Role.SUPERVISOR)
def listening_page() -> ResponseReturnValue:
    """Listening for the last day, week, four weeks or whole days from..to, as charts."""
    tz = current_app.config["HELPDESK"].timezone
    name, raw_from, raw_to = (request.args.get(k, "") for k in ("period", "from", "to"))
    shown = periods.requested(periods.LISTENING_PAGE, name, raw_from, raw_to)
    context = {"period": shown, "raw_from": raw_from, "raw_to": raw_to, "tz": tz}
    try:
        period = periods.parse(periods.LISTENING_PAGE, name, raw_from, raw_to, tz)
        found = listening.listening(period.start, period.end, tz)
    except ServiceError as exc:
        return render_template(
            "supervise/listening.html", figures=None, error=explain(exc), **context
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
def listening_csv(name: str) -> ResponseReturnValue:
    """One listening chart's numbers for [from, to) as CSV (UTF-8 with BOM)."""
    tz = current_app.config["HELPDESK"].timezone
    if name not in figures.LISTENING:
        abort(404)
    period = query_period(periods.LISTENING_API, tz)
    found = listening.listening(period.start, period.end, tz)
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


def query_period(form: periods.Form, tz: str) -> periods.Period:
    """The period a figure's CSV asks for (as the API takes it); a 400 page saying what is wrong."""
    try:
        return periods.from_query(form, request.args, tz)
    except ServiceError as exc:
        abort(http_status(exc), description=explain(exc))


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
