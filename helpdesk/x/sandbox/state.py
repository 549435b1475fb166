"""The X sandbox's in-memory store: users, tweets, ids; rate windows and faults mix in."""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from twitter_text import parse_tweet

from helpdesk.x.sandbox import corpus
from helpdesk.x.sandbox.basics import (
    EPOCH_MS,
    INVALID_REQUEST,
    Page,
    Query,
    SandboxError,
    id_floor,
    too_many_requests,
)
from helpdesk.x.sandbox.dms import DirectMessages, DmEvent
from helpdesk.x.sandbox.faults import Fault, Faults
from helpdesk.x.sandbox.rates import DAILY_KEY, DAY_SECONDS, POST_KEY, RateLimits, RateWindow

__all__ = [  # re-exported
    "DAILY_KEY",
    "DAY_SECONDS",
    "EPOCH_MS",
    "INVALID_REQUEST",
    "POST_KEY",
    "Fault",
    "Page",
    "Query",
    "RateWindow",
    "SandboxError",
    "id_floor",
    "too_many_requests",
]

BRAND_ID = 1580000000000000001
BRAND_USERNAME = "acme_help"
BRAND_NAME = "ACME サポート"
USER_TIMELINE_WINDOW = 3200  # X serves only a user's newest 3200 posts
MAX_BULK = 200_000
RECEIVED_KEPT = 10_000  # requests X was sent, kept for GET /_sandbox/received

MENTION_RE = re.compile(
    r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠]|://)"
)
_BRAND_RE = re.compile(
    rf"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]{BRAND_USERNAME}(?![A-Za-z0-9_@＠]|://)", re.IGNORECASE
)
_JA_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_LATIN_RE = re.compile(r"[A-Za-z]{2,}")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


class PostRejected(Exception):
    """X refuses a post: carries the HTTP status and the problem body."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        super().__init__(body.get("detail") or body)
        self.status = status
        self.body = body


@dataclass
class SandboxSettings:
    """Knobs of the sandbox; all but the trickle and seed can change live (/_sandbox/config)."""

    mentions_window: int = 800
    rate_limit: int = 300
    post_limit: int = 100
    rate_window_seconds: int = 900
    daily_post_limit: int = 10_000
    dm_read_limit: int = 15  # X: 15 DM event reads per 15 minutes per user
    dm_send_limit: int = 15  # X: 15 DM sends per 15 minutes ...
    daily_dm_limit: int = 1_440  # ... and 1,440 per 24 hours per user
    dm_window_days: int = 30  # X serves only the last 30 days of DM events
    trickle_seconds: float | None = None
    seed: int | None = None


LIVE_SETTINGS = (
    "mentions_window",
    "rate_limit",
    "post_limit",
    "rate_window_seconds",
    "daily_post_limit",
    "dm_read_limit",
    "dm_send_limit",
    "daily_dm_limit",
    "dm_window_days",
)


def validate_live_settings(values: dict[str, object]) -> dict[str, int]:
    """Return the live settings in `values` as positive ints, or raise SandboxError."""
    unknown = sorted(set(values) - set(LIVE_SETTINGS))
    if unknown:
        raise SandboxError(f"unknown settings {unknown}; known: {list(LIVE_SETTINGS)}")
    clean: dict[str, int] = {}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SandboxError(f"{name} must be a positive integer")
        clean[name] = value
    return clean


@dataclass(slots=True)
class User:
    id: int
    username: str
    name: str
    created_ms: int
    followers: int = 0
    following: int = 0
    listed: int = 0
    tweet_count: int = 0
    unavailable: bool = False

    @property
    def profile_image_url(self) -> str:
        return f"https://pbs.twimg.com/profile_images/{self.id % 10**18}/avatar_normal.jpg"


@dataclass(slots=True)
class Tweet:
    id: int
    author_id: int
    text: str
    conversation_id: int
    in_reply_to_tweet_id: int | None = None
    in_reply_to_user_id: int | None = None
    referenced: tuple[tuple[str, int], ...] = ()
    lang: str = "und"
    mentions_brand: bool = False

    @property
    def created_ms(self) -> int:
        return (self.id >> 22) + EPOCH_MS


@dataclass
class Counters:
    requests: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    faults_fired: int = 0
    peak_used: dict[str, int] = field(default_factory=dict)


def user_id_for(username: str) -> int:
    """Return a stable id for a handle: a mix of old short ids and 19-digit snowflakes."""
    digest = int.from_bytes(hashlib.blake2b(username.lower().encode(), digest_size=8).digest())
    if digest % 4 == 0:
        return 10**8 + digest % (4 * 10**9)  # an account from the early years
    return 10**18 + digest % (8 * 10**17)


def detect_lang(text: str) -> str:
    """Return X's idea of the language: ja, en, or und for mentions/emoji only."""
    if _JA_RE.search(text):
        return "ja"
    if _LATIN_RE.search(MENTION_RE.sub("", text)):
        return "en"
    return "und"


def mentions_brand(text: str) -> bool:
    return _BRAND_RE.search(text) is not None


def _window_bounds(ids: list[int], query: Query, floor: int) -> tuple[int, int]:
    lo = floor
    hi = len(ids)
    if query.since_id is not None:
        lo = max(lo, bisect_right(ids, query.since_id))
    if query.start_ms is not None:
        lo = max(lo, bisect_left(ids, id_floor(query.start_ms)))
    for bound in (query.until_id, query.cursor):
        if bound is not None:
            hi = min(hi, bisect_left(ids, bound))
    if query.end_ms is not None:
        hi = min(hi, bisect_left(ids, id_floor(query.end_ms)))
    return lo, hi


class SandboxState(RateLimits, Faults, DirectMessages):
    """Everything the sandbox knows, behind one lock; all methods are thread-safe."""

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.initial_settings = replace(settings or SandboxSettings())
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.clock_offset = 0.0
        self.last_id = 0
        self.brand = User(BRAND_ID, BRAND_USERNAME, BRAND_NAME, 1_664_000_000_000, 5_210, 12, 48)
        self._fault_seq = 0
        self._clear()

    # -- lifecycle ------------------------------------------------------------------

    def _clear(self) -> None:
        self.settings = replace(self.initial_settings)
        self.brand.tweet_count = 0
        self.users: dict[int, User] = {self.brand.id: self.brand}
        self.users_by_name: dict[str, User] = {self.brand.username.lower(): self.brand}
        self.tweets: dict[int, Tweet] = {}
        self.all_ids: list[int] = []
        self.mention_ids: list[int] = []
        self.by_author: dict[int, list[int]] = {}
        self.brand_texts: set[str] = set()
        self.windows: dict[str, RateWindow] = {}
        self.faults: list[Fault] = []
        self.counters = Counters()
        self.followed_up: set[int] = set()
        self.received: deque[dict[str, str]] = deque(maxlen=RECEIVED_KEPT)
        self._clear_dms()

    def reset(self) -> None:
        """Forget every tweet, customer, fault and counter; keep the brand and the id clock."""
        with self.lock:
            self._clear()

    def record_received(self, method: str, path: str, query: str, body: str) -> None:
        """Keep one request X was sent (the newest RECEIVED_KEPT), for tests that prove what
        never reached X."""
        with self.lock:
            self.received.append({"method": method, "path": path, "query": query, "body": body})

    def received_requests(self) -> list[dict[str, str]]:
        """Every request X was sent since the last reset, oldest first."""
        with self.lock:
            return list(self.received)

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox's clock forward (ids, created_at, rate windows); return now."""
        with self.lock:
            self.clock_offset += seconds
            return self.now()

    def configure(self, values: dict[str, int]) -> dict[str, object]:
        with self.lock:
            for name, value in values.items():
                setattr(self.settings, name, value)
            return asdict(self.settings)

    # -- ids and users --------------------------------------------------------------

    def _next_id(self, ms: int | None = None) -> int:
        if ms is None:
            ms = int(self.now() * 1000)
        self.last_id = max(id_floor(ms), self.last_id + 1)
        return self.last_id

    def user_for(self, username: str, name: str | None = None) -> User:
        """Return the customer with this handle, creating them on first sight."""
        with self.lock:
            user = self.users_by_name.get(username.lower())
            if user is not None:
                if name:
                    user.name = name
                return user
            user_id = user_id_for(username)
            while user_id in self.users:
                user_id += 1
            seed = user_id % 1_000_003
            user = User(
                id=user_id,
                username=username,
                name=name or username,
                created_ms=1_262_304_000_000 + (seed * 997_331) % 500_000_000_000,
                followers=seed % 4_000,
                following=seed % 700,
                listed=seed % 9,
            )
            self.users[user.id] = user
            self.users_by_name[username.lower()] = user
            return user

    def tweet(self, tweet_id: int) -> Tweet | None:
        with self.lock:
            return self.tweets.get(tweet_id)

    # -- writing --------------------------------------------------------------------

    def _store(self, tweet: Tweet) -> Tweet:
        self.tweets[tweet.id] = tweet
        self.all_ids.append(tweet.id)
        self.by_author.setdefault(tweet.author_id, []).append(tweet.id)
        self.users[tweet.author_id].tweet_count += 1
        if tweet.mentions_brand and tweet.author_id != self.brand.id:
            self.mention_ids.append(tweet.id)
        return tweet

    def _new_tweet(
        self,
        author: User,
        text: str,
        *,
        reply_to: Tweet | None = None,
        refs: tuple[tuple[str, int], ...] = (),
        ms: int | None = None,
    ) -> Tweet:
        tweet_id = self._next_id(ms)
        if reply_to is not None:
            refs = (("replied_to", reply_to.id), *refs)
        return self._store(
            Tweet(
                id=tweet_id,
                author_id=author.id,
                text=text,
                conversation_id=reply_to.conversation_id if reply_to else tweet_id,
                in_reply_to_tweet_id=reply_to.id if reply_to else None,
                in_reply_to_user_id=reply_to.author_id if reply_to else None,
                referenced=refs,
                lang=detect_lang(text),
                mentions_brand=mentions_brand(text),
            )
        )

    def _existing(self, tweet_id: int | None, what: str) -> Tweet | None:
        if tweet_id is None:
            return None
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            raise SandboxError(f"{what} {tweet_id} does not exist")
        return tweet

    def add_customer_tweet(
        self,
        username: str,
        name: str | None,
        text: str,
        *,
        as_mention: bool = True,
        in_reply_to_tweet_id: int | None = None,
        retweet_of: int | None = None,
        quote_of: int | None = None,
        author_unavailable: bool | None = None,
    ) -> Tweet:
        """Store a customer's post; `as_mention` makes sure it @mentions the brand."""
        with self.lock:
            if username.lower() == self.brand.username.lower():
                raise SandboxError("the brand's posts go through POST /2/tweets")
            parent = self._existing(in_reply_to_tweet_id, "in_reply_to_tweet_id")
            original = self._existing(retweet_of, "retweet_of")
            quoted = self._existing(quote_of, "quote_of")
            author = self.user_for(username, name)
            if author_unavailable is not None:
                author.unavailable = author_unavailable
            if original is not None:
                return self._retweet(author, original, as_mention=as_mention)
            if as_mention and not mentions_brand(text):
                text = f"@{self.brand.username} {text}"
            refs = (("quoted", quoted.id),) if quoted is not None else ()
            return self._new_tweet(author, text, reply_to=parent, refs=refs)

    def _original(self, tweet: Tweet) -> Tweet:
        """The post itself for a retweet: X retweets, quotes and replies to that, never the RT."""
        for kind, ref_id in tweet.referenced:
            if kind == "retweeted":
                return self.tweets[ref_id]
        return tweet

    def _retweet(self, author: User, original: Tweet, *, as_mention: bool) -> Tweet:
        original = self._original(original)
        text = f"RT @{self.users[original.author_id].username}: {original.text}"
        if as_mention and not mentions_brand(text):
            raise SandboxError("retweet_of must be a post that mentions the brand or is its own")
        return self._new_tweet(author, text, refs=(("retweeted", original.id),))

    def post_brand_tweet(
        self,
        text: str,
        *,
        in_reply_to_tweet_id: int | None = None,
        quote_tweet_id: int | None = None,
    ) -> Tweet:
        """Create a brand post as POST /2/tweets would, or raise PostRejected."""
        with self.lock:
            weighted = parse_tweet(text).weightedLength
            if not text.strip() or weighted > 280:
                raise PostRejected(400, _too_long() if weighted > 280 else _empty_text())
            parent = self.tweets.get(in_reply_to_tweet_id) if in_reply_to_tweet_id else None
            if in_reply_to_tweet_id and parent is None:
                raise PostRejected(
                    400, _invalid("reply.in_reply_to_tweet_id", in_reply_to_tweet_id)
                )
            quoted = self.tweets.get(quote_tweet_id) if quote_tweet_id else None
            if quote_tweet_id and quoted is None:
                raise PostRejected(400, _invalid("quote_tweet_id", quote_tweet_id))
            if parent is not None and not self._may_reply_to(parent):
                raise PostRejected(403, _forbidden(REPLY_NOT_ALLOWED))
            if text in self.brand_texts:
                raise PostRejected(403, _forbidden(DUPLICATE))
            if not self._daily_allows():
                raise PostRejected(429, too_many_requests())
            refs = (("quoted", quoted.id),) if quoted is not None else ()
            tweet = self._new_tweet(self.brand, text, reply_to=parent, refs=refs)
            tweet.mentions_brand = False
            self.brand_texts.add(text)
            self._consume_daily()
            return tweet

    def _may_reply_to(self, parent: Tweet) -> bool:
        if parent.author_id == self.brand.id or parent.mentions_brand:
            return True
        return any(
            kind == "quoted" and self.tweets[ref].author_id == self.brand.id
            for kind, ref in parent.referenced
        )

    def add_bulk(self, count: int, seed: int | None) -> tuple[int, int]:
        """Add `count` realistic mentions, newest last; return (oldest_id, newest_id).

        The content (people, texts, threads) depends only on `seed`; the ids and times are
        spread over the recent past, after everything already stored.
        """
        rng = random.Random(seed)  # noqa: S311 - realistic data, not security
        with self.lock:
            now_ms = int(self.now() * 1000)
            last_ms = (self.last_id >> 22) + EPOCH_MS if self.last_id else 0
            start_ms = max(now_ms - min(count * 2_000, 6 * DAY_SECONDS * 1000), last_ms + 1)
            step = max(now_ms - start_ms, 0) / count
            personas = [corpus.make_persona(rng) for _ in range(max(count // 4, 1) + 5)]
            mine: list[Tweet] = []
            for i in range(count):
                ms = start_ms + int(i * step)
                mine.append(self._bulk_one(rng, personas, mine, ms))
            return mine[0].id, mine[-1].id

    def _bulk_one(
        self, rng: random.Random, personas: list[corpus.Persona], earlier: list[Tweet], ms: int
    ) -> Tweet:
        # A few heavy posters, a long tail of one-off customers.
        persona = personas[int(len(personas) * rng.random() ** 2)]
        author = self.user_for(persona.username, persona.name)
        roll = rng.random()
        if roll < 0.003:
            author.unavailable = True
        if earlier and roll < 0.06:
            parent = self._original(earlier[rng.randrange(max(0, len(earlier) - 50), len(earlier))])
            if roll < 0.015:
                return self._new_tweet(
                    author,
                    f"RT @{self.users[parent.author_id].username}: {parent.text}",
                    refs=(("retweeted", parent.id),),
                    ms=ms,
                )
            if roll < 0.025:
                text = corpus.make_quote_text(rng, parent.lang, self.brand.username)
                return self._new_tweet(author, text, refs=(("quoted", parent.id),), ms=ms)
            text = corpus.make_followup_text(rng, parent.lang, self.brand.username)
            return self._new_tweet(author, text, reply_to=parent, ms=ms)
        text = corpus.make_mention_text(rng, persona, self.brand.username)
        return self._new_tweet(author, text, ms=ms)

    def add_random_mention(self, rng: random.Random) -> Tweet:
        """Add one realistic mention now: usually new, sometimes a reply to the brand."""
        with self.lock:
            brand_posts = self.by_author.get(self.brand.id, [])
            fresh = [t for t in brand_posts[-20:] if t not in self.followed_up]
            if fresh and rng.random() < 0.25:
                reply = self.tweets[rng.choice(fresh)]
                self.followed_up.add(reply.id)
                if reply.in_reply_to_user_id is not None:
                    customer = self.users[reply.in_reply_to_user_id]
                    parent = self.tweets[reply.in_reply_to_tweet_id or reply.id]
                    text = corpus.make_followup_text(rng, parent.lang, self.brand.username)
                    return self._new_tweet(customer, text, reply_to=reply)
            persona = corpus.make_persona(rng)
            author = self.user_for(persona.username, persona.name)
            return self._new_tweet(author, corpus.make_mention_text(rng, persona, BRAND_USERNAME))

    def add_random_dm(self, rng: random.Random) -> DmEvent:
        """Add one realistic customer DM now: often from someone the brand asked to DM."""
        with self.lock:
            invited = [
                self.tweets[t].in_reply_to_user_id
                for t in self.by_author.get(self.brand.id, [])[-20:]
                if "messages/compose" in self.tweets[t].text
            ]
            invited = [u for u in invited if u is not None]
            if invited and rng.random() < 0.6:
                customer = self.users[rng.choice(invited)]
                lang = detect_lang(customer.name) if detect_lang(customer.name) != "und" else "ja"
                return self.add_customer_dm(customer.username, None, corpus.make_dm_text(rng, lang))
            persona = corpus.make_persona(rng)
            lang = "en" if persona.lang == "en" else "ja"
            return self.add_customer_dm(
                persona.username, persona.name, corpus.make_dm_text(rng, lang)
            )

    # -- reading --------------------------------------------------------------------

    def page(
        self,
        ids: list[int],
        query: Query,
        floor: int,
        keep: Callable[[Tweet], bool] | None = None,
    ) -> Page:
        lo, hi = _window_bounds(ids, query, floor)
        if keep is None:
            start = max(lo, hi - query.max_results)
            return Page(ids[start:hi][::-1], start > lo)
        found: list[int] = []
        index = hi - 1
        while index >= lo and len(found) < query.max_results:
            if keep(self.tweets[ids[index]]):
                found.append(ids[index])
            index -= 1
        more = any(keep(self.tweets[ids[i]]) for i in range(index, lo - 1, -1))
        return Page(found, more)

    def mentions_page(self, user_id: int, query: Query) -> Page:
        """The user's mentions, newest first, within the newest `mentions_window` only."""
        with self.lock:
            if user_id != self.brand.id:
                return Page([], False)
            ids = self.mention_ids
            return self.page(ids, query, max(0, len(ids) - self.settings.mentions_window))

    def user_tweets_page(self, user_id: int, query: Query, exclude: frozenset[str]) -> Page:
        """The user's own posts, newest first, within their newest 3200."""
        with self.lock:
            ids = self.by_author.get(user_id, [])
            keep = None
            if exclude:

                def keep(tweet: Tweet) -> bool:
                    kinds = {kind for kind, _ in tweet.referenced}
                    if "retweets" in exclude and "retweeted" in kinds:
                        return False
                    return not ("replies" in exclude and "replied_to" in kinds)

            return self.page(ids, query, max(0, len(ids) - USER_TIMELINE_WINDOW), keep)

    def tweets_by(self, username: str) -> list[Tweet] | None:
        with self.lock:
            user = self.users_by_name.get(username.lower())
            if user is None:
                return None
            return [self.tweets[i] for i in self.by_author.get(user.id, [])]

    # -- faults and counters ----------------------------------------------------------

    def count_request(self, key: str) -> None:
        with self.lock:
            requests = self.counters.requests
            requests[key] = requests.get(key, 0) + 1

    def stats(self) -> dict[str, object]:
        with self.lock:
            windows = {}
            for key in self.counters.peak_used:
                window = self._window(key, self.settings.rate_window_seconds)
                windows[key] = {
                    "limit": self.limit_for(key),
                    "used": window.used,
                    "peak_used": self.counters.peak_used[key],
                    "reset": int(window.start + self.settings.rate_window_seconds),
                }
            return {
                "mentions": len(self.mention_ids),
                "brand_posts": len(self.by_author.get(self.brand.id, [])),
                "dm_events": len(self.dm_ids),
                "tweets": len(self.tweets),
                "users": len(self.users),
                "requests": dict(self.counters.requests),
                "rate_limited": self.counters.rate_limited,
                "faults_fired": self.counters.faults_fired,
                "faults_pending": len(self.faults),
                "rate_limits": windows,
                "settings": asdict(self.settings),
            }


# -- problem bodies X sends for refused posts ---------------------------------------------

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)


def _forbidden(detail: str) -> dict[str, object]:
    return {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403}


def _too_long() -> dict[str, object]:
    return {
        "detail": "Your Tweet text is too long. For more information on how Twitter "
        "determines text length see https://github.com/twitter/twitter-text.",
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
    }


def _empty_text() -> dict[str, object]:
    return {
        "errors": [{"message": "$.text: must not be empty"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }


def _invalid(parameter: str, value: object) -> dict[str, object]:
    return {
        "errors": [
            {
                "parameters": {parameter: [str(value)]},
                "message": f"The post {value} you referenced in `{parameter}` does not "
                "exist or is not visible to you.",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }
