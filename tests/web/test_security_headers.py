"""Security headers and cookie flags on the pages."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.web.conftest import csrf_from


def sign_in(client, number: str, base_url: str):  # type: ignore[no-untyped-def]
    page = client.get("/auth/login", base_url=base_url)
    return client.post(
        "/auth/login",
        data={"number": number, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        base_url=base_url,
    )


def test_pages_carry_a_strict_csp_and_refuse_framing(client):
    """Every page says: scripts only from us, no inline script, never in a frame."""
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_secure_only_over_https(app, client, make_employee):
    """The cookie is HttpOnly and SameSite=Lax always, and Secure when served over HTTPS."""
    make_employee("0427")
    plain = sign_in(client, "0427", "http://localhost").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = sign_in(app.test_client(), "0427", "https://localhost").headers["Set-Cookie"]
    assert "Secure" in secure and "HttpOnly" in secure
