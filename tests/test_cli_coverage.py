"""`helpdesk coverage prove` and `verify`: the signed report on disk, checked and refused."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.extensions import db
from tests.services.test_coverage_proof import desk, expected_lines  # noqa: F401 - the fixture


@pytest.fixture
def runner(app, environ, monkeypatch) -> CliRunner:
    """A CLI runner whose commands build the app from the test environment."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    db.session.rollback()
    return CliRunner()


def test_prove_writes_the_report_its_hash_and_signature(runner, desk, tmp_path):  # noqa: F811
    """The CSV on disk is the hand-computed report; .sha256 is sha256sum's line; .sig verifies."""
    out = tmp_path / "nov.csv"
    result = runner.invoke(main, ["coverage", "prove", "--from", "2026-11-01", "--to",
                                  "2026-12-01", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().decode().split("\n")
    expected = expected_lines(desk, events=4, verified=4, first_break="", intact="yes")
    assert lines[3].startswith("generated_at,2026-") or lines[3].startswith("generated_at,20")
    assert lines[:3] + lines[4:] == expected[:3] + expected[4:]  # all but the time it was made
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert (tmp_path / "nov.csv.sha256").read_text() == f"{digest}  nov.csv\n"
    assert "answered\t4" in result.output and "open\t3" in result.output
    assert "ingest_covered\tno" in result.output and f"sha256\t{digest}" in result.output
    checked = runner.invoke(main, ["coverage", "verify", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "signature verified" in checked.output


def test_verify_refuses_an_edited_report(runner, desk, tmp_path):  # noqa: F811
    """One changed status in the CSV and the signature no longer matches: exit 1."""
    out = tmp_path / "nov.csv"
    runner.invoke(main, ["coverage", "prove", "--from", "2026-11-01", "--to", "2026-12-01",
                         "--out", str(out)])  # fmt: skip
    signature = (tmp_path / "nov.csv.sig").read_text().strip()
    out.write_bytes(out.read_bytes().replace(b"open,3", b"open,0"))
    refused = runner.invoke(main, ["coverage", "verify", str(out), "--signature", signature])
    assert refused.exit_code == 1
    assert "does not match" in refused.output
    assert "Traceback" not in refused.output


def test_verify_with_a_wrong_signature_is_refused(runner, desk, tmp_path):  # noqa: F811
    """An untouched report with someone else's signature is refused too."""
    out = tmp_path / "nov.csv"
    runner.invoke(main, ["coverage", "prove", "--from", "2026-11-01", "--to", "2026-12-01",
                         "--out", str(out)])  # fmt: skip
    refused = runner.invoke(main, ["coverage", "verify", str(out), "--signature", "ab" * 32])
    assert refused.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-01"], "from must be a date like 2026-01-31"),
        (["--from", "2026-11-01", "--to", "soon"], "to must be a date like 2026-01-31"),
        (["--from", "2026-12-01", "--to", "2026-11-01"], "to must be after from"),
    ],
)
def test_bad_dates_are_a_clear_message_and_exit_2(runner, tmp_path, args, message):
    """A bad date prints what is wrong, writes nothing and exits 2."""
    out = tmp_path / "r.csv"
    result = runner.invoke(main, ["coverage", "prove", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_verify_of_a_missing_file_exits_2(runner, tmp_path):
    """A report that is not there is a one-line error, exit 2."""
    result = runner.invoke(main, ["coverage", "verify", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
