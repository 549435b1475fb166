"""Packaging: a non-editable wheel carries every module, template, migration and catalogue."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_code_templates_migrations_and_static_files(tmp_path):
    """Everything the app loads at run time is inside the built wheel, under helpdesk/."""
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("helpdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(p.relative_to(ROOT)) for d in ("helpdesk", "workers") for p in (ROOT / d).rglob("*.py")
    }
    expected |= {
        "helpdesk/templates/" + str(p.relative_to(ROOT / "templates"))
        for p in (ROOT / "templates").rglob("*.html")
    }
    expected |= {
        "helpdesk/migrations/" + str(p.relative_to(ROOT / "migrations"))
        for p in (ROOT / "migrations").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    expected |= {
        str(p.relative_to(ROOT))
        for d in ("helpdesk/static", "helpdesk/translations")
        for p in (ROOT / d).rglob("*")
        if p.is_file()
    }
    missing = sorted(expected - names)
    assert missing == []
