"""Helpers for the browser-facing views: CSRF tokens from pages, forms, signing in."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.support.app import PASSWORD

_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def sign_in(
    client: FlaskClient, number: str, password: str = PASSWORD, next_url: str | None = None
):
    """Sign in through the login form; the response to the form's POST."""
    page = client.get("/auth/login")
    query = {"next": next_url} if next_url else {}
    return client.post(
        "/auth/login",
        query_string=query,
        data={"number": number, "password": password, "csrf_token": csrf_from(page.text)},
    )


def post_form(client, path: str, data: dict | None = None, page: str = "/supervise/"):
    """POST a form the way a browser does (English), with the CSRF token of `page`."""
    token = csrf_from(client.get(page).text)
    return client.post(
        path, data={**(data or {}), "csrf_token": token}, headers={"Accept-Language": "en"}
    )
