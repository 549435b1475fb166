"""A mention's language for routing, detected cheaply: kana or kanji means ja, else en."""

from __future__ import annotations

import re

MENTION_LANGUAGES = ("ja", "en")

# Hiragana, katakana, CJK ideographs (and extension A, compatibility), half-width katakana.
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def detect_language(text: str) -> str:
    """`ja` when the text holds any kana or kanji, else `en`: a first guess, enough to route."""
    return "ja" if _JAPANESE.search(text) else "en"
