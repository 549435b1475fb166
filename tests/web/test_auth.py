"""Signing in and out, safe redirects, CSRF, throttling and the language switch."""

from __future__ import annotations

import re

import pytest

from helpdesk.extensions import db
from tests.support.app import PASSWORD
from tests.support.web import csrf_from


def test_login_lands_in_the_inbox_with_number_name_and_role_in_the_header(
    client, make_employee, login
):
    """A correct number and password open the inbox, which shows who is signed in."""
    make_employee("0427", role="supervisor", name="山田 太郎")
    response = login("0427")
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    page = client.get("/inbox", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert '<span class="number">0427</span>' in page.text
    assert "山田 太郎" in page.text and ">supervisor<" in page.text


@pytest.mark.parametrize(
    ("number", "password"),
    [("0427", "wrong password"), ("9999", "wrong password"), ("", ""), ("0427", "")],
)
def test_every_failed_login_gets_the_same_single_message(
    client, make_employee, login, number, password
):
    """Unknown number, wrong or empty password: one generic message and no session."""
    make_employee("0427")
    response = login(number, password)
    assert response.status_code == 200
    html = response.text
    assert html.count('data-testid="login-error"') == 1
    assert "Enter your" not in html and "を入力してください" not in html
    assert client.get("/inbox").status_code == 302


def test_a_suspended_employee_is_told_so_only_after_the_right_password(
    client, make_employee, login
):
    """Right password: "your account is suspended" (en and ja), no session; wrong password:
    the same single message as for any wrong password, so nothing tells a stranger."""
    from helpdesk.services.employees import set_active

    set_active(make_employee("0427"), False)
    right = login("0427")
    assert right.status_code == 200
    assert 'data-testid="login-suspended"' in right.text
    assert 'data-testid="login-error"' not in right.text
    assert "このアカウントは停止中です。スーパーバイザーに復帰を依頼してください。" in right.text
    assert client.get("/inbox").status_code == 302
    english = client.post(
        "/auth/login",
        data={"number": "0427", "password": PASSWORD, "csrf_token": csrf_from(right.text)},
        headers={"Accept-Language": "en"},
    )
    assert "Your account is suspended. Ask a supervisor to reinstate it." in english.text
    wrong, unknown = login("0427", "wrong password"), login("9999", "wrong password")
    for page in (wrong, unknown):
        assert 'data-testid="login-error"' in page.text
        assert 'data-testid="login-suspended"' not in page.text
    # The same page but for the echoed number and the CSRF token.
    same = [re.sub(r'(value|content)="[^"]*"', "", page.text) for page in (wrong, unknown)]
    assert same[0] == same[1]


def test_pages_need_a_login_and_come_back_after_it(client, make_employee, login):
    """An anonymous visitor is sent to the login page and returned to where they were going."""
    make_employee("0427")
    response = client.get("/inbox?status=mine")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    signed_in = login("0427", next_url="/inbox?status=mine")
    assert signed_in.headers["Location"] == "/inbox?status=mine"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/%0a/evil",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(client, make_employee, login, target):
    """Only same-site relative paths are followed after login."""
    make_employee("0427")
    response = login("0427", next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/inbox", target) and location.startswith("/")
    assert not location.startswith("//") and "\\" not in location and "\t" not in location


def test_logout_is_a_post_and_ends_the_session(client, make_employee, login):
    """GET /auth/logout is refused; the POST form signs out."""
    make_employee("0427")
    login("0427")
    assert client.get("/auth/logout").status_code == 405
    page = client.get("/inbox")
    response = client.post("/auth/logout", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert client.get("/inbox").status_code == 302


def test_posts_without_a_csrf_token_are_refused(client, make_employee, login):
    """Login, logout and the language switch all need the form's CSRF token."""
    make_employee("0427")
    assert client.post("/auth/login", data={"number": "0427", "password": "x"}).status_code == 400
    login("0427")
    assert client.post("/auth/logout").status_code == 400
    assert client.post("/auth/language", data={"language": "en"}).status_code == 400
    assert client.get("/inbox").status_code == 200  # still signed in


def test_language_follows_the_browser_then_the_employees_choice(client, make_employee, login):
    """Accept-Language picks until the employee switches; the switch is saved on the employee."""
    from helpdesk.services.employees import find_employee

    make_employee("0427")
    assert "ログイン" in client.get("/auth/login", headers={"Accept-Language": "ja"}).text
    assert "Sign in" in client.get("/auth/login", headers={"Accept-Language": "en"}).text
    login("0427")
    page = client.get("/inbox", headers={"Accept-Language": "ja"})
    assert "受信箱" in page.text
    response = client.post(
        "/auth/language",
        data={"language": "en", "next": "/inbox?status=all", "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/inbox?status=all"
    english = client.get("/inbox", headers={"Accept-Language": "ja"})
    assert ">Inbox</h1>" in english.text and '<html lang="en">' in english.text
    db.session.expire_all()
    assert find_employee("0427").language == "en"
