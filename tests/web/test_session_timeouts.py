"""Browser sessions end after the idle timeout and after the absolute one."""

from __future__ import annotations

import time

from tests.support.app import changed_settings


def _age_session(client, **seconds_ago: int) -> None:
    """Move the signed session's clocks back (the server signs the cookie again)."""
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = int(time.time()) - ago


def test_signing_in_starts_both_clocks(client, make_employee, login):
    """The session cookie records when the employee signed in and was last seen."""
    make_employee("0427")
    login("0427")
    with client.session_transaction() as session:
        assert abs(session["login_at"] - time.time()) < 5
        assert session["seen_at"] == session["login_at"]


def test_an_idle_session_ends_with_a_message_and_comes_back_to_the_page(
    app, client, make_employee, login
):
    """31 minutes idle (30 allowed): signed out, told why, sent to sign in, then back."""
    make_employee("0427")
    login("0427")
    _age_session(client, seen_at=31 * 60)
    response = client.get("/inbox?status=mine", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/inbox")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "signed out after 30 minutes without activity" in page.text
    assert client.get("/inbox").status_code == 302  # really signed out


def test_activity_keeps_a_session_alive_but_the_inbox_refresh_does_not(
    client, make_employee, login
):
    """A click moves `seen_at`; the inbox's own poll (inbox.live) leaves it alone."""
    make_employee("0427")
    login("0427")
    _age_session(client, seen_at=10 * 60)
    assert client.get("/inbox/live").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] >= 10 * 60 - 5
    assert client.get("/inbox").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5


def test_the_inbox_refresh_of_an_ended_session_gets_a_401(client, make_employee, login):
    """The poll gets JSON 401 session_expired (its script reloads into the login page)."""
    make_employee("0427")
    login("0427")
    _age_session(client, seen_at=31 * 60)
    response = client.get("/inbox/live")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "session_expired"


def test_a_session_ends_after_the_absolute_timeout_even_when_active(
    app, client, make_employee, login
):
    """12 hours after sign-in the session ends, however recent the last click."""
    make_employee("0427")
    login("0427")
    _age_session(client, login_at=12 * 3600 + 60, seen_at=10)
    response = client.get("/inbox", headers={"Accept-Language": "ja"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get("/auth/login", headers={"Accept-Language": "ja"})
    assert "ログインから12時間が経ったため" in page.text


def test_the_timeouts_come_from_the_settings(app, client, make_employee, login):
    """HELPDESK_SESSION_IDLE_MINUTES=5: six idle minutes end the session."""
    make_employee("0427")
    login("0427")
    _age_session(client, seen_at=6 * 60)
    with changed_settings(app, session_idle_minutes=5):
        assert client.get("/inbox").status_code == 302
    login("0427")
    _age_session(client, seen_at=6 * 60)
    assert client.get("/inbox").status_code == 200  # the default 30 minutes


def test_a_cookie_without_clocks_is_not_accepted(client, make_employee, login):
    """A session cookie with no sign-in time (older than timeouts, or forged) is ended."""
    make_employee("0427")
    login("0427")
    with client.session_transaction() as session:
        del session["login_at"]
    assert client.get("/inbox").status_code == 302


def test_a_cookie_session_on_the_api_ends_with_json(client, make_employee, login):
    """The API called with an expired browser session answers 401 session_expired."""
    make_employee("0427")
    login("0427")
    _age_session(client, seen_at=31 * 60)
    response = client.get("/api/v1/mentions")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "session_expired"
