"""Error handling: JSON errors under /api, plain pages elsewhere, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, TooManyRequests

from helpdesk.web.refusals import api_message, explain

logger = logging.getLogger(__name__)

_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the API answers as `{"error": {"code", "message", ...extra}}`."""

    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    """The API's error envelope."""
    return {"error": {"code": code, "message": message, **extra}}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> ResponseReturnValue:
        message = api_message(exc.code, exc.message, **exc.extra)
        return jsonify(error_body(exc.code, message, **exc.extra)), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        message = "The form expired or was sent from elsewhere; reload the page and try again."
        if _wants_json():
            return jsonify(error_body("csrf_failed", api_message("csrf_failed", message))), 400
        return _page(400, "csrf_failed")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        message = exc.description or exc.name
        if _wants_json():
            code = _CODES.get(status, "error")
            response = jsonify(error_body(code, api_message(code, message)))
            return response, status, _passthrough_headers(exc)
        if _described_by_us(exc):
            return render_template("error.html", status=status, message=message), status
        return _page(status, _CODES.get(status, "internal_error"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        message = "Something went wrong on our side; it has been logged."
        if _wants_json():
            body = error_body("internal_error", api_message("internal_error", message))
            return jsonify(body), 500
        return _page(500, "internal_error")


def _page(status: int, code: str) -> tuple[str, int]:
    """Our error page with the catalogue's sentence for `code`, in the reader's language."""
    return render_template("error.html", status=status, message=explain(code, "page")), status


def _described_by_us(exc: HTTPException) -> bool:
    """abort(status, description=...) from a view: already a sentence in the reader's language.

    Werkzeug's own English descriptions, and the rate limiter's ("5 per 1 minute"), are not.
    """
    if isinstance(exc, TooManyRequests) or not exc.description:
        return False
    return exc.description != type(exc).description


def _passthrough_headers(exc: HTTPException) -> dict[str, str]:
    response = exc.get_response()
    keep = (
        "Retry-After",
        "Allow",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    )
    return {k: v for k, v in response.headers.items() if k in keep}
