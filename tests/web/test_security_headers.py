"""Security headers and cookie flags on the pages."""

from __future__ import annotations

from tests.support.app import PASSWORD
from tests.support.web import csrf_from


def sign_in(client, number: str, base_url: str):
    page = client.get("/auth/login", base_url=base_url)
    return client.post(
        "/auth/login",
        data={"number": number, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        base_url=base_url,
        headers={"Referer": f"{base_url}/auth/login"},  # CSRF checks it over HTTPS
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
    plain = sign_in(client, "0427", "http://localhost")
    assert plain.status_code == 302
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = sign_in(app.test_client(), "0427", "https://localhost")
    assert secure.status_code == 302
    assert "Secure" in secure.headers["Set-Cookie"] and "HttpOnly" in secure.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_the_forwarded_scheme_makes_cookies_secure(environ, make_employee):
    """With HELPDESK_TRUSTED_PROXIES=1, X-Forwarded-Proto: https yields a Secure cookie."""
    from helpdesk import create_app

    proxied = create_app(
        {"TESTING": True, "RATELIMIT_ENABLED": False},
        environ={**environ, "HELPDESK_TRUSTED_PROXIES": "1"},
    )
    make_employee("0427")
    client = proxied.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    page = client.get("/auth/login", headers=headers)
    response = client.post(
        "/auth/login",
        data={"number": "0427", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        headers={**headers, "Referer": "https://localhost/auth/login"},  # CSRF's HTTPS check
    )
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


def test_every_response_carries_the_other_security_headers(client):
    """Permissions-Policy switches off what we never use; COOP and CORP keep us isolated."""
    response = client.get("/auth/login")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_has_inline_script_style_or_handlers():
    """What the CSP forbids is not in the templates: scripts and styles come from static/."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    found = []
    for path in sorted(templates.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{path.name}: inline {tag}")
        found += [f"{path.name}: <style>" for _ in re.findall(r"<style\b", html)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\sstyle=\"", html)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", html)]
        found += [f"{path.name}: {m}" for m in re.findall(r"javascript:", html)]
    assert found == []
