"""Customer text is stored as decoded; only what no database can hold is replaced."""

from __future__ import annotations

import json

import pytest

from helpdesk.x.parse import storable

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it


@pytest.mark.parametrize(
    "text",
    [
        "確認してもらえますか？",
        "ＡＢＣ１２３",
        "e\u0301",
        "a\u200bb",
        "\u202eevil",
        "👩‍👩‍👧",
        "<b>&amp;",
        "x\r\ny",
    ],
)
def test_ordinary_hostile_text_is_left_exactly_as_is(text):
    """Full-width, combining, zero-width, RTL, ZWJ, markup and CRLF pass through unchanged."""
    assert storable(text) == text


def test_lone_surrogates_and_nul_become_the_replacement_character():
    """JSON may carry "\\ud800" or "\\u0000"; neither fits UTF-8 text columns, so each is U+FFFD."""
    decoded = json.loads('"a\\ud800b\\udfffc\\u0000d"')
    assert storable(decoded) == "a\ufffdb\ufffdc\ufffdd"
    paired = json.loads('"\\ud83d\\ude00"')  # a proper pair is one emoji, kept
    assert storable(paired) == "😀"
