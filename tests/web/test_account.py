"""The account page: self-service password change and personal API tokens (shown once)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import ApiToken, AuditEvent
from tests.support.app import PASSWORD, FreshContextClient
from tests.support.web import csrf_from

NEW_PASSWORD = "tram-lantern-87-quiet"


def _post(client, path: str, data: dict, page: str = "/account"):
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token})


def _new_browser(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


def _sign_in(client, number: str, password: str):
    page = client.get("/auth/login")
    form = {"number": number, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/auth/login", data=form)


def test_changing_my_password_ends_my_other_sessions_and_tokens_but_not_this_one(
    app, client, make_employee, login
):
    """The other browser and the old token stop working; this browser goes on."""
    from helpdesk.services.employees import create_token

    agent = make_employee("0427")
    token = create_token(agent)
    login("0427")
    other = _new_browser(app)
    assert _sign_in(other, "0427", PASSWORD).status_code == 302
    changed = _post(
        client,
        "/account/password",
        {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get("/inbox").status_code == 200  # this session goes on
    assert other.get("/inbox").status_code == 302  # the other one ended
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 401
    assert _sign_in(_new_browser(app), "0427", PASSWORD).status_code == 200  # old refused
    assert _sign_in(_new_browser(app), "0427", NEW_PASSWORD).status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "employee.password_changed" in actions


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    app, client, make_employee, login
):
    """Each refusal is a 400 with its reason; the old password still works."""
    make_employee("0427")
    login("0427")
    cases = [
        ({"current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "wrong"),
        ({"current": PASSWORD, "new": "short", "confirm": "short"}, "12"),
        ({"current": PASSWORD, "new": "password1234", "confirm": "password1234"}, "guess"),
        ({"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "differ"),
        ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD}, "not used"),
    ]
    for form, reason in cases:
        token = csrf_from(client.get("/account", headers={"Accept-Language": "en"}).text)
        refused = client.post(
            "/account/password",
            data={**form, "csrf_token": token},
            headers={"Accept-Language": "en"},
        )
        assert refused.status_code == 400, form
        assert reason in refused.text, (reason, form)
    assert client.get("/inbox").status_code == 200
    assert _sign_in(_new_browser(app), "0427", PASSWORD).status_code == 302


def test_a_token_is_shown_once_listed_by_name_and_revoked_by_its_owner(
    client, make_employee, login
):
    """Create: the page shows it once (no-store); the list shows only its first characters."""
    make_employee("0427")
    login("0427")
    created = _post(client, "/account/tokens", {"name": "レポート用 <script>"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    token = re.search(r'data-testid="new-token">([^<]+)<', created.text).group(1)
    assert "レポート用 &lt;script&gt;" in created.text
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 200
    listing = client.get("/account")
    assert token not in listing.text and token[:10] + "…" in listing.text
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash != token and token not in (row.prefix or "")[11:]
    revoked = _post(client, f"/account/tokens/{row.id}/revoke", {})
    assert revoked.status_code == 302
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 401
    assert "0427" in client.get("/account").text  # still listed, as revoked


def test_nobody_but_the_owner_and_admins_sees_or_revokes_a_token(app, client, make_employee, login):
    """Another agent and a supervisor get 404/403; an admin sees and revokes it."""
    from helpdesk.services.employees import create_token

    owner = make_employee("0427")
    token = create_token(owner, "script")
    row_id = db.session.scalar(sa.select(ApiToken.id))
    make_employee("0428")
    make_employee("0500", role="supervisor")
    make_employee("0001", role="admin")
    bearer = {"Authorization": f"Bearer {token}"}
    for number in ("0428", "0500"):
        browser = _new_browser(app)
        _sign_in(browser, number, PASSWORD)
        page = csrf_from(browser.get("/account").text)
        refused = browser.post(f"/account/tokens/{row_id}/revoke", data={"csrf_token": page})
        assert refused.status_code == 404, number
        assert browser.get("/account/employees/0427/tokens").status_code == 403, number
        assert client.get("/api/v1/mentions", headers=bearer).status_code == 200
    admin = _new_browser(app)
    _sign_in(admin, "0001", PASSWORD)
    listing = admin.get("/account/employees/0427/tokens")
    assert listing.status_code == 200 and "script" in listing.text
    revoked = admin.post(
        f"/account/tokens/{row_id}/revoke", data={"csrf_token": csrf_from(listing.text)}
    )
    assert revoked.status_code == 302
    assert revoked.headers["Location"].endswith("/account/employees/0427/tokens")
    assert client.get("/api/v1/mentions", headers=bearer).status_code == 401
    assert db.session.scalar(sa.select(ApiToken.revoked_by)) == "0001"


def test_a_token_remembers_when_it_was_last_used(client, make_employee):
    """last_used_at is set by the first call (and at most once a minute after)."""
    from helpdesk.services.employees import create_token

    token = create_token(make_employee("0427"))
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is None
    client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {token}"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_bearer_token_is_never_helped_by_a_browser_cookie(client, make_employee, login):
    """With a signed-in cookie and a revoked token, the API answers 401 (the token decides)."""
    from helpdesk.services.employees import create_token, revoke_token

    agent = make_employee("0427")
    token = create_token(agent)
    revoke_token(agent.tokens[0].id, actor=agent)
    login("0427")
    assert client.get("/api/v1/mentions").status_code == 200  # the cookie alone works
    bearer = client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
