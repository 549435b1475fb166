"""The X API v2 wire format: query parameters in, tweet/user/page JSON bodies out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from helpdesk.x.sandbox.dms import DM_EVENT_TYPES, DmEvent
from helpdesk.x.sandbox.search import SearchTerm
from helpdesk.x.sandbox.served import served_text
from helpdesk.x.sandbox.state import (
    INVALID_REQUEST,
    MENTION_RE,
    Page,
    Query,
    SandboxState,
    Tweet,
    User,
)

TWEET_FIELDS = frozenset(
    "article attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_tweet_ids "
    "entities geo id in_reply_to_user_id lang media_metadata non_public_metrics note_tweet "
    "organic_metrics possibly_sensitive promoted_metrics public_metrics referenced_tweets "
    "reply_settings scopes source text withheld".split()
)
USER_FIELDS = frozenset(
    "affiliation connection_status created_at description entities id is_identity_verified "
    "location most_recent_tweet_id name parody pinned_tweet_id profile_banner_url "
    "profile_image_url protected public_metrics receives_your_dm subscription "
    "subscription_type url username verified verified_followers_count verified_type "
    "withheld".split()
)
EXPANSIONS = frozenset(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username geo.place_id in_reply_to_user_id entities.note.mentions.username "
    "referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id".split()
)
# What the user endpoints (/2/users, /2/users/me) expand; the sandbox has none of them to show.
USER_EXPANSIONS = frozenset({"affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"})
# Accepted and ignored: the sandbox has no media, places or polls.
OPAQUE_FIELD_PARAMS = ("media.fields", "place.fields", "poll.fields")
TIMELINE_PARAMS = frozenset(
    {"max_results", "since_id", "until_id", "pagination_token", "start_time", "end_time"}
    | {"tweet.fields", "user.fields", "expansions", *OPAQUE_FIELD_PARAMS}
)
SEARCH_PARAMS = TIMELINE_PARAMS | {"query", "next_token", "sort_order"}
USER_TWEETS_PARAMS = TIMELINE_PARAMS | {"exclude"}
PROBLEM_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
_ID_RE = re.compile(r"^[0-9]{1,19}$")
_HASHTAG_RE = re.compile(r"(?<![\w&])[#＃](\w*[^\W\d_]\w*)")
_TOKEN_KEY = b"x-sandbox-pagination"


class InvalidRequest(Exception):
    """A request parameter X would refuse with its "Invalid Request" 400."""

    def __init__(self, parameter: str, value: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.value = value
        self.message = message

    def body(self) -> dict[str, object]:
        return {
            "errors": [{"parameters": {self.parameter: [self.value]}, "message": self.message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        }


# X puts the field an expansion hangs on into the tweet even when tweet.fields omits it.
IMPLIED_TWEET_FIELDS = {
    "author_id": ("author_id",),
    "in_reply_to_user_id": ("in_reply_to_user_id",),
    "referenced_tweets.id": ("referenced_tweets",),
    "referenced_tweets.id.author_id": ("referenced_tweets", "author_id"),
    "entities.mentions.username": ("entities",),
}


@dataclass(frozen=True)
class Fields:
    tweet: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    expansions: frozenset[str] = frozenset()

    @property
    def rendered_tweet(self) -> frozenset[str]:
        """The tweet fields to render: those asked for and those the expansions imply."""
        implied = (f for e in self.expansions for f in IMPLIED_TWEET_FIELDS.get(e, ()))
        return self.tweet | frozenset(implied)


# -- parsing ------------------------------------------------------------------------------


def check_params(args: Mapping[str, str], allowed: Iterable[str]) -> None:
    allowed = sorted(allowed)
    for name in args:
        if name not in allowed:
            raise InvalidRequest(
                name,
                args[name],
                f"The query parameter [{name}] is not one of [{','.join(allowed)}]",
            )


def _csv(args: Mapping[str, str], name: str, valid: frozenset[str]) -> frozenset[str]:
    raw = args.get(name)
    if raw is None:
        return frozenset()
    values = [v for v in raw.split(",") if v]
    for value in values:
        if value not in valid:
            raise InvalidRequest(
                name,
                value,
                f"The `{name}` query parameter value [{value}] is not one of "
                f"[{','.join(sorted(valid))}]",
            )
    return frozenset(values)


def parse_fields(args: Mapping[str, str], *, users: bool = False) -> Fields:
    """tweet.fields, user.fields and expansions; `users` for an endpoint returning users."""
    return Fields(
        tweet=_csv(args, "tweet.fields", TWEET_FIELDS),
        user=_csv(args, "user.fields", USER_FIELDS),
        expansions=_csv(args, "expansions", USER_EXPANSIONS if users else EXPANSIONS),
    )


def parse_id(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not _ID_RE.match(value):
        raise InvalidRequest(
            name,
            value,
            f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$",
        )
    return int(value)


def parse_max_results(args: Mapping[str, str], low: int, high: int, default: int) -> int:
    raw = args.get("max_results")
    if raw is None:
        return default
    number = int(raw) if re.fullmatch(r"-?[0-9]{1,9}", raw) else None
    if number is None or not low <= number <= high:
        raise InvalidRequest(
            "max_results",
            raw,
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
        )
    return number


def parse_time(args: Mapping[str, str], name: str) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 date-time."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def encode_token(tweet_id: int) -> str:
    """Return an opaque next_token meaning "continue below this id"."""
    body = _base36(tweet_id ^ 0x5DEECE66D5DEECE6)
    return body + _base36(_check(body)).rjust(6, "0")


def decode_token(token: str, name: str) -> int:
    body, check = token[:-6], token[-6:]
    if not body or not re.fullmatch(r"[0-9a-z]+", token) or int(check, 36) != _check(body):
        raise InvalidRequest(
            name, token, f"The `{name}` query parameter value [{token}] is not valid"
        )
    return int(body, 36) ^ 0x5DEECE66D5DEECE6


def _check(body: str) -> int:
    digest = hashlib.blake2b(body.encode(), key=_TOKEN_KEY, digest_size=4).digest()
    return int.from_bytes(digest) % 36**6


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def parse_query(
    args: Mapping[str, str], *, low: int, high: int, default: int, token_params: tuple[str, ...]
) -> Query:
    """Read the paging and time bounds every timeline and search endpoint shares."""
    cursor = None
    for name in token_params:
        if args.get(name):
            cursor = decode_token(args[name], name)
    return Query(
        max_results=parse_max_results(args, low, high, default),
        since_id=parse_id(args.get("since_id"), "since_id"),
        until_id=parse_id(args.get("until_id"), "until_id"),
        start_ms=parse_time(args, "start_time"),
        end_ms=parse_time(args, "end_time"),
        cursor=cursor,
    )


_SEARCH_TOKEN_RE = re.compile(r'-?"[^"]*"|\S+')
_IS_VALUES = ("retweet", "reply", "quote")
SEARCH_HELP = (
    "the sandbox supports AND-ed terms only: @user, from:user, to:user, conversation_id:id, "
    'lang:xx, is:retweet|reply|quote (each may be negated with -), keywords and "phrases"'
)


def parse_search(raw: str | None) -> list[SearchTerm]:
    """Split a recent-search query into AND-ed terms, refusing what the sandbox lacks."""
    if not raw or not raw.strip():
        raise InvalidRequest("query", raw or "", "The `query` query parameter can not be empty")
    terms = [_search_term(raw, token) for token in _SEARCH_TOKEN_RE.findall(raw)]
    return terms


def _search_term(raw: str, token: str) -> SearchTerm:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    if body == "OR" or body.startswith("(") or body.endswith(")"):
        raise InvalidRequest("query", raw, f"Unsupported query [{raw}]: {SEARCH_HELP}")
    if body.startswith('"'):
        return SearchTerm("keyword", body.strip('"'), negated)
    if body.startswith(("@", "＠")) and len(body) > 1:
        return SearchTerm("mention", body[1:], negated)
    operator, colon, value = body.partition(":")
    if not colon or not value:
        return SearchTerm("keyword", body, negated)
    if operator in ("from", "to", "conversation_id", "lang"):
        return SearchTerm(operator, value.lstrip("@"), negated)
    if operator == "is" and value in _IS_VALUES:
        return SearchTerm("is", value, negated)
    raise InvalidRequest("query", raw, f"Unsupported operator [{body}]: {SEARCH_HELP}")


# -- rendering ----------------------------------------------------------------------------


def rfc3339(ms: int) -> str:
    """2026-11-23T10:00:00.000Z, as X writes created_at."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def entities(
    state: SandboxState, text: str, urls: list[dict[str, object]] | None = None
) -> dict[str, list[dict[str, object]]]:
    """Mentions, hashtags and `urls` with code-point start/end in the served `text`."""
    out: dict[str, list[dict[str, object]]] = {"urls": urls} if urls else {}
    mentions = []
    for match in MENTION_RE.finditer(text):
        item: dict[str, object] = {
            "start": match.start(),
            "end": match.end(),
            "username": match.group(1),
        }
        user = state.users_by_name.get(match.group(1).lower())
        if user is not None:
            item["id"] = str(user.id)
        mentions.append(item)
    if mentions:
        out["mentions"] = mentions
    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG_RE.finditer(text)
    ]
    if hashtags:
        out["hashtags"] = hashtags
    return out


def render_tweet(state: SandboxState, tweet: Tweet, tweet_fields: frozenset[str]) -> dict:
    text, urls = served_text(tweet.id, tweet.text)
    body: dict[str, object] = {
        "id": str(tweet.id),
        "text": text,
        "edit_history_tweet_ids": [str(tweet.id)],
    }
    if not tweet_fields:
        return body
    optional = {
        "created_at": lambda: rfc3339(tweet.created_ms),
        "author_id": lambda: str(tweet.author_id),
        "conversation_id": lambda: str(tweet.conversation_id),
        "in_reply_to_user_id": lambda: (
            str(tweet.in_reply_to_user_id) if tweet.in_reply_to_user_id else None
        ),
        "referenced_tweets": lambda: (
            [{"type": kind, "id": str(ref)} for kind, ref in tweet.referenced] or None
        ),
        "entities": lambda: entities(state, text, urls) or None,
        "lang": lambda: tweet.lang,
        "possibly_sensitive": lambda: False,
        "reply_settings": lambda: "everyone",
    }
    for name, value in optional.items():
        if name in tweet_fields:
            rendered = value()
            if rendered is not None:
                body[name] = rendered
    return body


def render_user(user: User, user_fields: frozenset[str]) -> dict[str, object]:
    body: dict[str, object] = {"id": str(user.id), "name": user.name, "username": user.username}
    optional: dict[str, object] = {
        "created_at": rfc3339(user.created_ms),
        "description": "",
        "profile_image_url": user.profile_image_url,
        "protected": False,
        "verified": False,
        "public_metrics": {
            "followers_count": user.followers,
            "following_count": user.following,
            "tweet_count": user.tweet_count,
            "listed_count": user.listed,
            "like_count": 0,
        },
    }
    for name, value in optional.items():
        if name in user_fields:
            body[name] = value
    return body


@dataclass
class _Expansion:
    """Collects includes.users/tweets and the partial errors of one page."""

    state: SandboxState
    fields: Fields
    users: dict[int, dict[str, object]] = field(default_factory=dict)
    tweets: dict[int, dict[str, object]] = field(default_factory=dict)
    errors: list[dict[str, object]] = field(default_factory=list)
    _seen_errors: set[tuple[str, int]] = field(default_factory=set)

    def user(self, user_id: int | None, parameter: str) -> None:
        if user_id is None or parameter not in self.fields.expansions or user_id in self.users:
            return
        user = self.state.users.get(user_id)
        if user is not None and not user.unavailable:
            self.users[user_id] = render_user(user, self.fields.user)
        elif (parameter, user_id) not in self._seen_errors:
            self._seen_errors.add((parameter, user_id))
            self.errors.append(_not_found("user", user_id, parameter, "id"))

    def referenced(self, tweet: Tweet) -> None:
        for _, ref_id in tweet.referenced:
            ref = self.state.tweets.get(ref_id)
            author = self.state.users.get(ref.author_id) if ref else None
            if ref is None or author is None or author.unavailable:
                if ("referenced_tweets.id", ref_id) not in self._seen_errors:
                    self._seen_errors.add(("referenced_tweets.id", ref_id))
                    self.errors.append(
                        _not_found("tweet", ref_id, "referenced_tweets.id", "referenced_tweets.id")
                    )
                continue
            if ref_id not in self.tweets:
                self.tweets[ref_id] = render_tweet(self.state, ref, self.fields.rendered_tweet)
            self.user(ref.author_id, "referenced_tweets.id.author_id")

    def expand(self, tweets: list[Tweet]) -> None:
        for tweet in tweets:
            self.user(tweet.author_id, "author_id")
            self.user(tweet.in_reply_to_user_id, "in_reply_to_user_id")
            if "entities.mentions.username" in self.fields.expansions:
                for username in MENTION_RE.findall(tweet.text):
                    user = self.state.users_by_name.get(username.lower())
                    if user is not None:
                        self.user(user.id, "entities.mentions.username")
            if "referenced_tweets.id" in self.fields.expansions:
                self.referenced(tweet)


def _not_found(resource: str, resource_id: int, parameter: str, noun: str) -> dict[str, object]:
    return {
        "value": str(resource_id),
        "detail": f"Could not find {resource} with {noun}: [{resource_id}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": str(resource_id),
        "type": PROBLEM_NOT_FOUND,
    }


def render_page(state: SandboxState, page: Page, fields: Fields) -> dict[str, object]:
    """The body of a timeline or search answer; `{"meta": {"result_count": 0}}` when empty."""
    if not page.ids:
        return {"meta": {"result_count": 0}}
    tweets = [state.tweets[i] for i in page.ids]
    body: dict[str, object] = {
        "data": [render_tweet(state, t, fields.rendered_tweet) for t in tweets]
    }
    expansion = _Expansion(state, fields)
    expansion.expand(tweets)
    includes: dict[str, object] = {}
    if expansion.users:
        includes["users"] = list(expansion.users.values())
    if expansion.tweets:
        includes["tweets"] = list(expansion.tweets.values())
    if includes:
        body["includes"] = includes
    if expansion.errors:
        body["errors"] = expansion.errors
    meta: dict[str, object] = {
        "newest_id": str(page.ids[0]),
        "oldest_id": str(page.ids[-1]),
        "result_count": len(page.ids),
    }
    if page.has_more:
        meta["next_token"] = encode_token(page.ids[-1])
    body["meta"] = meta
    return body


def render_users(state: SandboxState, ids: list[int], fields: Fields) -> dict[str, object]:
    """The body of a users lookup: found users in order, the rest as not-found errors."""
    data, errors = [], []
    for user_id in dict.fromkeys(ids):
        user = state.users.get(user_id)
        if user is not None and not user.unavailable:
            data.append(render_user(user, fields.user))
        else:
            errors.append(_not_found("user", user_id, "ids", "id"))
    body: dict[str, object] = {"data": data} if data else {}
    if errors:
        body["errors"] = errors
    return body


def user_not_found(user_id: str) -> dict[str, object]:
    """X's 200 answer for a timeline of a user that does not exist."""
    return {"errors": [_not_found("user", int(user_id), "id", "id")]}


# -- direct messages ----------------------------------------------------------------------

DM_EVENT_FIELDS = frozenset(
    "attachments created_at dm_conversation_id entities event_type id participant_ids "
    "referenced_tweets sender_id text".split()
)
DM_EXPANSIONS = frozenset(
    {"attachments.media_keys", "participant_ids", "referenced_tweets.id", "sender_id"}
)
DM_EVENTS_PARAMS = frozenset(
    {"max_results", "pagination_token", "event_types", "dm_event.fields", "expansions"}
    | {"media.fields", "user.fields", "tweet.fields"}
)


@dataclass(frozen=True)
class DmFields:
    event: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    expansions: frozenset[str] = frozenset()
    event_types: frozenset[str] = frozenset(
        {"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"}
    )


def parse_dm_fields(args: Mapping[str, str]) -> DmFields:
    """dm_event.fields, user.fields, expansions and event_types of a DM events read."""
    _csv(args, "tweet.fields", TWEET_FIELDS)
    types = _csv(args, "event_types", frozenset(DM_EVENT_TYPES))
    return DmFields(
        event=_csv(args, "dm_event.fields", DM_EVENT_FIELDS),
        user=_csv(args, "user.fields", USER_FIELDS),
        expansions=_csv(args, "expansions", DM_EXPANSIONS),
        **({"event_types": types} if types else {}),
    )


def render_dm_event(event: DmEvent, fields: DmFields) -> dict[str, object]:
    """One DM event: id and event_type always, text for a message; the rest when asked."""
    body: dict[str, object] = {"id": str(event.id), "event_type": event.event_type}
    if event.text is not None:
        body["text"] = event.text
    wanted = set(fields.event)
    if "sender_id" in fields.expansions:
        wanted.add("sender_id")
    if "participant_ids" in fields.expansions:
        wanted.add("participant_ids")
    optional = {
        "created_at": lambda: rfc3339(event.created_ms),
        "dm_conversation_id": lambda: event.conversation_id,
        "sender_id": lambda: str(event.sender_id) if event.sender_id is not None else None,
        "participant_ids": lambda: [str(i) for i in event.participant_ids] or None,
    }
    for name, value in optional.items():
        if name in wanted:
            rendered = value()
            if rendered is not None:
                body[name] = rendered
    return body


def render_dm_page(state: SandboxState, page: Page, fields: DmFields) -> dict[str, object]:
    """The body of a DM events answer: data, includes.users, partial errors and meta."""
    if not page.ids:
        return {"meta": {"result_count": 0}}
    events = [state.dm_events[i] for i in page.ids]
    body: dict[str, object] = {"data": [render_dm_event(e, fields) for e in events]}
    users: dict[int, dict[str, object]] = {}
    errors: list[dict[str, object]] = []
    for event in events:
        wanted: list[tuple[int, str]] = []
        if "sender_id" in fields.expansions and event.sender_id is not None:
            wanted.append((event.sender_id, "sender_id"))
        if "participant_ids" in fields.expansions:
            wanted += [(i, "participant_ids") for i in event.participant_ids]
        for user_id, parameter in wanted:
            user = state.users.get(user_id)
            if user is not None and not user.unavailable:
                users.setdefault(user_id, render_user(user, fields.user))
            elif not any(e["resource_id"] == str(user_id) for e in errors):
                errors.append(_not_found("user", user_id, parameter, "id"))
    if users:
        body["includes"] = {"users": list(users.values())}
    if errors:
        body["errors"] = errors
    meta: dict[str, object] = {"result_count": len(page.ids)}
    if page.has_more:
        meta["next_token"] = encode_token(page.ids[-1])
    body["meta"] = meta
    return body
