"""The ja and en catalogues: complete, in step with the code, and compiled .mo files up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

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


def extract(tmp_path: Path, config: str = "babel.cfg") -> set[str]:
    """The msgids the extractor finds now, with the repo's settings (babel.cfg)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", config]
        + ["-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_in_the_code_is_translated(lang, tmp_path):
    """Every string marked in the code and templates has a translation in each language."""
    wanted = extract(tmp_path)
    translated = {m.id for m in catalog(lang) if m.id and m.string and not m.fuzzy}
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated in {lang} (extract, update, translate, compile): {missing}"


def test_every_msgid_in_messages_pot_has_a_japanese_msgstr():
    """The committed template's every msgid has a non-empty, settled ja translation."""
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    japanese = {m.id: m.string for m in catalog("ja") if m.id and not m.fuzzy}
    missing = sorted(m for m in wanted if not japanese.get(m))
    assert not missing, f"no ja msgstr for {missing[:10]}"


def test_messages_pot_is_what_extraction_gives_now(tmp_path):
    """Running the extractor finds no msgid messages.pot lacks, and none it no longer marks."""
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    now = extract(tmp_path)
    assert not now - committed, f"new msgids (run scripts/translate): {sorted(now - committed)}"
    assert not committed - now, f"stale msgids (run scripts/translate): {sorted(committed - now)}"


def test_every_templates_string_reads_in_japanese_through_the_compiled_catalogue(tmp_path):
    """Each msgid of templates/, looked up in the compiled ja .mo as pages are, is translated."""
    config = tmp_path / "templates.cfg"
    config.write_text("[jinja2: templates/**.html]\n", encoding="utf-8")
    msgids = extract(tmp_path, str(config))
    assert len(msgids) > 100  # the walk really read the templates
    ja = Translations.load(str(TRANSLATIONS), ["ja"])
    # A msgid without a letter (a figure such as "— / 280") reads the same in both languages.
    worded = [m for m in msgids if isinstance(m, str) and any(c.isalpha() for c in m)]
    untranslated = sorted(m for m in worded if ja.gettext(m) == m)
    assert not untranslated, f"shown in English to a Japanese reader: {untranslated[:10]}"
