"""Badges and the coverage proof in a browser, in Japanese and English."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpdesk import queue
from tests.support.app import run_jobs
from tests.support.browser import ingest

pytestmark = pytest.mark.browser

WORDS = {
    "en-US": {"badges": "Badges", "first": "First reply", "proof": "Coverage proof",
              "answered": "answered", "intact": "Intact: "},
    "ja-JP": {"badges": "バッジ", "first": "初めての返信", "proof": "対応証明",
              "answered": "回答済み", "intact": "改ざんなし"},
}  # fmt: skip


def shoot(page, name: str) -> None:
    """Save a full-page screenshot when HELPDESK_SCREENSHOTS_DIR is set."""
    folder = os.environ.get("HELPDESK_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_badges_after_the_job_and_the_proof_download(
    app, x, make_employee, signed_in, locale, tmp_path
):
    """An agent's posted reply earns First reply once the job has run: shown on the account page
    and beside their number; a supervisor opens the proof page and downloads the signed report."""
    words = WORDS[locale]
    make_employee("0427", name="Sato")
    make_employee("0900", role="supervisor", name="Boss")
    (mention_id,) = ingest(x, "Is the store open on Sunday?")

    agent = signed_in("0427", locale=locale)
    expect(agent.locator("[data-testid=whoami] .badge-mark")).to_have_count(0)
    agent.click(f'tr[data-mention-id="{mention_id}"] td.text a')
    agent.click("#claim-button")
    agent.fill("#reply-text", "Yes, from 10 to 18.")
    agent.click("#send-button")
    expect(agent.locator(".flash")).to_have_count(1)
    run_jobs(app)  # posts the reply: the audit log now shows reply.posted
    queue.get_queue(queue.DEFAULT).enqueue(
        "workers.jobs.compute_badges", job_id=f"badges-{locale}", job_timeout=600
    )
    run_jobs(app)

    agent.goto("/account")
    expect(agent.locator("#badges-title")).to_have_text(words["badges"])
    listed = agent.locator("[data-testid=badges] .earned-badge")
    expect(listed).to_have_count(1)
    expect(listed.locator(".badge-name")).to_have_text(words["first"])
    mark = agent.locator("[data-testid=whoami] .badge-mark")
    expect(mark).to_have_attribute("title", words["first"])
    agent.goto(f"/mentions/{mention_id}")
    beside_reply = agent.locator("span.username + .badge-mark")  # "by 0427" on our reply
    expect(beside_reply).to_have_attribute("title", words["first"])
    agent.goto("/account")
    shoot(agent, f"badges-{locale[:2]}.png")

    supervisor = signed_in("0900", locale=locale)
    supervisor.click("#nav-supervise")
    supervisor.click("#nav-proof")
    expect(supervisor.locator("h1")).to_have_text(words["proof"])
    answered = supervisor.locator('tr[data-status="answered"]')
    expect(answered.locator("th")).to_have_text(words["answered"])
    expect(answered.locator(".count")).to_have_text("1")
    expect(supervisor.locator("[data-testid=audit-verdict]")).to_contain_text(words["intact"])
    digest = supervisor.locator("[data-testid=sha256]").inner_text()
    with supervisor.expect_download() as info:
        supervisor.click("#download-csv")
    saved = tmp_path / "report.csv"
    info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == digest
    assert info.value.suggested_filename.startswith("coverage-proof-")
    shoot(supervisor, f"proof-{locale[:2]}.png")
    assert agent.errors == [] and supervisor.errors == []
