"""Every page and API route that takes a period: from/to alone are a custom range, and a bad,
reversed, over-long or unknown period is a clear message (pages) or a JSON error code (API)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

EN = {"Accept-Language": "en"}
JA = {"Accept-Language": "ja"}
SURROGATE = "\ud800"

PAGES = ("/supervise/coverage", "/supervise/listening")
# Pages and files that take from/to without a period name (the CSVs and the proof).
FILES = (
    "/supervise/coverage/figures/volume.csv",
    "/supervise/listening/figures/volume.csv",
    "/supervise/mentions.csv",
    "/supervise/coverage/proof",
)
APIS = ("/coverage", "/listening")


def qs(query: dict[str, str]) -> str:
    """The query string as a browser sends it: a lone surrogate goes out as its UTF-8 bytes."""
    return urlencode(query, errors="surrogatepass")


def test_from_and_to_without_a_period_name_show_that_range_on_the_coverage_page(
    client, supervisor, mentions
):
    """A hand-made URL with from/to but no period=custom shows those days, not today."""
    mentions("hello")
    page = client.get("/supervise/coverage?from=2026-03-01&to=2026-03-05", headers=EN)
    assert page.status_code == 200
    assert 'href="/supervise/mentions.csv?from=2026-03-01&amp;to=2026-03-05"' in page.text
    assert 'class="row-form active"' in page.text  # the custom form is the one shown as chosen


def test_from_and_to_without_a_period_name_show_that_range_on_the_listening_page(
    client, supervisor
):
    """The listening page takes the same hand-made URL as those days in the desk's zone."""
    page = client.get("/supervise/listening?from=2026-03-01&to=2026-03-05", headers=EN)
    assert page.status_code == 200
    # The figures' CSV links carry the exact period: 2026-03-01 00:00 to 03-06 00:00 in Tokyo.
    assert "from=2026-02-28T15:00:00Z&amp;to=2026-03-05T15:00:00Z" in page.text


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "soon", "to": "2026-03-05"}, "From: give a date like 2026-01-31."),
        ({"from": "2026-03-01", "to": "2026-02-30"}, "To: give a date like 2026-01-31."),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "To must be after From."),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "A period covers at most 366 days."),
        ({"from": SURROGATE, "to": "2026-03-01"}, "From: give a date like 2026-01-31."),
        ({"from": "99999-01-01", "to": "2026-03-01"}, "From: give a date like 2026-01-31."),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "From: give a date like 2026-01-31."),
    ],
)
def test_a_bad_hand_made_range_is_a_clear_400_on_each_page(
    client, supervisor, path, query, message
):
    """Without period=custom, a bad date, a reversed or over-long range is refused, not today."""
    page = client.get(path, query_string=qs(query), headers=EN)
    assert page.status_code == 400
    assert message in page.text and 'data-testid="refusal"' in page.text
    assert 'data-chart="volume"' not in page.text
    again = client.get(path, query_string=qs({"period": "custom", **query}), headers=EN)
    assert again.status_code == 400 and message in again.text


@pytest.mark.parametrize("path", PAGES)
def test_an_unknown_period_name_is_a_clear_400(client, supervisor, path):
    """period=year is explained on the page, in English and Japanese; so is a name with dates."""
    page = client.get(path, query_string={"period": "year"}, headers=EN)
    assert page.status_code == 400
    assert "Choose one of the periods offered, or From and To." in page.text
    assert 'data-testid="refusal"' in page.text
    ja = client.get(path, query_string={"period": "year"}, headers=JA)
    assert ja.status_code == 400 and "表示できる期間から選ぶか" in ja.text
    both = client.get(path, query_string={"period": "7d", "from": "2026-03-01"}, headers=EN)
    assert both.status_code == 400
    assert "Choose one of the periods offered, or From and To." in both.text


@pytest.mark.parametrize("path", PAGES)
def test_refusals_are_in_japanese_too(client, supervisor, path):
    """The reversed and over-long messages come in the reader's language."""
    reversed_ = client.get(
        path, query_string={"from": "2026-03-05", "to": "2026-03-01"}, headers=JA
    )
    assert reversed_.status_code == 400 and "終了日は開始日より後にしてください。" in reversed_.text
    too_long = client.get(path, query_string={"from": "2024-01-01", "to": "2026-01-01"}, headers=JA)
    assert too_long.status_code == 400 and "期間は最大366日です。" in too_long.text
    bad = client.get(path, query_string={"from": "soon"}, headers=JA)
    assert (
        bad.status_code == 400 and "開始日: 2026-01-31 のような日付を指定してください。" in bad.text
    )


@pytest.mark.parametrize("path", FILES)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "soon", "to": "2026-03-05"}, "From: give a date like 2026-01-31."),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "To must be after From."),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "A period covers at most 366 days."),
        ({"from": "2026-03-01", "to": SURROGATE}, "To: give a date like 2026-01-31."),
    ],
)
def test_the_files_and_the_proof_refuse_bad_periods_clearly(
    client, supervisor, path, query, message
):
    """The figures' CSVs, mentions.csv and the proof page: a 400 page saying what is wrong."""
    response = client.get(path, query_string=qs(query), headers=EN)
    assert response.status_code == 400
    assert response.mimetype == "text/html" and message in response.text
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize("path", FILES[:2])
def test_the_figures_csv_refuse_an_unknown_period_name(client, supervisor, path):
    """The figures' CSVs take the page's period names; another one is refused."""
    response = client.get(path, query_string={"period": "year"}, headers=EN)
    assert response.status_code == 400
    assert "Choose one of the periods offered, or From and To." in response.text


@pytest.mark.parametrize("path", APIS)
@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ({"from": "soon"}, "invalid_period", "from"),
        ({"to": "2026-02-30"}, "invalid_period", "to"),
        ({"from": SURROGATE}, "invalid_period", "from"),
        ({"from": "99999-01-01T00:00:00Z"}, "invalid_period", "from"),
        ({"period": "year"}, "invalid_period", "period"),
        ({"period": "today", "from": "2026-03-01"}, "invalid_period", "period"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "reversed_period", "from"),
        ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T10:00:00Z"}, "reversed_period", "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "period_too_long", "from"),
    ],
)
def test_the_api_answers_bad_periods_with_stable_codes(api_as, path, query, code, parameter):
    """400 with invalid_period, reversed_period or period_too_long and the parameter at fault."""
    api = api_as("0002", role="supervisor")
    response = api.client.get(f"/api/v1{path}", query_string=qs(query), headers=api._headers())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["parameter"]) == (code, parameter)
    assert error["message"]


@pytest.mark.parametrize("path", APIS)
def test_the_api_takes_the_pages_period_names(api_as, path):
    """GET /coverage?period=today (and listening's 7d) answers that period."""
    api = api_as("0002", role="supervisor")
    name = "today" if path == "/coverage" else "7d"
    response = api.get(path, period=name)
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] < body["to"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "２０２６-０１-３１"])
def test_the_audit_log_refuses_a_day_out_of_range_clearly(client, supervisor, day):
    """The audit page's day is a desk's day like the others: year 1 or 9999 is a 400, not a 500."""
    page = client.get("/supervise/audit", query_string=qs({"day": day}), headers=EN)
    assert page.status_code == 400
    assert "Give a day like 2026-01-31." in page.text
