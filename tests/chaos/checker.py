"""The checker: compares what X (the sandbox) holds, what the helpdesk stored and the history.

Pure functions over plain snapshots, so the checker itself is unit-tested (test_checker.py)
with fabricated states that break each invariant.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from twitter_text import extract_urls_with_indices

from helpdesk.x.sandbox.served import expanded
from tests.chaos.history import History

MENTION_STATUSES = {"open", "answered", "answered_elsewhere", "dismissed"}
REPLY_STATUSES = {"pending_approval", "queued", "posting", "posted", "failed", "rejected"}
NOT_SENT = {"pending_approval", "rejected"}  # replies the outbox is not asked to post
IN_FLIGHT = {"queued", "posting"}


def as_x_gives_it_back(typed: str) -> str:
    """The typed text as X's entities let anyone rebuild it: a bare `bit.ly/x` comes back as
    `http://bit.ly/x` (expanded_url), the one thing X does not let the boundary undo."""
    pieces, at = [], 0
    for found in extract_urls_with_indices(typed):
        start, end = found["indices"]
        pieces += [typed[at:start], expanded(found["url"])]
        at = end
    return "".join(pieces) + typed[at:]


@dataclass(frozen=True)
class XMention:
    """A customer mention as the sandbox holds it (retweets and the brand's own excluded)."""

    tweet_id: int  # for a DM: its DM event id
    text: str
    username: str
    name: str
    author_unavailable: bool = False
    kind: str = "post"  # "dm": a customer's DM to the brand (its text is not escaped by X)


@dataclass(frozen=True)
class XPost:
    """A post of the brand account on the sandbox."""

    id: int  # for a DM: its DM event id
    text: str
    in_reply_to: int | None
    to: str | None = None  # a DM of the brand: the customer's username (None: a post)


@dataclass(frozen=True)
class StoredMention:
    """A mention row of the helpdesk with its author."""

    id: int
    tweet_id: int
    text: str
    username: str | None
    name: str | None
    status: str


@dataclass(frozen=True)
class StoredReply:
    """A reply row of the helpdesk with its mention's tweet id."""

    id: int
    mention_id: int
    mention_tweet_id: int
    text: str
    status: str
    x_tweet_id: int | None
    last_error: str | None
    channel: str = "post"  # "dm": sent as a DM to `customer`, recorded as x_dm_event_id
    x_dm_event_id: int | None = None
    customer: str | None = None


@dataclass
class Observed:
    """Everything the checker looks at once the quiet period is over."""

    x_mentions: list[XMention]
    brand_posts: list[XPost]
    mentions: list[StoredMention]
    replies: list[StoredReply]
    # reply id -> seconds after the nemesis healed when it was first seen posted or failed
    # (negative: before the heal; None: never)
    settled_after: dict[int, float | None]
    bound_seconds: float


@dataclass
class Report:
    """The figures of one check, and a line per problem found."""

    faults: Counter[str] = field(default_factory=Counter)
    operations: int = 0
    mentions: int = 0
    replies: int = 0
    lost: int = 0
    duplicated: int = 0
    unsettled: int = 0
    altered: int = 0
    stray: int = 0
    extra: int = 0
    misrecorded: int = 0
    unaccounted: int = 0
    authors_missing: int = 0
    authors_hidden: int = 0  # author still unavailable on X: reported, not a failure
    problems: list[str] = field(default_factory=list)

    FAILURES = (
        "lost",
        "duplicated",
        "unsettled",
        "altered",
        "stray",
        "extra",
        "misrecorded",
        "unaccounted",
        "authors_missing",
    )

    @property
    def ok(self) -> bool:
        """True when no invariant was broken."""
        return not any(getattr(self, name) for name in self.FAILURES)

    def problem(self, figure: str, message: str) -> None:
        """Count one broken invariant under `figure` and keep its description."""
        setattr(self, figure, getattr(self, figure) + 1)
        self.problems.append(f"{figure}: {message}")

    def figures(self) -> dict[str, object]:
        """The counts as a plain dict (for JSON and the benchmark note)."""
        names = ("operations", "mentions", "replies", *self.FAILURES, "authors_hidden")
        return {"faults": dict(self.faults), **{n: getattr(self, n) for n in names}}

    def summary(self) -> str:
        """One line with every figure."""
        body = ", ".join(f"{k}={v}" for k, v in self.figures().items() if k != "faults")
        return f"faults={sum(self.faults.values())} {body}"


def accepted_replies(history: History) -> tuple[set[int], set[int]]:
    """Reply ids the API accepted for posting (202 queued, or approved) and trainee ones
    approved; from the history's successful operations."""
    queued, approved = set(), set()
    for record in history.of("op"):
        result = record.result if isinstance(record.result, dict) else {}
        if record.kind in ("reply", "trainee_reply") and result.get("status") == 202:
            if result.get("reply_status") == "queued":
                queued.add(int(result["reply_id"]))
        elif record.kind == "approve" and result.get("status") == 200:
            approved.add(int(record.args["reply_id"]))
    return queued | approved, approved


def check(history: History, seen: Observed) -> Report:
    """Check the three invariants; every broken one is counted and described."""
    report = Report()
    for record in history.of("fault"):
        report.faults[record.kind] += 1
    report.operations = len(history.of("op"))
    _check_mentions(report, seen)
    _check_replies(report, history, seen)
    _check_accounting(report, seen)
    return report


def _check_mentions(report: Report, seen: Observed) -> None:
    """(1) every mention on X stored exactly once, byte for byte; nothing else stored."""
    stored: dict[int, list[StoredMention]] = {}
    for row in seen.mentions:
        stored.setdefault(row.tweet_id, []).append(row)
    on_x = {m.tweet_id for m in seen.x_mentions}
    report.mentions = len(on_x)
    for mention in seen.x_mentions:
        rows = stored.get(mention.tweet_id, [])
        if not rows:
            report.problem("lost", f"mention {mention.tweet_id} never stored: {mention.text!r}")
            continue
        for _ in rows[1:]:
            report.problem("duplicated", f"mention {mention.tweet_id} stored {len(rows)} times")
        row = rows[0]
        typed = mention.text if mention.kind == "dm" else as_x_gives_it_back(mention.text)
        if row.text != typed:
            report.problem(
                "altered", f"mention {mention.tweet_id} text {row.text!r} != {mention.text!r}"
            )
        if row.username is None:
            if mention.author_unavailable:
                report.authors_hidden += 1
            else:
                report.problem(
                    "authors_missing",
                    f"mention {mention.tweet_id}: author @{mention.username} available on X "
                    "but still unnamed",
                )
            continue
        if row.username != mention.username or row.name != mention.name:
            report.problem(
                "altered",
                f"mention {mention.tweet_id} author {row.username!r}/{row.name!r} "
                f"!= {mention.username!r}/{mention.name!r}",
            )
    for tweet_id in sorted(set(stored) - on_x):
        report.problem("extra", f"stored tweet {tweet_id} is not a customer mention on X")


def _check_replies(report: Report, history: History, seen: Observed) -> None:
    """(2) every accepted reply on X at most once and posted or failed within the bound."""
    accepted, approved = accepted_replies(history)
    rows = {r.id for r in seen.replies}
    used: set[int] = set()
    must_settle = {r.id for r in seen.replies if r.status not in NOT_SENT} | accepted
    report.replies = len(must_settle)
    for reply_id in sorted(accepted - rows):
        report.problem("lost", f"reply {reply_id} accepted (202/approved) but has no row")
    for reply in seen.replies:
        used |= _check_reply(report, seen, reply, approved, reply.id in must_settle)
    for post in seen.brand_posts:
        if post.id not in used:
            what = f"brand DM to @{post.to}" if post.to else "brand post"
            report.problem("stray", f"{what} {post.id} {post.text!r} belongs to no reply")


def _answers(reply: StoredReply, post: XPost) -> bool:
    """Whether a brand post (or DM) carries this reply: its text, to its mention (customer)."""
    if reply.channel == "dm":
        return post.to is not None and post.to == reply.customer and post.text == reply.text
    return (
        post.to is None and post.in_reply_to == reply.mention_tweet_id and post.text == reply.text
    )


def _check_reply(
    report: Report, seen: Observed, reply: StoredReply, approved: set[int], must_settle: bool
) -> set[int]:
    """One reply against the brand's posts; the ids of the posts it accounts for."""
    if reply.status not in REPLY_STATUSES:
        report.problem("unaccounted", f"reply {reply.id} has status {reply.status!r}")
    matches = [p for p in seen.brand_posts if _answers(reply, p)]
    used = {p.id for p in matches}
    for post in matches[1:]:
        report.problem("duplicated", f"reply {reply.id} posted again as {post.id}")
    if reply.id in approved and reply.status == "pending_approval":
        report.problem("lost", f"reply {reply.id} approved but still pending approval")
    if reply.status in NOT_SENT:
        if matches:
            report.problem("misrecorded", f"reply {reply.id} {reply.status} but on X")
        return used
    if reply.status == "posted":
        used |= _check_posted(report, seen, reply)
    elif reply.status == "failed":
        if not (reply.last_error or "").strip():
            report.problem("unsettled", f"reply {reply.id} failed without an error")
        if matches:
            report.problem("misrecorded", f"reply {reply.id} failed but is on X as {matches[0].id}")
    elif not matches:
        report.problem("lost", f"reply {reply.id} still {reply.status}, not on X")
    if must_settle:
        _check_settled(report, seen, reply)
    return used


def _check_settled(report: Report, seen: Observed, reply: StoredReply) -> None:
    """Posted or failed, and first seen so no later than the bound after the heal."""
    if reply.status not in ("posted", "failed"):
        report.problem("unsettled", f"reply {reply.id} still {reply.status}")
        return
    took = seen.settled_after.get(reply.id)
    if took is None or took > seen.bound_seconds:
        shown = "never seen" if took is None else f"{took:.1f} s"
        report.problem(
            "unsettled",
            f"reply {reply.id} settled after the bound ({shown} > {seen.bound_seconds:.0f} s)",
        )


def _check_posted(report: Report, seen: Observed, reply: StoredReply) -> set[int]:
    """A `posted` reply names exactly its post (or DM): that id, its text, to its mention."""
    x_id = reply.x_dm_event_id if reply.channel == "dm" else reply.x_tweet_id
    post = next((p for p in seen.brand_posts if p.id == x_id), None)
    if post is None:
        report.problem("lost", f"reply {reply.id} posted as {x_id}: no such post or DM on X")
        return set()
    if not _answers(reply, post):
        report.problem(
            "altered",
            f"reply {reply.id}: post {post.id} {post.text!r} to {post.in_reply_to} "
            f"!= {reply.text!r} to {reply.mention_tweet_id}",
        )
    return {post.id}


def _check_accounting(report: Report, seen: Observed) -> None:
    """(3) every stored mention in a known status, an answered one backed by a reply."""
    by_mention: dict[int, list[StoredReply]] = {}
    for reply in seen.replies:
        by_mention.setdefault(reply.mention_id, []).append(reply)
    for mention in seen.mentions:
        replies = by_mention.get(mention.id, [])
        live = [r for r in replies if r.status in ("posted", *IN_FLIGHT)]
        if mention.status not in MENTION_STATUSES:
            report.problem("unaccounted", f"mention {mention.tweet_id} is {mention.status!r}")
        elif mention.status == "answered" and not live:
            states = [r.status for r in replies] or "no replies"
            report.problem(
                "unaccounted", f"mention {mention.tweet_id} answered with {states} (none live)"
            )
        elif mention.status == "open" and any(r.status == "posted" for r in replies):
            report.problem("unaccounted", f"mention {mention.tweet_id} open with a posted reply")
