"""A long period's coverage proof is built by an RQ job on the `reports` queue, off the web
workers: the page waits for it, shows its steps, then the same report the inline path gives."""

from __future__ import annotations

import hashlib
import re

import pytest

from helpdesk.models.types import utcnow
from helpdesk.queue import REPORTS, get_queue
from helpdesk.services import coverage_proof, periods, proof_reports
from helpdesk.services.coverage_proof import verify
from tests.services.test_coverage_proof import desk  # noqa: F401 - the fixture
from tests.support.app import run_jobs
from tests.web.test_coverage_proof_web import supervisor  # noqa: F401 - the fixture

LONG = {"from": "2026-10-01", "to": "2026-12-01"}  # 61 days: more than INLINE_DAYS


def started(signed_in) -> str:
    """Ask for the long period's proof; the answer is a redirect to its job's page."""
    answer = signed_in.get("/supervise/coverage/proof", query_string=LONG)
    assert answer.status_code == 303
    found = re.search(r"job=(proof-[0-9a-f]{32})$", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return found.group(1)


def test_a_long_period_waits_for_a_reports_worker_then_shows_its_report(app, supervisor):  # noqa: F811
    """The job page reloads itself while waiting; after a real RQ worker runs the job it shows
    the summary, and the download is the report the page hashed and signed."""
    job_id = started(supervisor)
    assert job_id in get_queue(REPORTS).job_ids
    waiting = supervisor.get("/supervise/coverage/proof", query_string={"job": job_id})
    assert waiting.status_code == 200
    assert 'data-state="waiting"' in waiting.text
    assert 'http-equiv="refresh"' in waiting.text
    assert "Building the report for 2026-10-01 to 2026-12-01" in waiting.text
    assert 'data-testid="sha256"' not in waiting.text

    run_jobs(app)
    done = supervisor.get("/supervise/coverage/proof", query_string={"job": job_id})
    assert done.status_code == 200
    assert 'http-equiv="refresh"' not in done.text
    digest = re.search(r'data-testid="sha256">([0-9a-f]{64})<', done.text).group(1)
    download = supervisor.get(f"/supervise/coverage/proof/{digest}.csv")
    assert hashlib.sha256(download.data).hexdigest() == digest
    assert "coverage-proof-2026-10-01-2026-12-01.csv" in download.headers["Content-Disposition"]
    signature = supervisor.get(f"/supervise/coverage/proof/{digest}.sig").data.decode().strip()
    assert verify(download.data, signature)

    period = periods.parse(periods.PROOF, None, LONG["from"], LONG["to"], "Asia/Tokyo")
    inline = coverage_proof.prove(period.start, period.end, utcnow())
    lines, expected = download.data.decode().split("\n"), inline.csv_text.split("\n")
    assert lines[:3] + lines[4:] == expected[:3] + expected[4:]  # all but generated_at
    total = sum(inline.totals.values())
    assert re.search(rf'data-status="total"><th>Total</th><td class="count">{total}<', done.text)


def test_asking_again_while_it_waits_joins_the_same_job(supervisor):  # noqa: F811
    """A second request for the same period (a double click, a colleague) starts nothing new."""
    first = started(supervisor)
    assert started(supervisor) == first
    assert get_queue(REPORTS).count == 1


def test_the_job_reports_each_step_in_order(app, desk):  # noqa: F811
    """What the page shows as 'step n of 4' comes from prove() telling each step as it starts."""
    period = periods.parse(periods.PROOF, None, LONG["from"], LONG["to"], "Asia/Tokyo")
    heard: list[str] = []
    digest = proof_reports.build(period.start, period.end, "p.csv", heard.append)
    assert heard == list(coverage_proof.STEPS)
    assert proof_reports.stored(digest)["summary"]["sha256"] == digest


@pytest.mark.parametrize("job", ["proof-" + "0" * 32, "nonsense", "proof-../../x", ""])
def test_an_unknown_or_malformed_job_is_a_clear_404(supervisor, job):  # noqa: F811
    """A job that never was, expired or is not an id at all: 404 with what to do."""
    page = supervisor.get("/supervise/coverage/proof", query_string={"job": job})
    assert page.status_code == 404
    assert "no longer available" in page.text
