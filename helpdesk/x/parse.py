"""Turn X API v2 JSON into our dataclasses, rejecting bodies that lack the promised shape."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from helpdesk.x.errors import XMalformed
from helpdesk.x.models import (
    DmPage,
    RateLimit,
    TweetPage,
    UserLookup,
    XAccount,
    XDmEvent,
    XLink,
    XTweet,
)

# A lone surrogate (an unpaired "\ud800" escape in X's JSON) cannot be encoded as UTF-8, and
# PostgreSQL text refuses NUL: either would fail the page's insert and stall ingestion for good.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def storable(value: str) -> str:
    """Customer text exactly as decoded, except lone surrogates and NUL, each made U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", value)


# X escapes exactly these three in every text it serves (transport, not the customer's text).
_X_ENTITY = re.compile("&(amp|lt|gt);")
_X_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def unescape(value: str) -> str:
    """Undo X's escaping once: `&amp;` `&lt;` `&gt;` only, so a typed `&amp;` stays `&amp;`."""
    return _X_ENTITY.sub(lambda m: _X_ENTITIES[m.group(1)], value)


def _url_entities(raw: Any) -> list[tuple[int, int, str, str, str | None]]:
    """entities.urls as (start, end, t.co url, expanded_url, display_url), well-formed only."""
    entities = raw.get("entities") if isinstance(raw.get("entities"), Mapping) else {}
    found = []
    for item in entities.get("urls") or ():
        if not isinstance(item, Mapping):
            continue
        start, end, url = item.get("start"), item.get("end"), item.get("url")
        expanded, display = item.get("expanded_url"), item.get("display_url")
        if not (isinstance(url, str) and url and isinstance(expanded, str) and expanded):
            continue
        if not (isinstance(start, int) and isinstance(end, int)):
            start = end = -1  # looked for by its t.co form
        display = display if isinstance(display, str) else None
        found.append((start, end, url, expanded, display))
    return sorted(found, key=lambda item: item[0])


def typed_text(raw: Mapping[str, Any]) -> tuple[str, tuple[XLink, ...]]:
    """What the person typed: X's escaping undone once, each t.co link back to its target.

    A link whose offsets do not point at its t.co form is looked for by that form instead.
    """
    served: str = raw["text"]
    pieces: list[str] = []
    links: list[XLink] = []
    at = 0  # position in the served text
    length = 0  # code points of our text so far
    for start, end, url, expanded, display in _url_entities(raw):
        if served[start:end] != url or start < at:
            start = served.find(url, at)
            if start < 0:
                continue
            end = start + len(url)
        before = unescape(served[at:start])
        pieces += [before, expanded]
        length += len(before)
        links.append(XLink(length, length + len(expanded), url, expanded, display))
        length += len(expanded)
        at = end
    pieces.append(unescape(served[at:]))
    return "".join(pieces), tuple(links)


def _optional_text(value: Any) -> str | None:
    return storable(value) if isinstance(value, str) else None


def snowflake(value: Any, what: str) -> int:
    """An X id (a decimal string) as an int; XMalformed when it is not one."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    raise XMalformed(f"{what} is not an X id: {str(value)[:40]!r}")


def _optional_id(value: Any, what: str) -> int | None:
    return None if value is None else snowflake(value, what)


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise XMalformed(f"created_at is not a time: {value[:40]!r}") from None


def parse_tweet(raw: Any) -> XTweet:
    """One tweet object; unknown fields are ignored, missing optional ones are None."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), str):
        raise XMalformed("a tweet without an id and a text")
    references = []
    for ref in raw.get("referenced_tweets") or ():
        if isinstance(ref, Mapping) and isinstance(ref.get("type"), str):
            references.append((ref["type"], snowflake(ref.get("id"), "referenced_tweets.id")))
    text, links = typed_text(raw)
    return XTweet(
        id=snowflake(raw.get("id"), "tweet id"),
        text=storable(text),
        links=links,
        author_id=_optional_id(raw.get("author_id"), "author_id"),
        conversation_id=_optional_id(raw.get("conversation_id"), "conversation_id"),
        created_at=_timestamp(raw.get("created_at")),
        in_reply_to_user_id=_optional_id(raw.get("in_reply_to_user_id"), "in_reply_to_user_id"),
        lang=raw.get("lang") if isinstance(raw.get("lang"), str) else None,
        references=tuple(references),
    )


def parse_user(raw: Any) -> XAccount:
    """One user object."""
    if not isinstance(raw, Mapping):
        raise XMalformed("a user that is not an object")
    metrics = raw.get("public_metrics") if isinstance(raw.get("public_metrics"), Mapping) else {}
    followers = metrics.get("followers_count")
    return XAccount(
        id=snowflake(raw.get("id"), "user id"),
        username=_optional_text(raw.get("username")),
        name=_optional_text(raw.get("name")),
        profile_image_url=_optional_text(raw.get("profile_image_url")),
        followers_count=followers if isinstance(followers, int) else None,
    )


def parse_users(body: Any, asked: list[int]) -> UserLookup:
    """A users lookup answer: `data` users (may be absent) and partial errors for the rest."""
    if not isinstance(body, Mapping):
        raise XMalformed("the users lookup answer is not a JSON object")
    data = body.get("data", [])
    if not isinstance(data, list):
        raise XMalformed("the users lookup's data is not a list")
    users = {user.id: user for user in map(parse_user, data)}
    return UserLookup(users=users, missing=tuple(i for i in asked if i not in users))


def parse_page(body: Any, rate_limit: RateLimit | None = None) -> TweetPage:
    """A timeline or search page; `{"meta": {"result_count": 0}}` is an empty page."""
    if not isinstance(body, Mapping):
        raise XMalformed("the page is not a JSON object")
    if not {"data", "meta", "errors"} & body.keys():
        # `{}` is no page: read as empty, it would hide posts from reconciliation and repair.
        raise XMalformed("the page has neither data, meta nor errors")
    data = body.get("data", [])
    meta = body.get("meta", {})
    if not isinstance(data, list) or not isinstance(meta, Mapping):
        raise XMalformed("the page's data is not a list or its meta is not an object")
    includes = body.get("includes") if isinstance(body.get("includes"), Mapping) else {}
    users_raw = includes.get("users") if isinstance(includes.get("users"), list) else []
    users = {user.id: user for user in map(parse_user, users_raw)}
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    next_token = meta.get("next_token")
    if next_token is not None and not isinstance(next_token, str):
        raise XMalformed("meta.next_token is not a string")
    return TweetPage(
        tweets=tuple(parse_tweet(item) for item in data),
        users=users,
        next_token=next_token or None,
        newest_id=_optional_id(meta.get("newest_id"), "meta.newest_id"),
        oldest_id=_optional_id(meta.get("oldest_id"), "meta.oldest_id"),
        partial_errors=tuple(
            str(e.get("detail") or e.get("title") or e)[:300] for e in errors if e
        ),
        rate_limit=rate_limit,
    )


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimit:
    """The x-rate-limit-* headers; missing or garbled ones are None."""

    def number(name: str) -> int | None:
        value = headers.get(name)
        return int(value) if value is not None and value.strip().isdigit() else None

    def moment(name: str) -> datetime | None:
        value = number(name)
        return datetime.fromtimestamp(value, UTC) if value is not None else None

    # Posts also carry 24-hour limits; the user's and the app's, whichever is tighter.
    day = [
        (number(f"x-{who}-limit-24hour-remaining"), moment(f"x-{who}-limit-24hour-reset"))
        for who in ("user", "app")
    ]
    day = [(remaining, reset) for remaining, reset in day if remaining is not None]
    day_remaining, day_reset = min(day, key=lambda pair: pair[0]) if day else (None, None)
    return RateLimit(
        limit=number("x-rate-limit-limit"),
        remaining=number("x-rate-limit-remaining"),
        reset_at=moment("x-rate-limit-reset"),
        day_remaining=day_remaining,
        day_reset_at=day_reset,
    )


_CONVERSATION_ID = re.compile(r"^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$")


def parse_dm_event(raw: Any) -> XDmEvent | None:
    """One DM event; None for one that cannot be read as an event (no id or event_type).

    An event we cannot use is skipped, never a failed run: the caller decides what to keep.
    """
    if not isinstance(raw, Mapping) or not isinstance(raw.get("event_type"), str):
        return None
    try:
        event_id = snowflake(raw.get("id"), "dm event id")
        sender = _optional_id(raw.get("sender_id"), "sender_id")
        created = _timestamp(raw.get("created_at"))
    except XMalformed:
        return None
    conversation = raw.get("dm_conversation_id")
    if not isinstance(conversation, str) or not _CONVERSATION_ID.match(conversation):
        conversation = None
    text = raw.get("text")
    return XDmEvent(
        id=event_id,
        event_type=raw["event_type"],
        text=storable(text) if isinstance(text, str) else None,
        sender_id=sender,
        dm_conversation_id=conversation,
        created_at=created,
    )


def parse_dm_page(body: Any, rate_limit: RateLimit | None = None) -> DmPage:
    """A DM events page; unreadable events are dropped (counted in partial_errors)."""
    if not isinstance(body, Mapping) or not {"data", "meta", "errors"} & body.keys():
        raise XMalformed("the DM events page has neither data, meta nor errors")
    data = body.get("data", [])
    meta = body.get("meta", {})
    if not isinstance(data, list) or not isinstance(meta, Mapping):
        raise XMalformed("the DM page's data is not a list or its meta is not an object")
    includes = body.get("includes") if isinstance(body.get("includes"), Mapping) else {}
    users: dict[int, XAccount] = {}
    for raw_user in includes.get("users") if isinstance(includes.get("users"), list) else []:
        try:
            user = parse_user(raw_user)
        except XMalformed:
            continue
        users[user.id] = user
    events = [parse_dm_event(item) for item in data]
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    notes = [str(e.get("detail") or e.get("title") or e)[:300] for e in errors if e]
    if None in events:
        notes.append(f"{events.count(None)} unreadable DM events skipped")
    next_token = meta.get("next_token")
    if next_token is not None and not isinstance(next_token, str):
        raise XMalformed("meta.next_token is not a string")
    return DmPage(
        events=tuple(e for e in events if e is not None),
        users=users,
        next_token=next_token or None,
        partial_errors=tuple(notes),
        rate_limit=rate_limit,
    )
