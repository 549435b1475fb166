"""The corpus of texts against the seeded default rules: caught, missed and false alarms."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from helpdesk.models import Priority
from helpdesk.services import rule_cache, rules
from helpdesk.services.guidelines import check_reply, personal_data_kinds
from helpdesk.services.priority import priority_for
from tests.services.rules_corpus import CORPUS, Text

NUMBERS_FILE = Path(os.environ.get("RULES_CORPUS_NUMBERS", "/tmp/rules_corpus_numbers.md"))


def _found(entry: Text) -> set[str]:
    policy = rule_cache.current_guideline_policy()
    violations = check_reply(entry.text, policy)
    kinds = {f"personal_data.{k}" for k in personal_data_kinds(entry.text, policy)}
    found = {v.rule for v in violations if v.rule != "personal_data"} | kinds
    if priority_for(entry.text, None, rule_cache.current_priority_rules()) is Priority.HIGH:
        found.add("priority")
    return found


def _expected(entry: Text) -> set[str]:
    return set(entry.findings) | ({"priority"} if entry.priority == "high" else set())


def test_the_corpus_covers_both_languages_personal_data_and_near_misses():
    """At least 60 texts, Japanese and English, each with and without personal data."""
    assert len(CORPUS) >= 60
    for language in ("ja", "en"):
        mine = [e for e in CORPUS if e.language == language]
        assert any(any(f.startswith("personal_data") for f in e.findings) for e in mine)
        assert sum(1 for e in mine if not e.findings) >= 10
    assert len({e.text for e in CORPUS}) == len(CORPUS)


def test_the_seeded_rules_find_exactly_the_expected_findings_and_known_misses(app):
    """Every text gets its expected findings, except the recorded misses and false alarms."""
    rules.list_rules("guideline")  # seed the tables, so the rules come from the rows
    assert rule_cache.current_guideline_policy().banned_terms  # read from the seeded rows
    caught: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    wrong = []
    for entry in CORPUS:
        expected, found = _expected(entry), _found(entry)
        for kind in expected & found:
            caught[kind] += 1
        for kind in expected - found:
            missed[kind] += 1
        for kind in found - expected:
            false_alarms[kind] += 1
        if expected - found != set(entry.missed) or found - expected != set(entry.false_alarm):
            wrong.append((entry.text, sorted(expected), sorted(found)))
    report = _report(caught, missed, false_alarms)
    print(report)
    NUMBERS_FILE.write_text(report, encoding="utf-8")
    assert wrong == []
    assert sum(missed.values()) == sum(len(e.missed) for e in CORPUS)
    assert sum(false_alarms.values()) == sum(len(e.false_alarm) for e in CORPUS)


def _report(caught: Counter[str], missed: Counter[str], false_alarms: Counter[str]) -> str:
    kinds = sorted(set(caught) | set(missed) | set(false_alarms))
    lines = [
        f"# Rules corpus: {len(CORPUS)} texts against the seeded default rules",
        "",
        "| finding | caught | missed | false alarms |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {k} | {caught[k]} | {missed[k]} | {false_alarms[k]} |" for k in kinds]
    total = (sum(caught.values()), sum(missed.values()), sum(false_alarms.values()))
    lines.append(f"| **all** | {total[0]} | {total[1]} | {total[2]} |")
    lines += ["", "Known misses and false alarms:", ""]
    lines += [f"- `{e.text}`: {e.why}" for e in CORPUS if e.missed or e.false_alarm]
    return "\n".join(lines) + "\n"
