"""Brute force: failed sign-ins limited per account and per address, in Redis, audited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from helpdesk.auth.throttle import PER_ACCOUNT, PER_ADDRESS
from helpdesk.extensions import db, limiter
from helpdesk.models import AuditEvent
from tests.support.app import PASSWORD, FreshContextClient
from tests.support.web import csrf_from

ACCOUNT_PER_MINUTE = int(PER_ACCOUNT.split()[0])
ADDRESS_PER_MINUTE = int(PER_ADDRESS.split()[0])


@pytest.fixture
def limited(app: Flask, environ: dict[str, str]) -> Iterator[Flask]:
    """A second app on the same database and Redis with the rate limits switched on."""
    from helpdesk import create_app

    limited_app = create_app({"TESTING": True, "RATELIMIT_ENABLED": True}, environ=environ)
    limited_app.test_client_class = FreshContextClient
    yield limited_app
    limiter.enabled = False  # the extension object is shared with the session's app
    with limited_app.app_context():
        db.engine.dispose()


def _sign_in(client, number: str, password: str, address: str = "198.51.100.7"):
    page = client.get("/auth/login", environ_base={"REMOTE_ADDR": address})
    form = {"number": number, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/auth/login", data=form, environ_base={"REMOTE_ADDR": address})


def test_failed_sign_ins_for_one_number_are_refused_then_even_the_right_password(
    limited, make_employee
):
    """Five wrong passwords for 0427 in a minute: the sixth try is refused, right or not."""
    make_employee("0427")
    client = limited.test_client()
    codes = [_sign_in(client, "0427", "wrong password!").status_code for _ in range(5)]
    assert codes == [200] * ACCOUNT_PER_MINUTE
    refused = _sign_in(client, "0427", PASSWORD)
    assert refused.status_code == 429
    assert 'data-testid="login-throttled"' in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Another number from the same address is not held back by 0427's limit.
    make_employee("0428")
    assert _sign_in(client, "0428", PASSWORD).status_code == 302


def test_an_unknown_number_is_throttled_exactly_like_a_known_one(limited, make_employee):
    """No enumeration: 9999 (nobody) and 0555 (real) get the same answers, step by step."""
    make_employee("0555")
    client = limited.test_client()
    known = [_sign_in(client, "0555", "wrong password!") for _ in range(6)]
    unknown = [_sign_in(client, "9999", "wrong password!") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert _visible(known[0].text, "0555") == _visible(unknown[0].text, "9999")
    assert _visible(known[-1].text, "0555") == _visible(unknown[-1].text, "9999")


def _visible(page: str, number: str) -> str:
    """The page without its per-request CSRF tokens and with the number typed blanked."""
    return re.sub(r'(csrf[-_]token"?[^>]*value|content)="[^"]*"', "", page).replace(number, "N")


def test_successful_sign_ins_never_count(limited, make_employee):
    """A shared office address signing the same person in again and again is never refused."""
    make_employee("0427")
    for _ in range(ACCOUNT_PER_MINUTE * 3):
        client = limited.test_client()  # a fresh browser each time: signed out
        assert _sign_in(client, "0427", PASSWORD).status_code == 302


def test_one_address_guessing_many_numbers_is_refused(limited, make_employee):
    """Password spraying: one wrong try each for many numbers from one address hits its limit."""
    client = limited.test_client()
    codes = [
        _sign_in(client, f"{1000 + i}", "wrong password!").status_code
        for i in range(ADDRESS_PER_MINUTE + 1)
    ]
    assert codes[:ADDRESS_PER_MINUTE] == [200] * ADDRESS_PER_MINUTE
    assert codes[ADDRESS_PER_MINUTE] == 429
    # Another address is unaffected.
    assert _sign_in(client, "1000", "wrong password!", address="203.0.113.5").status_code == 200


def test_throttling_is_audited_once_a_minute_per_number_and_address(limited, make_employee):
    """The first refusal writes an auth.throttled audit event; more refusals do not flood it."""
    make_employee("0427")
    client = limited.test_client()
    for _ in range(ACCOUNT_PER_MINUTE + 3):
        _sign_in(client, "0427", "wrong password!")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.throttled")
    ).all()
    assert [(e.subject_id, e.actor_number) for e in events] == [("0427", None)]
    assert '"address": "198.51.100.7"' in events[0].details


def test_the_token_endpoint_is_throttled_with_a_json_answer(limited, make_employee):
    """POST /api/v1/auth/token: five wrong passwords, then 429 rate_limited in JSON."""
    make_employee("0427")
    client = limited.test_client()
    body = {"number": "0427", "password": "wrong password!"}
    codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(5)]
    assert codes == [401] * ACCOUNT_PER_MINUTE
    refused = client.post("/api/v1/auth/token", json={**body, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "Traceback" not in refused.text


def test_every_sign_in_is_logged_with_its_outcome_never_the_password(
    limited, make_employee, caplog
):
    """Succeeded or failed, with the number and address; the password never appears."""
    import logging

    make_employee("0427")
    client = limited.test_client()
    # Alembic's fileConfig (the session's migrations) disables existing loggers in this process.
    logging.getLogger("helpdesk.auth.throttle").disabled = False
    with caplog.at_level(logging.INFO, logger="helpdesk.auth.throttle"):
        _sign_in(client, "0427", "wrong password!")
        _sign_in(limited.test_client(), "0427", PASSWORD)
    lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.auth.throttle"]
    assert lines == [
        "sign-in failed: number '0427' from 198.51.100.7 on /auth/login",
        "sign-in succeeded: number '0427' from 198.51.100.7 on /auth/login",
    ]
    assert not any(PASSWORD in line or "wrong password" in line for line in lines)
