"""The coverage proof page: the summary, and the exact report it hashed and signed to download."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.services.coverage_proof import verify
from tests.services.test_coverage_proof import desk, expected_lines  # noqa: F401 - the fixture

PERIOD = {"from": "2026-11-01", "to": "2026-12-01"}


@pytest.fixture
def supervisor(client, login, desk):  # noqa: F811
    """The desk's supervisor 0900, signed in, in English."""
    db.session.execute(sa.update(Employee).where(Employee.number == "0900").values(language="en"))
    db.session.commit()
    login("0900")
    return client


def digest_of(page: str) -> str:
    found = re.search(r'data-testid="sha256">([0-9a-f]{64})<', page)
    assert found, "no SHA-256 on the page"
    return found.group(1)


def test_page_shows_the_summary_and_verdicts(supervisor):
    """Counts per status, the unrepaired gap and an intact chain are on the page."""
    page = supervisor.get("/supervise/coverage/proof", query_string=PERIOD)
    assert page.status_code == 200
    text = page.text
    assert re.search(r'data-status="answered"><th>answered</th><td class="count">4<', text)
    assert re.search(r'data-status="open"><th>open</th><td class="count">3<', text)
    assert re.search(r'data-status="total"><th>Total</th><td class="count">11<', text)
    assert "do not cover the period completely" in text
    assert "Intact: 4 of 4 events verified." in text


def test_download_is_the_report_the_page_hashed_and_signed(supervisor, desk):  # noqa: F811
    """The CSV downloaded has the page's SHA-256, the hand-computed lines and a valid signature."""
    page = supervisor.get("/supervise/coverage/proof", query_string=PERIOD).text
    digest = digest_of(page)
    download = supervisor.get(f"/supervise/coverage/proof/{digest}.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "coverage-proof-2026-11-01-2026-12-01.csv" in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() == digest
    lines = download.data.decode().split("\n")
    expected = expected_lines(desk, events=4, verified=4, first_break="", intact="yes")
    assert lines[:3] + lines[4:] == expected[:3] + expected[4:]
    signature = supervisor.get(f"/supervise/coverage/proof/{digest}.sig").data.decode().strip()
    assert signature in page
    assert verify(download.data, signature)
    sums = supervisor.get(f"/supervise/coverage/proof/{digest}.sha256").data.decode()
    assert sums == f"{digest}  coverage-proof-2026-11-01-2026-12-01.csv\n"


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"from": "2026-11-31", "to": "2026-12-01"}, "From: give a date like 2026-01-31."),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "To must be after From"),
        ({"from": "2024-01-01", "to": "2026-12-01"}, "at most 366 days"),
    ],
)
def test_bad_periods_re_render_with_a_message(supervisor, period, message):
    """A bad period is a 400 page with the form kept and the reason, and no report."""
    page = supervisor.get("/supervise/coverage/proof", query_string=period)
    assert page.status_code == 400
    assert message in page.text
    assert f'value="{period["from"]}"' in page.text
    assert 'data-testid="sha256"' not in page.text


def test_unknown_or_malformed_digest_is_404(supervisor):
    """A report never generated (or expired) and a digest that is not hex are 404."""
    assert supervisor.get(f"/supervise/coverage/proof/{'a' * 64}.csv").status_code == 404
    assert supervisor.get("/supervise/coverage/proof/nothex.sig").status_code == 404


def test_desk_page_links_to_the_proof(supervisor):
    """The supervisors' desk links to the proof page."""
    assert 'href="/supervise/coverage/proof"' in supervisor.get("/supervise/").text
