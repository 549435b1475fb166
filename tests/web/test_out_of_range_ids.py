"""Ids past the id columns' 32-bit range are 404 on every route that takes one, web and API."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from helpdesk.services.employees import create_token
from tests.support.web import csrf_from

# 2**31 (PostgreSQL's integer ids end before it; fuzzing found its 500), 2**63, far past it
TOO_BIG = ["2147483648", "9223372036854775808", "99999999999999999999999"]


def _id_rules(app):
    """(method, rule) for every route with a whole-number argument, but HEAD and OPTIONS."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    )


def _path(rule: str, value: str) -> str:
    return re.sub(r"<[^<>]+>", value, rule)


def test_every_id_argument_is_bounded_to_the_databases_range(app):
    """Each whole-number URL argument is the `id` converter: 1 to 2**31 - 1."""
    bounds = {
        rule.rule: (converter.min, converter.max)
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if isinstance(converter, IntegerConverter)
    }
    assert len(bounds) >= 30, "fewer routes take an id than expected"
    assert {rule: b for rule, b in bounds.items() if b != (1, 2**31 - 1)} == {}
    assert app.url_map.converters["id"](app.url_map).to_url(7) == "7"


def test_out_of_range_ids_are_404_on_every_web_route(app, client, make_employee, login):
    """An admin's GET or POST (with a CSRF token) on any web route with 2**31+ is a 404 page."""
    make_employee("0001", role="admin")
    login("0001")
    token = csrf_from(client.get("/account/").text)
    web = [(m, r) for m, r in _id_rules(app) if not r.startswith("/api/")]
    assert len(web) >= 15
    for method, rule in web:
        for value in TOO_BIG:
            response = client.open(
                _path(rule, value), method=method, data={"csrf_token": token, "reason": "x"}
            )
            assert response.status_code == 404, f"{method} {rule} with {value}"


def test_out_of_range_ids_are_404_on_every_api_route(app, client, make_employee):
    """An admin token's GET or POST on any API route with 2**31+ is JSON 404 not_found."""
    headers = {"Authorization": f"Bearer {create_token(make_employee('0001', role='admin'))}"}
    api = [(m, r) for m, r in _id_rules(app) if r.startswith("/api/")]
    assert len(api) >= 19
    for method, rule in api:
        for value in TOO_BIG:
            response = client.open(
                _path(rule, value), method=method, json={"reason": "x"}, headers=headers
            )
            assert response.status_code == 404, f"{method} {rule} with {value}"
            assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/mentions/0", "/api/v1/mentions/0"])
def test_id_zero_is_404(client, make_employee, login, path):
    """Ids start at 1: 0 matches no route either."""
    make_employee("0001", role="admin")
    login("0001")
    assert client.get(path).status_code == 404
