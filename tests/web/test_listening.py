"""The listening page, GET /api/v1/listening and every figure's CSV, on a small known desk."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.models.types import utcnow
from helpdesk.services import figures
from helpdesk.services.export import BOM

EN = {"Accept-Language": "en"}
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def supervisor(make_employee, login):
    """A signed-in supervisor."""
    employee = make_employee("0900", role="supervisor")
    login("0900")
    return employee


@pytest.fixture
def desk(mentions):
    """Eight mentions in the last hours: six about an app crash (#障害), one hostile term and
    hashtag, one formula-like hashtag."""
    ids = mentions(
        *["@acme_help アプリが落ちる #障害"] * 6,
        f"@acme_help {HOSTILE} the customer's ヘッドホン #<b>x</b>",
        "@acme_help =HYPERLINK #返品",
    )
    now = utcnow()
    for n, mention_id in enumerate(ids):
        db.session.execute(
            sa.update(Mention)
            .where(Mention.id == mention_id)
            .values(created_at=now - timedelta(minutes=30 + n))
        )
    db.session.commit()
    return ids


def rows_of(response) -> list[dict[str, str]]:
    body = response.get_data(as_text=True)
    assert body.startswith(BOM)
    return list(csv.DictReader(io.StringIO(body[1:], newline="")))


def test_the_api_answers_with_the_figures_and_iso_times(api_as, desk):
    """GET /api/v1/listening: volume, spikes, terms, hashtags and shares, times in ISO UTC."""
    api = api_as("0900", role="supervisor")
    response = api.get("/listening")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 8 and body["bucket"] == "hour" and body["sample"] == 8
    assert body["from"].endswith("Z") and body["volume"][0]["start"].endswith("Z")
    assert sum(v["count"] for v in body["volume"]) == 8
    assert {"term": "#障害", "count": 6} in body["top_hashtags"]
    assert body["top_terms"][0]["count"] == 6
    assert {s["name"] for s in body["by_priority"]} == {"normal", "high"}
    assert {s["name"] for s in body["by_tone"]} == {"angry", "negative", "neutral"}
    assert set(body["spike_rule"]) == {"baseline_days", "k", "min_count"}


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ({"from": "soon"}, "invalid_period", "from"),
        ({"to": "2026-13-01"}, "invalid_period", "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "reversed_period", "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "period_too_long", "from"),
    ],
)
def test_the_api_refuses_bad_periods_with_a_json_error(api_as, query, code, parameter):
    """A bad or reversed date, or more than 366 days: 400 with a code and a message."""
    api = api_as("0901", role="supervisor")
    response = api.get("/listening", **query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert error.get("parameter") == parameter


def test_agents_may_not_listen(api_as):
    """The figures are for supervisors."""
    assert api_as("0427").get("/listening").status_code == 403


def test_the_page_escapes_customer_terms_and_draws_from_json(client, supervisor, desk):
    """Terms and hashtags are escaped in the tables and in the JSON data; no inline script."""
    response = client.get("/supervise/listening", headers=EN)
    assert response.status_code == 200
    html = response.text
    assert HOSTILE not in html and "<b>x</b>" not in html
    assert 'data-chart="volume"' in html and 'data-chart="terms"' in html
    body = html.split("</head>", 1)[1]
    assert body.count("<script") == body.count('<script type="application/json"') == 5
    assert "Top terms" in html and "Spikes" in html
    for name in ("volume", "spikes", "terms", "hashtags", "priority", "tone"):
        assert f"/supervise/listening/figures/{name}.csv?" in html
    # The term customer's (with a quote) is escaped in the table and in the JSON data.
    assert "customer's" not in body
    assert "<td>customer&#39;s</td>" in body and '"customer\\u0027s"' in body


def test_the_page_in_japanese_and_its_periods(app, client, supervisor, desk):
    """Japanese words; 7 and 28 days per day; a bad custom range re-renders with a message."""
    page = client.get("/supervise/listening", headers={"Accept-Language": "ja"})
    assert page.status_code == 200 and "リスニング" in page.text
    for period in ("7d", "28d"):
        assert client.get(f"/supervise/listening?period={period}").status_code == 200
    today = utcnow().astimezone(ZoneInfo(app.config["HELPDESK"].timezone)).date()
    custom = client.get(
        "/supervise/listening",
        query_string={"period": "custom", "from": str(today - timedelta(days=2)), "to": str(today)},
        headers=EN,
    )
    assert custom.status_code == 200 and 'data-figure="total">8<' in custom.text
    bad = client.get(
        "/supervise/listening",
        query_string={"period": "custom", "from": str(today), "to": str(today - timedelta(days=2))},
        headers=EN,
    )
    assert bad.status_code == 400 and "To must be after From." in bad.text
    assert client.get("/supervise/listening?period=year").status_code == 400


def test_each_listening_figure_downloads_as_safe_csv(client, supervisor, desk):
    """UTF-8 with a BOM, the chart's numbers, hostile and formula-like cells made harmless."""
    start = (utcnow() - timedelta(hours=3)).isoformat()
    end = utcnow().isoformat()
    query = {"from": start, "to": end}
    volume = client.get("/supervise/listening/figures/volume.csv", query_string=query)
    assert volume.status_code == 200 and volume.mimetype == "text/csv"
    assert 'filename="listening-volume.csv"' in volume.headers["Content-Disposition"]
    assert sum(int(r["mentions"]) for r in rows_of(volume)) == 8
    tags = rows_of(client.get("/supervise/listening/figures/hashtags.csv", query_string=query))
    assert tags[0] == {"hashtag": "#障害", "mentions": "6"}
    assert {"#返品", "#"} & {r["hashtag"] for r in tags}
    terms = rows_of(client.get("/supervise/listening/figures/terms.csv", query_string=query))
    assert {"term": "hyperlink", "mentions": "1"} in terms  # a word, not a formula
    assert figures.csv_text(("term",), [("=1+1",)]) == BOM + "term\r\n'=1+1\r\n"
    tone = rows_of(client.get("/supervise/listening/figures/tone.csv", query_string=query))
    assert [r["tone"] for r in tone] == ["angry", "negative", "neutral"]


def test_coverage_figures_download_as_csv(client, supervisor, desk):
    """Coverage's two charts as CSV: 24 hours with received and answered."""
    query = {"from": (utcnow() - timedelta(days=1)).isoformat(), "to": utcnow().isoformat()}
    rows = rows_of(client.get("/supervise/coverage/figures/volume.csv", query_string=query))
    assert len(rows) == 24 and sum(int(r["received"]) for r in rows) == 8
    rate = rows_of(client.get("/supervise/coverage/figures/rate.csv", query_string=query))
    assert set(rate[0]) == {"hour", "received", "answered", "share_answered"}


def test_figure_csv_errors_are_clear(client, supervisor):
    """An unknown figure is 404; a bad period is 400 saying what is wrong."""
    assert client.get("/supervise/listening/figures/secrets.csv").status_code == 404
    assert client.get("/supervise/coverage/figures/terms.csv").status_code == 404
    bad = client.get("/supervise/listening/figures/volume.csv?from=soon", headers=EN)
    assert bad.status_code == 400 and "From: give a date like 2026-01-31." in bad.text
