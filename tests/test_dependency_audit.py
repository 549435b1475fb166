"""scripts/audit can fail: a known advisory fails it, a pin it cannot check fails it, and the
lock pins every dependency the project declares. The audits ask PyPI over the network."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "scripts" / "audit"
LOCK = ROOT / "requirements.lock"


def audit(tmp_path: Path, *lines: str, flags: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run scripts/audit on a lock made of `lines`; returns its exit status and output."""
    lock = tmp_path / "requirements.lock"
    lock.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [sys.executable, str(AUDIT), "-r", str(lock), *flags],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_a_pin_with_a_known_advisory_fails_the_audit(tmp_path: Path) -> None:
    """pycrypto 2.6.1 (its last release, with CVE-2013-7459) makes the audit exit 1."""
    status, output = audit(tmp_path, "pycrypto==2.6.1")
    assert status == 1, output
    assert re.search(r"VULNERABLE\s+pycrypto==2\.6\.1", output), output
    assert "CVE-2013-7459" in output or "PYSEC-2017-94" in output, output


def test_a_pin_that_cannot_be_checked_fails_instead_of_passing(tmp_path: Path) -> None:
    """An old jinja2 is either found vulnerable (1) or reported unaudited (2), never passed."""
    status, output = audit(tmp_path, "jinja2==2.11.2", flags=("--grace-days", "1"))
    if status == 1:  # where PyPI's per-release data or OSV is reachable, pip-audit judges it
        assert re.search(r"VULNERABLE\s+jinja2==2\.11\.2", output), output
        return
    assert status == 2, output
    assert re.search(r"NOT AUDITED\s+jinja2==2\.11\.2\s+pinned 2\.11\.2", output), output
    assert "TOLERATED" not in output
    status, output = audit(tmp_path, "jinja2==2.11.2", flags=("--accept", "Jinja2==2.11.2"))
    assert status == 0 and "TOLERATED: accepted with --accept" in output, output
    status, output = audit(tmp_path, "jinja2==2.11.2", flags=("--grace-days", "100000"))
    assert status == 0 and "TOLERATED: a newer release is" in output, output


def test_the_latest_release_is_judged_by_its_advisories(tmp_path: Path) -> None:
    """A pin on a project's latest release is audited: exit 0 exactly when it has no advisory."""
    with urllib.request.urlopen("https://pypi.org/pypi/six/json", timeout=30) as answer:
        project = json.load(answer)
    latest = project["info"]["version"]
    live = [v for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]
    status, output = audit(tmp_path, f"six=={latest}", flags=("-v",))
    assert status == (1 if live else 0), output
    assert re.search(rf"(ok|VULNERABLE)\s+six=={re.escape(latest)}", output), output
    assert "0 not audited" in output, output


def test_a_lock_line_that_is_not_an_exact_pin_is_refused(tmp_path: Path) -> None:
    """A range or an option in the lock stops the audit (exit 2) before anything is asked."""
    status, output = audit(tmp_path, "flask>=3", "--index-url https://example.invalid/simple")
    assert status == 2, output
    assert "not an exact pin" in output and "options are not audited" in output, output


def test_the_lock_pins_every_declared_dependency_with_hashes() -> None:
    """Each runtime and dev dependency of pyproject.toml has an exact, hashed pin in the lock."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [
        d for group in project.get("optional-dependencies", {}).values() for d in group
    ]
    text = LOCK.read_text()
    pins = dict(re.findall(r"(?m)^([a-z0-9][a-z0-9._-]*)==(\S+) \\\n\s+--hash=sha256:", text))
    norm = {re.sub(r"[-_.]+", "-", name): version for name, version in pins.items()}
    missing = []
    for requirement in declared:
        name = re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement)[0].lower())
        if name not in norm:
            missing.append(requirement)
    assert not missing, (
        f"not pinned in requirements.lock (regenerate it, see its header): {missing}"
    )
    unhashed = re.findall(r"(?m)^([a-z0-9][a-z0-9._-]*==\S+)$", text)
    assert not unhashed, f"pins without hashes: {unhashed}"
