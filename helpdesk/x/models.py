"""Frozen dataclasses for what X returns; nothing tweepy-shaped leaves helpdesk.x."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class XAccount:
    """A user on X as X describes it."""

    id: int
    username: str | None = None
    name: str | None = None
    profile_image_url: str | None = None
    followers_count: int | None = None


@dataclass(frozen=True)
class XLink:
    """A link in a post: where it sits in our text (code points), X's t.co form and target."""

    start: int
    end: int
    url: str
    expanded_url: str
    display_url: str | None = None


@dataclass(frozen=True)
class XTweet:
    """A post as X describes it; ids as integers (they are snowflakes)."""

    id: int
    text: str
    author_id: int | None = None
    conversation_id: int | None = None
    created_at: datetime | None = None
    in_reply_to_user_id: int | None = None
    lang: str | None = None
    references: tuple[tuple[str, int], ...] = ()
    links: tuple[XLink, ...] = ()  # `text` carries each expanded_url where X put its t.co link

    def referenced(self, kind: str) -> int | None:
        """The id this post references as `kind` (replied_to, quoted, retweeted), if any."""
        return next((ref_id for ref_kind, ref_id in self.references if ref_kind == kind), None)

    @property
    def is_retweet(self) -> bool:
        """True for a retweet (which is not a question to answer)."""
        return self.referenced("retweeted") is not None


@dataclass(frozen=True)
class RateLimit:
    """The x-rate-limit-* headers of one response."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None
    day_remaining: int | None = None
    day_reset_at: datetime | None = None


@dataclass(frozen=True)
class TweetPage:
    """One page of a timeline or search: posts, their authors, paging and partial errors."""

    tweets: tuple[XTweet, ...]
    users: dict[int, XAccount] = field(default_factory=dict)
    next_token: str | None = None
    newest_id: int | None = None
    oldest_id: int | None = None
    partial_errors: tuple[str, ...] = ()
    rate_limit: RateLimit | None = None


@dataclass(frozen=True)
class PostedTweet:
    """What X answered to a successful post."""

    id: int
    text: str
    rate_limit: RateLimit | None = None


@dataclass(frozen=True)
class UserLookup:
    """What X's users lookup answered: the users it described, and the ids it could not."""

    users: dict[int, XAccount]
    missing: tuple[int, ...] = ()


@dataclass(frozen=True)
class XDmEvent:
    """One DM event as X describes it; text is None for join/leave events."""

    id: int
    event_type: str
    text: str | None = None
    sender_id: int | None = None
    dm_conversation_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class DmPage:
    """One page of DM events (newest first), their senders, paging and partial errors."""

    events: tuple[XDmEvent, ...]
    users: dict[int, XAccount] = field(default_factory=dict)
    next_token: str | None = None
    partial_errors: tuple[str, ...] = ()
    rate_limit: RateLimit | None = None


@dataclass(frozen=True)
class SentDm:
    """What X answered to a DM send."""

    dm_event_id: int
    dm_conversation_id: str
    rate_limit: RateLimit | None = None
