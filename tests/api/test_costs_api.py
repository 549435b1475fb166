"""GET /api/v1/costs: X's spend by day and kind, for supervisors, periods as everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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
