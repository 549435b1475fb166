"""Flask-Login's and Werkzeug's sentences reach a Japanese reader in Japanese (our own page)."""

from __future__ import annotations

import pytest

JA = {"Accept-Language": "ja"}
EN = {"Accept-Language": "en"}


def test_the_sign_in_prompt_is_japanese_for_a_japanese_browser(client):
    """A page behind the login sends to the sign-in page with Flask-Login's prompt, in ja."""
    page = client.get("/inbox", headers=JA, follow_redirects=True)
    assert page.status_code == 200 and "/auth/login" in page.request.path
    assert "このページを見るにはログインしてください。" in page.text
    assert "Please log in" not in page.text


def test_the_sign_in_prompt_keeps_its_english_wording(client):
    """In English the prompt is Flask-Login's own sentence, unchanged."""
    page = client.get("/inbox", headers=EN, follow_redirects=True)
    assert "Please log in to access this page." in page.text


@pytest.mark.parametrize(
    "method,path,status,japanese,english",
    [
        ("get", "/no-such-page", 404, "このページはありません", "There is no such page"),
        (
            "get",
            "/auth/logout",
            405,
            "このページはその方法では使えません",
            "cannot be used that way",
        ),
    ],
)
def test_werkzeugs_errors_are_our_page_in_the_readers_language(
    client, method, path, status, japanese, english
):
    """404 and 405 render error.html with the catalogue's sentence, never Werkzeug's English."""
    ja = getattr(client, method)(path, headers=JA)
    en = getattr(client, method)(path, headers=EN)
    assert ja.status_code == en.status_code == status
    assert japanese in ja.text and "requested URL" not in ja.text and "method is not" not in ja.text
    assert english in en.text and 'class="errorpage"' in en.text


def test_a_forbidden_page_is_japanese(client, make_employee, login):
    """403: a trainee (language ja) opening /supervise reads why in Japanese."""
    make_employee("0201", role="trainee")
    login("0201")
    forbidden = client.get("/supervise/", headers=JA)
    assert forbidden.status_code == 403
    assert "あなたの役割ではこのページを見ることができません。" in forbidden.text


def test_a_bad_query_is_japanese(client, supervisor):
    """400: a filter that does not exist, for a supervisor (language ja), in Japanese."""
    bad = client.get("/supervise/?status=bogus", headers=JA)
    assert bad.status_code == 400
    assert "このアドレスは正しくありません。" in bad.text and "Bad Request" not in bad.text
