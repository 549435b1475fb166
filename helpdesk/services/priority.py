"""Priority rules for a new mention: urgent keywords, an angry tone, or a large audience."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from helpdesk.models.mentions import Priority

# Safety, money and legal words: any one of them makes a mention high priority.
URGENT_KEYWORDS: tuple[str, ...] = (
    "至急",
    "緊急",
    "火事",
    "発火",
    "発煙",
    "煙",
    "焦げ",
    "怪我",
    "けが",
    "やけど",
    "火傷",
    "感電",
    "返金",
    "訴訟",
    "訴え",
    "弁護士",
    "消費者センター",
    "urgent",
    "emergency",
    "fire",
    "smoke",
    "smoking",
    "burn",
    "burned",
    "burnt",
    "injury",
    "injured",
    "hurt",
    "refund",
    "lawsuit",
    "lawyer",
    "sue",
)

# Words of an angry customer: two signals (two words, or one and "!!") make it high priority.
NEGATIVE_TONE: tuple[str, ...] = (
    "最悪",
    "最低",
    "ふざけ",
    "許せない",
    "ありえない",
    "あり得ない",
    "激怒",
    "ひどい",
    "酷い",
    "二度と",
    "詐欺",
    "金返せ",
    "worst",
    "terrible",
    "awful",
    "horrible",
    "unacceptable",
    "disgusting",
    "ridiculous",
    "furious",
    "angry",
    "scam",
    "never again",
    "fed up",
)

HIGH_REACH_FOLLOWERS = 10_000
TONE_THRESHOLD = 2
_SHOUTING = re.compile(r"[!！]{2,}")


def _matcher(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern: ASCII words on word boundaries (plural -s allowed), others as substrings."""
    parts = []
    for word in words:
        escaped = re.escape(word.casefold())
        if word.isascii():
            parts.append(rf"\b{escaped}s?\b")
        else:
            parts.append(escaped)
    return re.compile("|".join(parts))


_URGENT = _matcher(URGENT_KEYWORDS)
_TONE = _matcher(NEGATIVE_TONE)


def _normalise(text: str) -> str:
    # NFKC folds full-width letters ("ＵＲＧＥＮＴ") and half-width kana to their usual forms.
    return unicodedata.normalize("NFKC", text).casefold()


def urgent_terms(text: str) -> list[str]:
    """The urgent keywords found in `text`."""
    return _URGENT.findall(_normalise(text))


def tone_score(text: str) -> int:
    """How angry the text reads: distinct negative words, plus one for "!!"."""
    normal = _normalise(text)
    score = len(set(_TONE.findall(normal)))
    if _SHOUTING.search(normal):
        score += 1
    return score


def priority_for(text: str | None, followers_count: int | None = None) -> Priority:
    """High for urgent keywords, a negative tone or an author with a large audience."""
    if followers_count is not None and followers_count >= HIGH_REACH_FOLLOWERS:
        return Priority.HIGH
    if not text:
        return Priority.NORMAL
    if urgent_terms(text) or tone_score(text) >= TONE_THRESHOLD:
        return Priority.HIGH
    return Priority.NORMAL
