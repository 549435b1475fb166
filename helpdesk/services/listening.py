"""Listening for a period: volume over time with spikes, top terms and hashtags, priority and tone.

Terms: Japanese is tokenised by MeCab with UniDic (fugashi + unidic-lite) and counted by
lemma (nouns, proper nouns, verbs; stop words dropped); English words are lower-cased and
counted with a small stop list. URLs, @mentions and hashtags are not terms, and neither is
the brand's own handle. Hashtags (# or full-width ＃, Japanese ones too) are counted apart.
UniDic's short units suit matching but cut the words a supervisor reads, so a run of nouns
with their prefixes and suffixes is joined back into one term (充電 + 器 -> 充電器,
クレジット + カード -> クレジットカード).

Scale: volume, spikes and priority are counted by the database (GROUP BY). Texts are read
streamed (yield_per) and only the newest MAX_TEXTS of the period are tokenised and toned;
the answer says how many were (`sample`), so the figures above 100k mentions stay fast.

Spikes: an hour of the period is a spike when its count is at least MIN_SPIKE and above
median + SPIKE_K * max(1.4826 * MAD, 1) of the same local hour on each of the previous
BASELINE_DAYS days (MAD: median absolute deviation; 1.4826 scales it to a standard
deviation for normal data; the floor of 1 keeps a flat baseline from flagging noise).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from statistics import median
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention, Priority
from helpdesk.models.types import utcnow
from helpdesk.services import brand, priority
from helpdesk.services.errors import InvalidInput
from helpdesk.services.rules import current_priority_rules

HOURLY_UP_TO = timedelta(days=3)  # longer periods are drawn per day
BASELINE_DAYS = 28
SPIKE_K = 3.0
MIN_SPIKE = 5
MAX_TEXTS = 10_000
TOP = 20
CHUNK = 1_000

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


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


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


def _hour_key() -> sa.ColumnElement[str]:
    """The UTC hour of Mention.created_at as 'YYYY-MM-DD HH', on either backend."""
    if db.session.get_bind().dialect.name == "sqlite":
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
        return sa.func.substr(Mention.created_at, 1, 13, type_=sa.String)
    utc = sa.func.timezone("UTC", Mention.created_at)
    return sa.func.to_char(sa.func.date_trunc("hour", utc), "YYYY-MM-DD HH24", type_=sa.String)


def _hourly(start: datetime, end: datetime) -> Counter[datetime]:
    """Mentions per UTC hour in [start, end), counted by the database."""
    key = _hour_key().label("hour")
    rows = db.session.execute(
        sa.select(key, sa.func.count())
        .where(Mention.created_at >= start, Mention.created_at < end)
        .group_by(key)
    ).all()
    return Counter(
        {datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC): n for hour, n in rows}
    )


def _hours(start: datetime, end: datetime) -> list[datetime]:
    """The UTC hours that overlap [start, end)."""
    hour, hours = start.replace(minute=0, second=0, microsecond=0), []
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _spike_threshold(history: list[int]) -> float:
    """median + K * max(1.4826 * MAD, 1), and never below MIN_SPIKE."""
    centre = median(history) if history else 0.0
    mad = median(abs(n - centre) for n in history) if history else 0.0
    return max(centre + SPIKE_K * max(1.4826 * mad, 1.0), float(MIN_SPIKE))


def _volume(
    start: datetime, end: datetime, zone: tzinfo
) -> tuple[str, list[dict[str, object]], list[dict[str, object]]]:
    """(bucket, volume buckets, spike hours); an hour row has its usual level and spike flag."""
    counts = _hourly(start - timedelta(days=BASELINE_DAYS), end)
    hourly = []
    for hour in _hours(start, end):
        local = hour.astimezone(zone)
        history = [
            counts.get((local - timedelta(days=d)).astimezone(UTC), 0)
            for d in range(1, BASELINE_DAYS + 1)
        ]
        count = counts.get(hour, 0)
        threshold = _spike_threshold(history)
        hourly.append(
            {
                "start": hour,
                "count": count,
                "usual": float(median(history)),
                "threshold": round(threshold, 3),
                "spike": count >= threshold,
            }
        )
    if end - start <= HOURLY_UP_TO:
        return "hour", hourly, [h for h in hourly if h["spike"]]
    days: dict[datetime, dict[str, object]] = {}
    for h in hourly:
        local = h["start"].astimezone(zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        entry = days.setdefault(day, {"start": day, "count": 0, "spikes": 0})
        entry["count"] += h["count"]
        entry["spikes"] += int(bool(h["spike"]))
    return "day", list(days.values()), [h for h in hourly if h["spike"]]


def _priorities(in_period: sa.ColumnElement[bool]) -> dict[str, int]:
    rows = dict(
        db.session.execute(
            sa.select(Mention.priority, sa.func.count()).where(in_period).group_by(Mention.priority)
        ).all()
    )
    return {p.value: rows.get(p, 0) for p in Priority}


def _shares(counts: dict[str, int]) -> list[dict[str, object]]:
    whole = sum(counts.values())
    return [
        {"name": name, "count": n, "share": (n / whole if whole else None)}
        for name, n in counts.items()
    ]


def _ranked(counter: Counter[str]) -> list[dict[str, object]]:
    return [
        {"term": t, "count": n} for t, n in sorted(counter.items(), key=lambda i: (-i[1], i[0]))
    ][:TOP]


def listening(
    start: datetime, end: datetime, tz: str | tzinfo, *, now: datetime | None = None
) -> dict[str, object]:
    """The listening figures for mentions created in [start, end); days and hours in `tz`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("listening needs tz-aware datetimes")
    if start >= end:
        raise InvalidInput("from must be before to.", parameter="from")
    zone = _zone(tz)
    in_period = sa.and_(Mention.created_at >= start, Mention.created_at < end)
    bucket, volume, spikes = _volume(start, end, zone)
    account = brand.stored_brand_account()
    handle = account.username if account else ""

    term_counts: Counter[str] = Counter()
    tag_counts: Counter[str] = Counter()
    tones: Counter[str] = Counter({name: 0 for name in TONE_NAMES})
    texts = db.session.execute(
        sa.select(Mention.text)
        .where(in_period)
        .order_by(Mention.created_at.desc(), Mention.id.desc())
        .limit(MAX_TEXTS)
        .execution_options(yield_per=CHUNK)
    ).scalars()
    sample = 0
    tone_rules = current_priority_rules()  # the supervisors' tone words, as ingest uses them
    for text in texts:
        sample += 1
        term_counts.update(set(terms(text, handle)))  # a word counts once per mention
        tag_counts.update(set(hashtags(text)))
        tones[tone_of(text, tone_rules)] += 1

    total = sum(int(v["count"]) for v in volume)
    return {
        "from": start,
        "to": end,
        "timezone": str(tz),
        "generated_at": now or utcnow(),
        "total": total,
        "sample": sample,
        "bucket": bucket,
        "volume": volume,
        "spikes": spikes,
        "spike_rule": {
            "baseline_days": BASELINE_DAYS,
            "k": SPIKE_K,
            "min_count": MIN_SPIKE,
        },
        "top_terms": _ranked(term_counts),
        "top_hashtags": _ranked(tag_counts),
        "by_priority": _shares(_priorities(in_period)),
        "by_tone": _shares(dict(tones)),
    }
