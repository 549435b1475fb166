"""Coverage pages: the coverage charts and their CSVs, the mentions export, and the signed proof."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.models import Role
from helpdesk.models.types import utcnow
from helpdesk.services import coverage, coverage_proof, export, figures, periods, proof_reports
from helpdesk.services.errors import ServiceError, http_status
from helpdesk.supervise import bp
from helpdesk.supervise.listening import ANSWERED, RECEIVED, SPIKE, WARN, csv_response, query_period
from helpdesk.web.access import role_required
from helpdesk.web.refusals import explain


@bp.get("/coverage")
@role_required(Role.SUPERVISOR)
def coverage_page() -> ResponseReturnValue:
    """Coverage for today, the last 7 days or a custom range of days, with per-hour charts."""
    tz = current_app.config["HELPDESK"].timezone
    name, raw_from, raw_to = (request.args.get(k, "") for k in ("period", "from", "to"))
    now = utcnow()
    try:
        period = periods.parse(periods.COVERAGE_PAGE, name, raw_from, raw_to, tz, now=now)
        figures = coverage.coverage(period.start, period.end, tz, now=now)
    except ServiceError as exc:
        return render_template(
            "supervise/coverage.html",
            figures=None,
            period=periods.requested(periods.COVERAGE_PAGE, name, raw_from, raw_to),
            raw_from=raw_from,
            raw_to=raw_to,
            error=explain(exc),
            tz=tz,
        ), http_status(exc)
    return render_template(
        "supervise/coverage.html",
        figures=figures,
        period=period.name,
        raw_from=raw_from,
        raw_to=raw_to,
        last_day=period.last_moment,
        error=None,
        tz=tz,
    )


@bp.get("/mentions.csv")
@role_required(Role.SUPERVISOR)
def mentions_csv() -> ResponseReturnValue:
    """The mentions of whole days `from`..`to` with their replies as CSV, streamed (UTF-8, BOM)."""
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    tz = current_app.config["HELPDESK"].timezone
    try:
        period = periods.parse(periods.EXPORT, None, raw_from, raw_to, tz)
        pieces = export.mentions_csv(period.start, period.end, current_user)
    except ServiceError as exc:
        abort(http_status(exc), description=explain(exc))
    # The name holds only the two days just parsed: nothing from the query reaches a header.
    filename = f"mentions-{period.shown_from()}-{period.shown_to()}.csv"
    return Response(
        stream_with_context(pieces),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/coverage/figures/<name>.csv")
@role_required(Role.SUPERVISOR)
def coverage_csv(name: str) -> ResponseReturnValue:
    """One coverage chart's numbers for [from, to) as CSV (UTF-8 with BOM)."""
    tz = current_app.config["HELPDESK"].timezone
    if name not in figures.COVERAGE:
        abort(404)
    period = query_period(periods.COVERAGE_API, tz)
    found = coverage.coverage(period.start, period.end, tz)
    return csv_response(f"coverage-{name}", figures.table(figures.COVERAGE, name, found, tz))


@bp.app_template_global("coverage_charts")
def coverage_charts(found: dict, tz: str) -> dict[str, dict]:
    """The coverage page's two charts and their tables, for templates/supervise/coverage.html."""
    hours = found["per_hour"]
    labels = [f"{h['hour']:02d}" for h in hours]
    shares = [h["answered"] / h["received"] if h["received"] else None for h in hours]
    return {
        "volume": {
            "type": "bar",
            "labels": labels,
            "series": [
                {"label": _("Received"), "data": [h["received"] for h in hours], "color": RECEIVED},
                {"label": _("Answered"), "data": [h["answered"] for h in hours], "color": ANSWERED},
            ],
            "table": figures.table(figures.COVERAGE, "volume", found, tz),
        },
        "rate": {
            "type": "bar",
            "percent": True,
            "labels": labels,
            "series": [
                {
                    "label": _("Share answered"),
                    "data": shares,
                    "colors": [_rate_colour(s) for s in shares],
                }
            ],
            "table": figures.table(figures.COVERAGE, "rate", found, tz),
        },
    }


def _rate_colour(share: float | None) -> str:
    if share is None or share >= 0.9:
        return ANSWERED
    return WARN if share >= 0.5 else SPIKE


def _month_bounds(today: date) -> tuple[str, str]:
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), following.isoformat()


def _proof_page(status: int = 200, **shown: object) -> ResponseReturnValue:
    values = {"proof": None, "job": None, "error": None, "raw_from": "", "raw_to": "", "name": ""}
    values.update(shown)
    return render_template("supervise/proof.html", **values), status


@bp.get("/coverage/proof")
@role_required(Role.SUPERVISOR)
def proof_page() -> ResponseReturnValue:
    """The proof for [from, to) with links to its CSV, SHA-256 and signature; a period longer
    than a month is built by a job on the `reports` queue, and the page follows it."""
    if "job" in request.args:
        return _proof_job_page(request.args.get("job", ""))
    tz = current_app.config["HELPDESK"].timezone
    default_from, default_to = _month_bounds(utcnow().astimezone(ZoneInfo(tz)).date())
    raw_from = request.args.get("from", default_from)
    raw_to = request.args.get("to", default_to)
    try:
        period = periods.parse(periods.PROOF, None, raw_from, raw_to, tz)
    except ServiceError as exc:
        return _proof_page(http_status(exc), raw_from=raw_from, raw_to=raw_to, error=explain(exc))
    name = f"coverage-proof-{period.shown_from()}-{period.shown_to()}.csv"
    if period.days > proof_reports.INLINE_DAYS:
        job_id = proof_reports.start(period, name)
        return redirect(url_for("supervise.proof_page", job=job_id), 303)
    proof = coverage_proof.prove(period.start, period.end, utcnow())
    proof_reports.keep(proof, name)
    return _proof_page(proof=proof, raw_from=raw_from, raw_to=raw_to, name=name)


def _proof_job_page(job_id: str) -> ResponseReturnValue:
    """A proof job's progress (the page reloads itself), then its report once kept."""
    job = proof_reports.status(job_id)
    if job is None:
        message = _("This report is no longer available (they are kept for an hour): prove again.")
        return _proof_page(404, error=message)
    shown = {"raw_from": job.shown_from, "raw_to": job.shown_to}
    if job.state == "done" and job.digest:
        kept = proof_reports.stored(job.digest) or {}
        proof = SimpleNamespace(**kept.get("summary", {}))
        return _proof_page(proof=proof, name=kept.get("name", ""), **shown)
    if job.state == "failed":
        message = _("Building this report failed; the error is in the worker's log. Prove again.")
        return _proof_page(error=message, **shown)
    return _proof_page(job=job, **shown)


def _stored(digest: str) -> dict[str, str]:
    found = proof_reports.stored(digest)
    if found is None:
        abort(404)
    return found


def _attachment(body: str, name: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/coverage/proof/<digest>.csv")
@role_required(Role.SUPERVISOR)
def proof_csv(digest: str) -> ResponseReturnValue:
    """The report exactly as generated (its SHA-256 is the digest in the URL)."""
    stored = _stored(digest)
    response = _attachment(stored["csv"], stored["name"], "text/csv")
    response.headers["X-Report-SHA256"] = digest
    response.headers["X-Report-Signature"] = stored["signature"]
    return response


@bp.get("/coverage/proof/<digest>.sha256")
@role_required(Role.SUPERVISOR)
def proof_sha256(digest: str) -> ResponseReturnValue:
    """The report's SHA-256 in `sha256sum -c` form."""
    stored = _stored(digest)
    return _attachment(f"{digest}  {stored['name']}\n", f"{stored['name']}.sha256", "text/plain")


@bp.get("/coverage/proof/<digest>.sig")
@role_required(Role.SUPERVISOR)
def proof_signature(digest: str) -> ResponseReturnValue:
    """The report's HMAC-SHA256 signature, for `helpdesk coverage verify`."""
    stored = _stored(digest)
    return _attachment(f"{stored['signature']}\n", f"{stored['name']}.sig", "text/plain")
