"""The costs page: what X costs in both languages, price edits refused or audited, and the
composer's note on a reply with a link."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.services import costs, ingest
from tests.support.costs import seed_prices
from tests.support.web import post_form

PRICE_OF_REPLY = "/supervise/costs/prices/reply"


@pytest.fixture
def priced(app):
    seed_prices()
    return app


def test_the_costs_page_shows_the_spend_in_both_languages(priced, x, supervisor, client):
    """After an ingest the page shows today's spend, the month, its projection and the cap,
    with dollars formatted by Babel in English and Japanese."""
    x.mention("@acme_help 届きません", username="hanako_t")
    ingest.ingest_mentions()
    for language, title in (("en", "X costs"), ("ja", "X の費用")):
        speaker = db.session.get(type(supervisor), supervisor.id)
        speaker.language = language
        db.session.commit()
        page = client.get("/supervise/costs")
        assert page.status_code == 200
        assert title in page.text and 'data-kind="owned_read"' in page.text
        assert "$0.001" in page.text  # the owned read's price, in the price table
        assert "3,000,000" in page.text
        today = page.text.split('data-figure="today">')[1].split("<")[0]
        assert today.startswith("$0.0") and today != "$0.00"


def test_a_supervisor_changes_a_price_and_it_is_audited(priced, supervisor, client):
    """Saving a price stores it and audits the change; the page lists the new price."""
    answer = post_form(client, PRICE_OF_REPLY, {"usd": "0.012"}, "/supervise/costs")
    assert answer.status_code == 302
    assert str(costs.prices()["reply"]) == "0.012"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "x_price.changed")
    ).one()
    assert json.loads(event.details)["after"] == "0.012"
    assert "$0.012" in client.get("/supervise/costs").text


@pytest.mark.parametrize(
    ("usd", "sentence"),
    [
        ("-1", "A price cannot be negative."),
        ("abc", "A price is a number of US dollars"),
        ("1e9", "A price is a number of US dollars"),
        ("", "A price is a number of US dollars"),
    ],
)
def test_a_bad_price_is_refused_with_a_clear_sentence(priced, supervisor, client, usd, sentence):
    """A negative or non-numeric price is a 400 with the reason, and nothing changes."""
    answer = post_form(client, "/supervise/costs/prices/reply", {"usd": usd}, "/supervise/costs")
    assert answer.status_code == 400
    assert sentence in answer.text
    assert str(costs.prices()["reply"]) == "0.01"


def test_an_unknown_kind_is_a_404(priced, supervisor, client):
    """A price for a kind X does not have is not found."""
    answer = post_form(client, "/supervise/costs/prices/lunch", {"usd": "1"}, "/supervise/costs")
    assert answer.status_code == 404


def test_the_cap_is_a_whole_number(priced, supervisor, client):
    """The post-read cap takes a whole number (commas allowed) and refuses anything else."""
    answer = post_form(client, "/supervise/costs/cap", {"cap": "2,500,000"}, "/supervise/costs")
    assert answer.status_code == 302 and costs.post_read_cap() == 2_500_000
    answer = post_form(client, "/supervise/costs/cap", {"cap": "-3"}, "/supervise/costs")
    assert answer.status_code == 400 and costs.post_read_cap() == 2_500_000


def test_a_bad_period_is_refused_on_the_page(priced, supervisor, client):
    """A reversed custom range gives the periods' own sentence, never a 500."""
    answer = client.get(
        "/supervise/costs?period=custom&from=2026-12-05&to=2026-12-01",
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert "To must be after From." in answer.text


def test_the_preview_says_a_link_costs_more(priced, api_as):
    """The composer's preview gives a reply with a link its price from the table, and how many
    plain replies it is, in the caller's language; a plain reply has no note."""
    api = api_as("0427")
    plain = api.post("/replies/preview", {"text": "Thank you"}).get_json()
    assert plain["cost"]["kind"] == "reply" and plain["cost"]["message"] is None
    linked = api.post("/replies/preview", {"text": "See https://acme.co.jp/faq"}).get_json()
    assert linked["cost"] == {
        "kind": "post_with_link",
        "usd": 0.2,
        "plain_usd": 0.01,
        "times": 20,
        "message": "A reply with a link costs $0.20 on X, about 20 times a plain reply ($0.01).",
    }
    ja = api.client.post(
        "/api/v1/replies/preview",
        json={"text": "See https://acme.co.jp/faq"},
        headers={**api._headers(), "Accept-Language": "ja"},
    ).get_json()
    assert "$0.20" in ja["cost"]["message"] and "20" in ja["cost"]["message"]
