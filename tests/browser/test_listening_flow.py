"""A supervisor listens in Japanese and English: charts drawn by Chart.js, the spike marked,
a figure downloaded as CSV; coverage's charts draw too. Screenshots when asked for."""

from __future__ import annotations

import codecs
import csv
import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.models.types import utcnow
from tests.support.browser import ingest

SPIKE_COLOUR = "#a4161a"
WORDS = {
    "ja-JP": {"listening": "リスニング", "coverage": "対応状況"},
    "en-US": {"listening": "Listening", "coverage": "Coverage"},
}


@pytest.fixture
def desk(x, make_employee):
    """Six crash reports in one hour three hours ago (a spike: nothing then on earlier days),
    and three ordinary mentions in other hours."""
    make_employee("0900", role="supervisor")
    texts = [*["@acme_help アプリが落ちる #障害"] * 6]
    texts += ["@acme_help ヘッドホンが届かない #返品", "@acme_help my order is late", "質問です"]
    ids = ingest(x, *texts)
    spike_hour = (utcnow() - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    times = [spike_hour + timedelta(minutes=5 * n) for n in range(6)]
    times += [spike_hour - timedelta(hours=h) for h in (2, 4, 6)]
    for mention_id, when in zip(ids, times, strict=True):
        db.session.execute(
            sa.update(Mention).where(Mention.id == mention_id).values(created_at=when)
        )
    db.session.commit()
    return len(ids)


def shoot(page, name: str) -> None:
    """A full-page PNG in HELPDESK_SCREENSHOTS_DIR, when that is set."""
    folder = os.environ.get("HELPDESK_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_a_supervisor_listens_and_downloads_a_figure(desk, signed_in, locale):
    """Open listening from the desk, see five drawn charts and the spike, download the volume."""
    lang = locale[:2]
    page = signed_in("0900", locale=locale)
    page.goto("/supervise")
    page.click('a.filter[href="/supervise/listening"]')
    page.wait_for_url("**/supervise/listening")
    expect(page.locator("h1")).to_have_text(WORDS[locale]["listening"])
    expect(page.locator("html")).to_have_attribute("lang", lang)

    drawn = page.locator("canvas[data-chart][data-drawn=true]")
    expect(drawn).to_have_count(5)
    kinds = drawn.evaluate_all("cs => cs.map(c => Chart.getChart(c).config.type)")
    assert kinds == ["bar", "doughnut", "doughnut", "bar", "bar"]

    volume = page.locator('canvas[data-chart="volume"]')
    counts = volume.evaluate("c => Chart.getChart(c).data.datasets[0].data")
    colours = volume.evaluate("c => Chart.getChart(c).data.datasets[0].backgroundColor")
    assert sum(counts) == desk
    marked = [n for n, colour in zip(counts, colours, strict=True) if colour == SPIKE_COLOUR]
    assert marked == [6]  # the one spike hour, in the spike colour; the others not
    expect(page.locator("#spikes li[data-spike]")).to_have_count(1)
    expect(page.locator('#figures [data-figure="spikes"]')).to_have_text("1")
    expect(page.locator("table[data-figure-table=volume] tr.spike")).to_have_count(1)
    tags = page.locator('canvas[data-chart="hashtags"]').evaluate(
        "c => Chart.getChart(c).data.labels"
    )
    assert tags[:2] == ["#障害", "#返品"]
    shoot(page, f"listening-{lang}.png")

    with page.expect_download() as download:
        page.click('[data-figure-csv="volume"]')
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert sum(int(r["mentions"]) for r in rows) == desk
    assert [r["mentions"] for r in rows if r["spike"] == "yes"] == ["6"]

    page.click('a.filter[href="/supervise/coverage"]')
    page.wait_for_url("**/supervise/coverage")
    expect(page.locator("h1")).to_have_text(WORDS[locale]["coverage"])
    expect(page.locator("canvas[data-chart][data-drawn=true]")).to_have_count(2)
    received = page.locator('canvas[data-chart="volume"]').evaluate(
        "c => Chart.getChart(c).data.datasets[0].data.reduce((n, v) => n + v, 0)"
    )
    assert received <= desk  # today's hours in the desk's zone: part of the last day at most
    shoot(page, f"coverage-{lang}.png")
    assert page.errors == [] and page.dialogs == []
