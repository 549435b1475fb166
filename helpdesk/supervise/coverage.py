"""The coverage proof page: a period's summary, and its signed CSV to download and hand on."""

from __future__ import annotations

import json
import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from helpdesk.models import Role
from helpdesk.models.types import utcnow
from helpdesk.services import coverage_proof
from helpdesk.services.errors import InvalidInput
from helpdesk.web.access import role_required

bp = Blueprint("proof", __name__, url_prefix="/supervise/coverage/proof")

KEEP_SECONDS = 3600  # a generated report stays downloadable, byte for byte, this long
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _key(digest: str) -> str:
    return f"coverage_proof:{digest}"


def _month_bounds(today: date) -> tuple[str, str]:
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first.isoformat(), following.isoformat()


def _explain(exc: InvalidInput) -> str:
    if exc.code == "period_too_long":
        return _("A proof covers at most %(days)s days.", days=coverage_proof.MAX_DAYS)
    if exc.code == "period_order":
        return _("To must be after From (To is not included).")
    return _("Give both dates as YYYY-MM-DD, e.g. 2026-11-01.")


@bp.get("")
@role_required(Role.SUPERVISOR)
def proof_page():  # type: ignore[no-untyped-def]
    """The proof for [from, to) with links to its CSV, SHA-256 and signature."""
    tz = current_app.config["HELPDESK"].timezone
    default_from, default_to = _month_bounds(utcnow().astimezone(ZoneInfo(tz)).date())
    raw_from = request.args.get("from", default_from)
    raw_to = request.args.get("to", default_to)
    try:
        start, end = coverage_proof.parse_period(raw_from, raw_to, tz)
    except InvalidInput as exc:
        page = render_template(
            "supervise/proof.html",
            proof=None,
            raw_from=raw_from,
            raw_to=raw_to,
            error=_explain(exc),
        )
        return page, 400
    proof = coverage_proof.prove(start, end, utcnow())
    name = f"coverage-proof-{raw_from}-{raw_to}.csv"
    keep(proof, name)
    return render_template(
        "supervise/proof.html",
        proof=proof,
        raw_from=raw_from,
        raw_to=raw_to,
        name=name,
        error=None,
    )


def keep(proof: coverage_proof.Proof, name: str) -> str:
    """Keep the report's exact bytes in Redis for an hour, under its SHA-256; return that."""
    current_app.extensions["redis"].set(
        _key(proof.sha256),
        json.dumps({"name": name, "csv": proof.csv_text, "signature": proof.signature}),
        ex=KEEP_SECONDS,
    )
    return proof.sha256


def _stored(digest: str) -> dict[str, str]:
    if not _DIGEST.fullmatch(digest):
        abort(404)
    raw = current_app.extensions["redis"].get(_key(digest))
    if raw is None:
        abort(404)
    return json.loads(raw)


def _attachment(body: str, name: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/<digest>.csv")
@role_required(Role.SUPERVISOR)
def proof_csv(digest: str):  # type: ignore[no-untyped-def]
    """The report exactly as generated (its SHA-256 is the digest in the URL)."""
    stored = _stored(digest)
    response = _attachment(stored["csv"], stored["name"], "text/csv")
    response.headers["X-Report-SHA256"] = digest
    response.headers["X-Report-Signature"] = stored["signature"]
    return response


@bp.get("/<digest>.sha256")
@role_required(Role.SUPERVISOR)
def proof_sha256(digest: str):  # type: ignore[no-untyped-def]
    """The report's SHA-256 in `sha256sum -c` form."""
    stored = _stored(digest)
    return _attachment(f"{digest}  {stored['name']}\n", f"{stored['name']}.sha256", "text/plain")


@bp.get("/<digest>.sig")
@role_required(Role.SUPERVISOR)
def proof_signature(digest: str):  # type: ignore[no-untyped-def]
    """The report's HMAC-SHA256 signature, for `helpdesk coverage verify`."""
    stored = _stored(digest)
    return _attachment(f"{stored['signature']}\n", f"{stored['name']}.sig", "text/plain")
