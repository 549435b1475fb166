"""The ja and en catalogues: complete, in step with the code, and compiled .mo files up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "helpdesk" / "translations"
LANGUAGES = ("ja", "en")


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_mo_files_match_the_po_files(lang):
    """Each committed .mo holds the translations of its .po (run `pybabel compile` after
    editing); compared message by message, since the bytes depend on Babel's version."""
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = {m.id: m.string for m in read_mo(f) if m.id}
    wanted = {m.id: m.string for m in catalog(lang) if m.id and m.string and not m.fuzzy}
    stale = sorted(k for k in wanted.keys() | committed.keys() if committed.get(k) != wanted.get(k))
    assert not stale, (
        f"{lang}/messages.mo is stale for {stale[:5]}: "
        "run `pybabel compile -d helpdesk/translations`"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_in_the_code_is_translated(lang, tmp_path):
    """Every string marked in the code and templates has a translation in each language."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    translated = {m.id for m in catalog(lang) if m.id and m.string and not m.fuzzy}
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated in {lang} (extract, update, translate, compile): {missing}"
