"""Listening's words: the terms, hashtags and tone of one customer text (services/listening.py
and services/listening_rollups.py count them).

Terms: Japanese is tokenised by MeCab with UniDic (fugashi + unidic-lite) and counted by
lemma (nouns, proper nouns, verbs; stop words dropped); English words are lower-cased and
counted with a small stop list. URLs, @mentions and hashtags are not terms, and neither is
the brand's own handle. Hashtags (# or full-width ＃, Japanese ones too) are counted apart.
UniDic's short units suit matching but cut the words a supervisor reads, so a run of nouns
with their prefixes and suffixes is joined back into one term (充電 + 器 -> 充電器,
クレジット + カード -> クレジットカード).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from helpdesk.services import priority

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])[@＠]\w+")
_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w+)")
_ENGLISH = re.compile(r"[a-z][a-z0-9_'’]*")
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z0-9_'’]*")

ENGLISH_STOP = frozenset(
    """a about after again all also am an and any are as at be been but by can cant could
    did do does dont for from get got had has have having he her here him his how i im if
    in into is it its ive just me my no not now of on or our out please so still than that
    the their them then there these they this to too up us was we were what when where which
    who why will with would yet you your youre""".split()
)
JAPANESE_STOP = frozenset(
    """こと もの ため よう ところ 方 時 今 等 中 人 物 事 感じ 様 所 訳 筈 度 前 後 上 下 日
    さん 君 達 様子""".split()
)
# Units that end a compound rather than join it (購入後 is 購入, not a product); 日 joins
# (発送予定日), and polite prefixes and name suffixes stay out (お問い合わせ, 田中さん).
COMPOUND_BREAKS = (JAPANESE_STOP - {"日"}) | frozenset("御 お ご ちゃん 殿 氏 たち ら".split())
TERM_POS = ("名詞", "動詞")
SKIP_POS2 = ("数詞", "非自立可能", "助動詞語幹")  # numbers; する/ある/いる/なる-like helpers

TONE_NAMES = ("angry", "negative", "neutral")


@cache
def _tagger():
    """One MeCab tagger per process (loading the dictionary is the slow part)."""
    import fugashi

    return fugashi.Tagger()


def _fold(text: str) -> str:
    """NFKC and casefold: for counting only; what is stored and shown stays as X sent it."""
    return unicodedata.normalize("NFKC", text).casefold()


def hashtags(text: str) -> list[str]:
    """The hashtags of a text, folded (#Sale, ＃ｓａｌｅ -> #sale); all-digit tags are not tags."""
    return ["#" + tag for tag in _HASHTAG.findall(_fold(text)) if not tag.isdigit()]


def terms(text: str, handle: str = "") -> list[str]:
    """Content words of a text: Japanese lemmas by fugashi, English words lower-cased."""
    folded = _fold(text)
    folded = _HASHTAG.sub(" ", _MENTION.sub(" ", _URL.sub(" ", folded)))
    own = handle.casefold().lstrip("@")
    words = (word.strip("'’") for word in _ENGLISH.findall(folded))
    found = [w for w in words if len(w) > 1 and w not in ENGLISH_STOP and w != own]
    rest = _ENGLISH_RUN.sub(" ", folded)
    chain: list = []  # a run of short units that may form one compound noun
    for word in _tagger()(rest):
        if _in_compound(word):
            chain.append(word)
            continue
        found += _compound_or_words(chain)
        chain = []
        found += _word(word)
    return found + _compound_or_words(chain)


def _word(word) -> list[str]:
    """One short unit as a term (its lemma: 届かない -> 届く), or nothing."""
    feature = word.feature
    if feature.pos1 not in TERM_POS or feature.pos2 in SKIP_POS2:
        return []
    lemma = (feature.lemma or word.surface).split("-", 1)[0]
    if lemma in JAPANESE_STOP or len(lemma) < 2 and not _is_kanji(lemma):
        return []
    return [lemma]


def _in_compound(word) -> bool:
    """Whether a short unit can be part of a compound noun: a content noun, a prefix (再, 未;
    not the polite お/ご), a noun-making suffix (器, 書, 料; not さん or 様), or an adjectival
    noun such as スマート in スマートフォン."""
    feature = word.feature
    lemma = (feature.lemma or word.surface).split("-", 1)[0]
    if lemma in COMPOUND_BREAKS or word.surface in COMPOUND_BREAKS:
        return False
    if feature.pos1 == "名詞":
        return feature.pos2 not in SKIP_POS2
    if feature.pos1 == "接尾辞":
        return feature.pos2 == "名詞的"
    return feature.pos1 in ("接頭辞", "形状詞")


def _compound_or_words(chain: list) -> list[str]:
    """A run of nouns, prefixes and suffixes as one term, as a person reads it (充電 + 器 ->
    充電器); a run with fewer than two units around a noun gives each unit's own term."""
    start, end = 0, len(chain)
    while start < end and chain[start].feature.pos1 == "接尾辞":  # a suffix cannot begin one
        start += 1
    while end > start and chain[end - 1].feature.pos1 in ("接頭辞", "形状詞"):  # nor end one
        end -= 1
    core = chain[start:end]
    if len(core) < 2 or not any(word.feature.pos1 == "名詞" for word in core):
        return [term for word in chain for term in _word(word)]
    return [
        *(term for word in chain[:start] for term in _word(word)),
        "".join(word.surface for word in core),
        *(term for word in chain[end:] for term in _word(word)),
    ]


def _is_kanji(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def tone_of(text: str, rules: priority.PriorityRules = priority.DEFAULT_PRIORITY_RULES) -> str:
    """angry (high-priority tone), negative (some negative sign) or neutral, by priority's rules."""
    score = priority.tone_score(text, rules)
    if score >= rules.tone_threshold:
        return "angry"
    return "negative" if score else "neutral"
