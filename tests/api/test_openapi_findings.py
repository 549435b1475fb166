"""What fuzzing the API from its OpenAPI document found: each a 500 before its fix."""

from __future__ import annotations

import pytest


def test_preview_with_a_mention_id_past_the_id_range_is_404(api_as):
    """{"mention_id": 2**63} was an OverflowError (500), 2**31 a PostgreSQL range error (500)."""
    api = api_as("0427")
    for mention_id in (2**31, 2**63, 10**30, 0, -1):
        response = api.post("/replies/preview", {"text": "q", "mention_id": mention_id})
        assert response.status_code == 404, (mention_id, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("route", ["/coverage", "/listening"])
@pytest.mark.parametrize(
    "query",
    [
        {"to": "0001-01-01"},  # the day before is before datetime.min: OverflowError (500)
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "9999-12-31"},
        {"to": "9999-12-31T23:59:59-01:00"},
    ],
)
def test_a_period_at_the_ends_of_the_calendar_is_a_clear_400(api_as, route, query):
    """A date whose period cannot be computed is 400 invalid_period, not a 500."""
    api = api_as("0002", role="supervisor")
    response = api.get(route, **query)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "invalid_period"


@pytest.mark.parametrize("limit", ["¹", "٣", "²⁰"])
def test_a_limit_of_non_ascii_digits_is_a_400(api_as, limit):
    """?limit=¹ passed str.isdigit() and then failed int(): a 500 on every list with a limit."""
    api = api_as("0002", role="supervisor")
    for route in ("/escalations", "/mentions"):
        response = api.get(route, limit=limit)
        assert response.status_code == 400, (route, response.get_data(as_text=True))
        assert response.get_json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("action", ["dismiss", "escalate"])
@pytest.mark.parametrize("reason", ["spam\x00", "spam\x1b[2J", "\u202espam"])
def test_a_reason_with_a_control_character_is_a_400_and_nothing_changes(api_as, x, action, reason):
    """A NUL in a reason was a 500 on PostgreSQL (it refuses NUL in text); now 400 on both."""
    from tests.api.test_api import ingest

    (mention_id,) = ingest(x, "help")
    api = api_as("0002", role="supervisor")
    response = api.post(f"/mentions/{mention_id}/{action}", {"reason": reason})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "reason_invalid"
    after = api.get(f"/mentions/{mention_id}").get_json()
    assert after["status"] == "open" and after["escalated"] is False


def test_a_reason_on_several_lines_is_still_fine(api_as, x):
    """Line breaks (CRLF from a textarea too) and tabs are not refused."""
    from tests.api.test_api import ingest

    (mention_id,) = ingest(x, "help")
    api = api_as("0002", role="supervisor")
    response = api.post(f"/mentions/{mention_id}/dismiss", {"reason": "spam\r\nbot\tfarm"})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_limit_of_thousands_of_digits_is_a_400(api_as):
    """?limit="9"*5000 passed isdigit() and then int() refused it (4,300-digit cap): a 500."""
    api = api_as("0002", role="supervisor")
    for route in ("/escalations", "/mentions"):
        response = api.get(route, limit="9" * 5000)
        assert response.status_code == 400, route
        assert response.get_json()["error"]["code"] == "invalid_request"


def test_employee_numbers_with_a_nul_are_no_employee(api_as, client):
    """A NUL in a number reached a query, which PostgreSQL refuses (a 500 on three routes)."""
    api = api_as("0001", role="admin")
    assert api.get("/employees/0427%00").status_code == 404
    token = client.post("/api/v1/auth/token", json={"number": "0001\x00", "password": "x" * 12})
    assert token.status_code == 401
    assert token.get_json()["error"]["code"] == "invalid_credentials"


def test_names_with_a_control_character_are_refused(api_as, client):
    """A NUL in a token's or an employee's name was stored (a 500 on PostgreSQL): now 400."""
    from tests.support.app import PASSWORD

    api = api_as("0001", role="admin")
    named = client.post(
        "/api/v1/auth/token", json={"number": "0001", "password": PASSWORD, "name": "ci\x00"}
    )
    assert named.status_code == 400
    assert named.get_json()["error"]["code"] == "invalid_token_name"
    body = {"number": "0500", "name": "Bad\x00Name", "role": "agent", "password": PASSWORD + "!x"}
    created = api.post("/employees", body)
    assert created.status_code == 400
    assert created.get_json()["error"]["code"] == "invalid_name"
    assert api.get("/employees/0500").status_code == 404


def test_a_search_with_a_nul_finds_what_ingest_stored(api_as, client, make_employee, x):
    """?q=a%00b was a 500 on PostgreSQL (API and inbox); NUL is searched as ingest stores it."""
    from tests.api.test_api import ingest
    from tests.support.web import sign_in

    (mention_id,) = ingest(x, "broken a\x00b charger")
    api = api_as("0427")
    found = api.get("/mentions", q="a\x00b")
    assert found.status_code == 200, found.get_data(as_text=True)
    assert [m["id"] for m in found.get_json()["items"]] == [mention_id]
    assert api.get("/mentions", q="\x00zz").get_json()["items"] == []
    sign_in(client, "0427")
    assert client.get("/inbox?q=a%00b").status_code == 200
