"""Priority rules for a new mention: urgent keywords, an angry tone, or a large audience."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

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


@dataclass(frozen=True)
class PriorityRules:
    """The priority rules in force: keywords, tone words and the reach threshold (None: off)."""

    urgent_keywords: tuple[str, ...] = URGENT_KEYWORDS
    negative_tone: tuple[str, ...] = NEGATIVE_TONE
    follower_threshold: int | None = HIGH_REACH_FOLLOWERS
    tone_threshold: int = TONE_THRESHOLD

    @cached_property
    def urgent(self) -> re.Pattern[str] | None:
        """The urgent keywords as one pattern (None when there are none)."""
        return _matcher(self.urgent_keywords) if self.urgent_keywords else None

    @cached_property
    def tone(self) -> re.Pattern[str] | None:
        """The tone words as one pattern (None when there are none)."""
        return _matcher(self.negative_tone) if self.negative_tone else None


DEFAULT_PRIORITY_RULES = PriorityRules()


def _normalise(text: str) -> str:
    # NFKC folds full-width letters ("ＵＲＧＥＮＴ") and half-width kana to their usual forms.
    return unicodedata.normalize("NFKC", text).casefold()


def urgent_terms(text: str, rules: PriorityRules = DEFAULT_PRIORITY_RULES) -> list[str]:
    """The urgent keywords found in `text`."""
    return rules.urgent.findall(_normalise(text)) if rules.urgent else []


def tone_score(text: str, rules: PriorityRules = DEFAULT_PRIORITY_RULES) -> int:
    """How angry the text reads: distinct negative words, plus one for "!!"."""
    normal = _normalise(text)
    score = len(set(rules.tone.findall(normal))) if rules.tone else 0
    if _SHOUTING.search(normal):
        score += 1
    return score


def priority_for(
    text: str | None,
    followers_count: int | None = None,
    rules: PriorityRules = DEFAULT_PRIORITY_RULES,
) -> Priority:
    """High for urgent keywords, a negative tone or an author with a large audience."""
    threshold = rules.follower_threshold
    if followers_count is not None and threshold is not None and followers_count >= threshold:
        return Priority.HIGH
    if not text:
        return Priority.NORMAL
    if urgent_terms(text, rules) or tone_score(text, rules) >= rules.tone_threshold:
        return Priority.HIGH
    return Priority.NORMAL
