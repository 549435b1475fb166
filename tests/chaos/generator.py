"""The generator: a seed draws the whole schedule of customer posts, desk operations and
faults, so `CHAOS_SEED=<n>` replays the same schedule (the timing of real processes varies)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

# Exact-text hazards: X hands these over verbatim and the desk must keep them byte for byte.
HOSTILE = (
    "注文した商品が届きません？",  # full-width question mark
    "ｶﾞｲﾄﾞﾌﾞｯｸ half-width kana",
    "Cafe\u0301 vs Café",  # combining acute (NFD) next to the precomposed one
    "zero\u200bwidth\u200cjoin\u200d",
    "family 👨\u200d👩\u200d👧\u200d👦 flag 🇯🇵",  # emoji ZWJ sequence, regional indicators
    "\u202eevil RTL override\u202c",
    "line one\r\nline two",  # CRLF
    "trailing spaces   ",
    "<script>alert('x')</script>",
    "&amp; &lt;b&gt; \"quoted\" 'single'",
    "\u3000全角スペース\u3000",
    "tab\there",
    "返品したい 🙏🏽",
    "Ünïcödé ñ ß Ω ﬁ",  # a ligature NFKC would fold
    "@someone_else cc",
    "%s %d {0} ${HOME} `rm -rf`",
    # X serves &, <, > escaped and links as t.co: the desk must show what was typed.
    "Q&A <重要> https://example.com/a?b=1&c=2",
    "typed &amp;amp; and &gt; literally",
    "two links https://www.acme.co.jp/faq?q=返品&x=1 & https://t.example.com/<x>",
)
NAMES = (
    "田中 花子",
    "<b>Bold</b> & Co",
    "Zoë \u200d",
    "\u202eemaN",
    "  spaced  ",
    "🦊 Fox",
    "Ｆｕｌｌ Ｗｉｄｔｈ",
    'O\'Brien "Bob"',
)
REPLY_OPENERS = (
    "Thank you for reaching out, we are looking into this now",
    "ご不便をおかけしております。担当者が確認いたします",
    "Sorry for the trouble! Our team is on it 🙏",
    "お問い合わせありがとうございます。順番にご案内しております",
    # X escapes these and wraps the links in t.co: reconciliation must still know them.
    "Q&A <FAQ> https://support.acme.co.jp/faq?a=1&b=2 & more",
    "詳しくはこちら→acme.co.jp/help をご覧ください <重要>",
    "We typed &amp; and &lt;b&gt; literally, see https://acme.co.jp/a and https://acme.co.jp/b",
)

OPS = {
    # operation: weight
    "mention": 5.0,
    "dm": 2.5,  # a customer DMs the brand: an inbox item answered by DM
    "followup": 2.0,
    "retweet": 0.5,
    "claim": 2.0,
    "reply": 4.0,
    "trainee_reply": 1.5,
    "approve": 1.5,
    "reject": 0.3,
    "dismiss": 0.5,
    "list": 0.7,
}
FAULTS = {
    "kill_worker": 1.2,
    "kill_horse": 1.0,
    "kill_web": 1.0,
    "stop_worker": 1.0,
    "redis_flush": 0.6,
    "redis_cut": 1.0,
    "pg_terminate": 1.0,  # PostgreSQL only
    "x_429": 1.0,
    "x_503": 1.0,
    "x_timeout": 1.0,
    "x_ambiguous": 1.5,
    "x_ambiguous_dm": 1.0,  # a DM send lands, then the answer is lost
    "x_malformed": 0.8,
    "missing_include": 1.0,
    "burst": 0.7,
}
X_PATHS = (
    ("POST", "/2/tweets"),
    ("GET", "/2/users/*/mentions"),
    ("GET", "/2/tweets/search/recent"),
    ("GET", "/2/users/*/tweets"),
    ("GET", "/2/users"),
    ("POST", "/2/dm_conversations/*/messages"),
    ("GET", "/2/dm_events"),
    ("GET", "/2/dm_conversations/*/dm_events"),
    (None, None),  # any X request
)
MALFORMED = ("not json at all", '{"data": [', "<html>502 Bad Gateway</html>", "{}", "[]")


@dataclass(frozen=True)
class Step:
    """One scheduled operation or fault, after `pause` seconds."""

    type: str  # "op" or "fault"
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    pause: float = 0.0


@dataclass(frozen=True)
class Persona:
    """A customer with a fixed handle and display name for the whole run."""

    username: str
    name: str


def personas(rng: random.Random, count: int) -> list[Persona]:
    """`count` customers with hostile display names and distinct handles."""
    people = []
    for i in range(count):
        name = rng.choice(NAMES) if rng.random() < 0.7 else f"Customer {i}"
        people.append(Persona(f"cust{i:02d}_{rng.randrange(10**6):06d}"[:15], name))
    return people


def mention_text(rng: random.Random, index: int) -> str:
    """A customer's text: 1-3 hazards and a unique tag, the brand's handle somewhere or not
    at all (the sandbox then puts @acme_help in front)."""
    parts = rng.sample(HOSTILE, rng.randint(1, 3))
    parts.append(f"#{index}")
    where = rng.random()
    if where < 0.2:
        parts.insert(rng.randrange(len(parts) + 1), "＠acme_help")  # full-width at sign
    elif where < 0.5:
        parts.insert(rng.randrange(len(parts) + 1), "@acme_help")
    return rng.choice((" ", "  ", "\n", " \u3000")).join(parts)


def reply_text(rng: random.Random, seed: int, index: int) -> str:
    """A reply unique in the run (X refuses the same text twice)."""
    return f"{rng.choice(REPLY_OPENERS)} (ref {seed % 100000}-{index})"


def plan(seed: int, faults: int, *, postgres: bool) -> list[Step]:
    """The schedule: `faults` faults, 1-4 operations before each, 2 after the last."""
    rng = random.Random(seed)  # noqa: S311 - a test schedule, not security
    fault_kinds = {k: w for k, w in FAULTS.items() if postgres or k != "pg_terminate"}
    steps: list[Step] = []
    counter = 0

    def op() -> Step:
        nonlocal counter
        counter += 1
        kind = rng.choices(list(OPS), weights=list(OPS.values()))[0]
        params: dict[str, Any] = {"pick": rng.random(), "who": rng.randrange(2)}
        if kind in ("mention", "followup", "dm"):
            params["text"] = mention_text(rng, counter)
            params["persona"] = rng.random()
        if kind in ("reply", "trainee_reply"):
            params["text"] = reply_text(rng, seed, counter)
            params["claim_first"] = rng.random() < 0.5
        if kind in ("reject", "dismiss"):
            params["reason"] = rng.choice(("spam", "duplicate of an earlier thread", "テスト"))
        return Step("op", kind, params, round(rng.uniform(0, 0.3), 3))

    def fault() -> Step:
        kind = rng.choices(list(fault_kinds), weights=list(fault_kinds.values()))[0]
        params = fault_params(rng, kind, 1000 + len(steps))
        return Step("fault", kind, params, round(rng.uniform(0, 0.5), 3))

    for _ in range(faults):
        steps += [op() for _ in range(rng.randint(1, 4))]
        steps.append(fault())
    steps += [op(), op()]
    return steps


def fault_params(rng: random.Random, kind: str, index: int) -> dict[str, Any]:
    """The random parameters of one fault of `kind`."""
    params: dict[str, Any] = {"worker": rng.random(), "duration": round(rng.uniform(0.5, 4), 2)}
    method, path = rng.choice(X_PATHS)
    if kind in ("x_429", "x_503", "x_timeout", "x_malformed"):
        params |= {"method": method, "path": path, "count": rng.randint(1, 4)}
    if kind == "x_timeout":
        params["latency_ms"] = rng.randint(2300, 3500)  # the client gives up after 2 s
    elif kind in ("x_ambiguous", "x_ambiguous_dm"):
        params |= {
            "status": rng.choice((503, 0, 500)),
            "count": rng.randint(1, 3),
            "latency_ms": rng.choice((0, 0, 500, 2500)),
        }
    elif kind == "x_malformed":
        params |= {
            "body": rng.choice(MALFORMED),
            "status": rng.choice((200, 200, 502)),
            "after_commit": method == "POST" and rng.random() < 0.5,
        }
    elif kind == "missing_include":
        params |= {"text": mention_text(rng, index), "persona": rng.random()}
        params["restore_text"] = mention_text(rng, index + 1000)
        params["duration"] = round(rng.uniform(1, 8), 2)
    elif kind == "burst":
        # more than the 25-mention window at once: the desk must repair the gap
        params |= {"count": rng.randint(30, 80), "bulk_seed": rng.randrange(10**9)}
    return params
