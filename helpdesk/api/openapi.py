"""GET /api/v1/openapi.json: the API's OpenAPI 3.1 document, built from Flask's routes.

Paths, path parameters, security (token_required and its role) and summaries (the views'
docstrings) come from the routes themselves; bodies, queries and answers from the table in
helpdesk/api/contract.py. A route missing from that table is left out of the document, and
tests/api/test_openapi.py names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.routing import Rule

from helpdesk.api import bp
from helpdesk.api.contract import ID, OPERATIONS, SCHEMAS, answer

PREFIX = "/api/v1"
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z_]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>")
_SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@bp.get("/openapi.json")
def get_openapi() -> ResponseReturnValue:
    """This API's contract as an OpenAPI 3.1 document (no token needed)."""
    return jsonify(document(current_app))


def api_routes(app: Flask) -> Iterator[tuple[str, str, Rule]]:
    """(method, OpenAPI path under /api/v1, rule) for every route Flask serves under /api/v1."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = _ARGUMENT.sub(r"{\g<name>}", rule.rule[len(PREFIX) :])
        for method in sorted((rule.methods or set()) - _SKIPPED_METHODS):
            yield method.lower(), path, rule


def undocumented(app: Flask) -> list[str]:
    """The routes the contract has no entry for, as "METHOD /path"."""
    return [f"{m.upper()} {p}" for m, p, _ in api_routes(app) if (m, p) not in OPERATIONS]


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the routes of `app` that the contract describes."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, rule in api_routes(app):
        spec = OPERATIONS.get((method, path))
        if spec is not None:
            paths.setdefault(path, {})[method] = _operation(app, rule, spec)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "helpdesk API",
            "version": "1",
            "description": (
                "The shared support desk's JSON API. Send Authorization: Bearer <token> (from "
                'POST /auth/token). Errors are {"error": {"code", "message", ...}}; '
                "times are ISO 8601 UTC; X ids are strings."
            ),
        },
        "servers": [{"url": PREFIX}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(app: Flask, rule: Rule, spec: dict[str, Any]) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    doc = (view.__doc__ or "").strip()
    responses: dict[int, Any] = dict(spec["ok"])
    errors = list(spec.get("errors", []))
    role = getattr(view, "token_role", None)
    needs_token = getattr(view, "needs_token", False)
    if needs_token:
        errors.append(401)
    if role is not None:
        errors.append(403)
    for status in sorted(set(errors)):
        responses.update(answer(status, "Error", HTTPStatus(status).phrase))
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.removeprefix("api."),
        "summary": doc.splitlines()[0] if doc else rule.endpoint,
        "parameters": [*_path_parameters(rule), *spec.get("params", [])],
        "responses": {str(status): body for status, body in sorted(responses.items())},
        "security": [{"bearer": []}] if needs_token else [],
    }
    described = [spec["description"]] if "description" in spec else []
    if role is not None:
        described.insert(0, f"Needs the {role.value} role or higher.")
    if described:
        operation["description"] = " ".join(described)
    if "body" in spec:
        operation["requestBody"] = spec["body"]
    return operation


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    parameters = []
    for match in _ARGUMENT.finditer(rule.rule):
        converter = match.group("converter")
        schema = ID if converter == "id" else {"type": "string", "pattern": "^[^/]+$"}
        parameters.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
    return parameters
