"""GET /api/v1/costs: X's spend by day and kind, for supervisors, periods as everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services import ingest
from tests.support.costs import seed_prices


@pytest.fixture
def priced(app):
    seed_prices()
    return app


def test_costs_after_an_ingest_price_the_owned_reads(priced, x, api_as):
    """After ingesting two mentions, today's spend holds two owned reads at the table's price,
    the authors read, and the month and its projection are at least today's."""
    supervisor = api_as("0002", role="supervisor")
    x.mention("@acme_help one", username="hanako_t")
    x.mention("@acme_help two", username="john_d")
    ingest.ingest_mentions()
    body = supervisor.get("/costs", period="today").get_json()
    by_kind = {k["kind"]: k for k in body["by_kind"]}
    assert by_kind["owned_read"]["units"] == 2
    assert by_kind["owned_read"]["usd"] == pytest.approx(0.002)
    assert by_kind["user_read"]["units"] >= 3 and by_kind["user_read"]["unit_usd"] == 0.01
    assert body["currency"] == "USD"
    assert body["today_usd"] == pytest.approx(body["month_to_date_usd"]) or (
        body["month_to_date_usd"] >= body["today_usd"]
    )
    assert body["projected_month_usd"] >= body["month_to_date_usd"]
    assert body["post_reads"]["cap"] == 3_000_000
    assert body["post_reads"]["month_to_date"] >= 2


def test_a_custom_range_lists_each_utc_day(priced, api_as):
    """from/to dates in Tokyo cover every UTC day they touch: Tokyo's midnight is 15:00 UTC the
    day before, so three Tokyo days touch four UTC days, the first one the day before `from`."""
    supervisor = api_as("0002", role="supervisor")
    today = datetime.now(UTC).date()
    start = today - timedelta(days=3)
    body = supervisor.get("/costs", **{"from": start.isoformat(), "to": today.isoformat()})
    body = body.get_json()
    expected = [(start + timedelta(days=n)).isoformat() for n in range(-1, 3)]
    assert [day["day"] for day in body["days"]] == expected
    assert all(day["usd"] == 0 for day in body["days"])


@pytest.mark.parametrize(
    ("params", "code", "parameter"),
    [
        ({"from": "last tuesday"}, "invalid_period", "from"),
        ({"to": "2026-02-30"}, "invalid_period", "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "reversed_period", "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "period_too_long", "from"),
        ({"period": "year"}, "invalid_period", "period"),
    ],
)
def test_a_bad_period_gives_its_code(priced, api_as, params, code, parameter):
    """Bad or reversed periods are 400 with the periods' own codes, never a 500."""
    supervisor = api_as("0002", role="supervisor")
    response = supervisor.get("/costs", **params)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error.get("parameter", parameter) == parameter


def test_agents_do_not_see_costs(priced, api_as):
    """Costs are for supervisors: an agent's token gets 403."""
    assert api_as("0427").get("/costs").status_code == 403


def _put(api, path: str, body: object):
    return api.client.put(
        f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {api.token}"}
    )


def test_prices_are_listed_and_changed_through_the_api_and_audited(priced, api_as):
    """GET lists every priced kind and the cap; PUT changes a price and the cap, each audited
    with before and after, and the costs figures use the new price."""
    supervisor = api_as("0002", role="supervisor")
    body = supervisor.get("/costs/prices").get_json()
    assert {p["kind"] for p in body["prices"]} >= {"reply", "post_with_link", "dm", "owned_read"}
    assert body["post_read_cap"] == 3_000_000
    answer = _put(supervisor, "/costs/prices/reply", {"price": "0.02"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["kind"] == "reply" and answer.get_json()["usd"] == 0.02
    assert _put(supervisor, "/costs/prices/dm", {"price": 0}).get_json()["usd"] == 0
    answer = _put(supervisor, "/costs/post-read-cap", {"cap": 2_000_000})
    assert answer.get_json() == {"post_read_cap": 2_000_000}
    listed = {p["kind"]: p["usd"] for p in supervisor.get("/costs/prices").get_json()["prices"]}
    assert listed["reply"] == 0.02 and listed["dm"] == 0
    assert supervisor.get("/costs/prices").get_json()["post_read_cap"] == 2_000_000
    costs_now = {k["kind"]: k for k in supervisor.get("/costs").get_json()["by_kind"]}
    assert costs_now["reply"]["unit_usd"] == 0.02
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action.in_(["x_price.changed", "x_price.cap_changed"])
        )
    ).all()
    assert sorted(e.action for e in events) == [
        "x_price.cap_changed",
        "x_price.changed",
        "x_price.changed",
    ]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/costs/prices/reply", {"price": "-0.5"}, 400, "negative_price"),
        ("/costs/prices/reply", {"price": -1}, 400, "negative_price"),
        ("/costs/prices/reply", {"price": "cheap"}, 400, "invalid_price"),
        ("/costs/prices/reply", {"price": None}, 400, "invalid_price"),
        ("/costs/prices/reply", {"price": 0.0000001}, 400, "invalid_price"),
        ("/costs/prices/reply", {}, 400, "invalid_price"),
        ("/costs/prices/lunch", {"price": "1"}, 404, "not_found"),
        ("/costs/post-read-cap", {"cap": -3}, 400, "invalid_cap"),
        ("/costs/post-read-cap", {"cap": "lots"}, 400, "invalid_cap"),
        ("/costs/post-read-cap", {"cap": True}, 400, "invalid_cap"),
    ],
)
def test_bad_prices_and_caps_are_refused_with_a_code(priced, api_as, path, body, status, code):
    """A negative, malformed or missing price, an unknown kind or a bad cap is refused with its
    code and changes nothing."""
    supervisor = api_as("0002", role="supervisor")
    before = supervisor.get("/costs/prices").get_json()
    answer = _put(supervisor, path, body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"]["code"] == code
    assert supervisor.get("/costs/prices").get_json() == before


def test_agents_do_not_change_prices(priced, api_as):
    """Prices are for supervisors: an agent's token gets 403 on reading and changing them."""
    agent = api_as("0427")
    assert agent.get("/costs/prices").status_code == 403
    assert _put(agent, "/costs/prices/reply", {"price": "0"}).status_code == 403
    assert _put(agent, "/costs/post-read-cap", {"cap": 1}).status_code == 403
