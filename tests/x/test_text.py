"""Weighted length against the twitter-text conformance suite, and signing replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from twitter_text import parse_tweet
from twitter_text.config import config as package_config

from helpdesk.x.text import (
    MAX_COUNTED_CHARS,
    MAX_WEIGHTED_LENGTH,
    fits,
    validate_signature_format,
    weighted_length,
    with_signature,
)

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

DATA = Path(__file__).resolve().parent / "data" / "twitter-text"
# The copy in tests/x/data is what the suite reads; this is where it came from, beside the repo.


def _weighted_cases() -> list[dict]:
    with (DATA / "validate.yml").open(encoding="utf-8") as fh:
        suite = yaml.safe_load(fh)
    return suite["tests"]["WeightedTweetsWithDiscountedEmojiCounterTest"]


CASES = _weighted_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_weighted_length_matches_conformance_suite(case: dict) -> None:
    """Every v3 conformance case gets the reference weighted length and validity."""
    text = case["text"]
    expected_length = case["expected"]["weightedLength"]
    # We post LF only (see helpdesk.x.text), so a CRLF the reference counts as 2 counts 1
    # for us; the suite has no such case today, but if one is added this says so openly.
    expected_length -= text.count("\r\n")
    assert weighted_length(text) == expected_length
    assert parse_tweet(text).valid is case["expected"]["valid"]


def test_suite_section_is_not_empty() -> None:
    """The conformance section is present, so the parametrized test really runs."""
    assert len(CASES) >= 20


def test_package_config_is_v3() -> None:
    """The package counts with the same weights as the vendored config-v3.json."""
    v3 = json.loads((DATA / "config-v3.json").read_text(encoding="utf-8"))
    defaults = package_config["defaults"]
    assert defaults["max_weighted_tweet_length"] == v3["maxWeightedTweetLength"] == 280
    assert defaults["scale"] == v3["scale"]
    assert defaults["default_weight"] == v3["defaultWeight"]
    assert defaults["transformed_url_length"] == v3["transformedURLLength"]
    assert defaults["emoji_parsing_enabled"] is v3["emojiParsingEnabled"]
    assert [(r["start"], r["end"], r["weight"]) for r in defaults["ranges"]] == [
        (r["start"], r["end"], r["weight"]) for r in v3["ranges"]
    ]


def test_crlf_counts_as_one_line_break() -> None:
    """CRLF counts 1 like LF, because we post it as LF (the reference would count 2)."""
    assert weighted_length("a\r\nb") == weighted_length("a\nb") == 3
    assert weighted_length("a\rb") == 3


def test_japanese_counts_two_per_character() -> None:
    """Kana and kanji weigh 2 each, so 140 of them fill a post."""
    assert weighted_length("お問い合わせ") == 12
    assert fits("あ" * 140)
    assert not fits("あ" * 141)


def test_url_counts_23_whatever_its_length() -> None:
    """A URL weighs 23 however long it is."""
    long_url = "https://example.com/" + "a" * 100
    assert weighted_length(long_url) == 23
    assert weighted_length("詳細: https://example.com/x") == 4 + 1 + 1 + 23


def test_emoji_sequence_counts_two() -> None:
    """An emoji, a skin-toned emoji and a ZWJ sequence each weigh 2."""
    assert weighted_length("👍") == 2
    assert weighted_length("👍🏽") == 2
    assert weighted_length("👨‍👩‍👧‍👦") == 2
    assert weighted_length("👩🏽‍💻") == 2


def test_fits_rejects_blank_and_too_long() -> None:
    """Blank text and text over 280 do not fit; exactly 280 does."""
    assert not fits("")
    assert not fits(" \n\t ")
    assert fits("a" * MAX_WEIGHTED_LENGTH)
    assert not fits("a" * (MAX_WEIGHTED_LENGTH + 1))


def test_with_signature_appends_default_signature() -> None:
    """The default signature is ' ^<number>' after the text with trailing space removed."""
    assert with_signature("Thanks for waiting!  \n", "042") == "Thanks for waiting! ^042"


def test_with_signature_counts_the_signature() -> None:
    """The signature is part of the weighted length of what is posted."""
    signed = with_signature("ご不便をおかけしております。", "7")
    assert signed == "ご不便をおかけしております。 ^7"
    assert weighted_length(signed) == 14 * 2 + 3


def test_with_signature_japanese_near_the_limit() -> None:
    """137 Japanese characters plus ' ^12' is 278 and fits; 139 do not."""
    assert fits(with_signature("あ" * 137, "12"))
    assert weighted_length(with_signature("あ" * 139, "12")) == 282
    assert not fits(with_signature("あ" * 139, "12"))


def test_with_signature_keeps_emoji_and_url() -> None:
    """Emoji and URLs survive signing and keep their weights (2 and 23)."""
    signed = with_signature("見てね👍 https://example.com/help", "5")
    assert signed == "見てね👍 https://example.com/help ^5"
    assert weighted_length(signed) == 6 + 2 + 1 + 23 + 3


def test_with_signature_normalises_nfc_and_line_endings() -> None:
    """Decomposed characters become NFC and CRLF becomes LF in what is posted."""
    signed = with_signature("Cafe\u0301\r\nです\r\n", "1")
    assert signed == "Caf\u00e9\nです ^1"
    assert weighted_length(signed) == weighted_length("Caf\u00e9\r\nです ^1")


def test_with_signature_custom_format() -> None:
    """A custom format with only {number} and literal braces works."""
    assert with_signature("Hi", "9", " —{number}") == "Hi —9"
    assert validate_signature_format(" {{{number}}}") == " {{{number}}}"
    assert with_signature("Hi", "9", " {{{number}}}") == "Hi {9}"


@pytest.mark.parametrize(
    "fmt",
    [
        " ^",
        " ^{name}",
        " ^{number} {name}",
        " ^{number:>4}",
        " ^{number!r}",
        " ^{0}",
        " ^{",
        " ^{number",
    ],
)
def test_bad_signature_format_is_rejected(fmt: str) -> None:
    """A format without {number}, with another field or with broken braces raises ValueError."""
    with pytest.raises(ValueError, match="signature format"):
        validate_signature_format(fmt)
    with pytest.raises(ValueError, match="signature format"):
        with_signature("Hi", "1", fmt)


def test_empty_number_is_rejected() -> None:
    """Signing with a blank employee number raises ValueError."""
    with pytest.raises(ValueError, match="employee number"):
        with_signature("Hi", "  ")


def test_fits_refuses_huge_text_without_counting() -> None:
    """Text over MAX_COUNTED_CHARS does not fit, even though a long URL could weigh little."""
    assert not fits("x." * 3000)
    assert not fits("https://example.com/" + "a" * (MAX_COUNTED_CHARS + 1))
