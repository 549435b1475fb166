"""Every answer of the sandbox's X routes checked against JSON Schemas of X's documented shapes."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import requests
import tweepy
from jsonschema import Draft202012Validator
from twitter_text import extract_urls_with_indices

from helpdesk.x.client import EXPANSIONS, TWEET_FIELDS, USER_FIELDS
from helpdesk.x.parse import parse_page
from helpdesk.x.sandbox import BRAND_USERNAME, make_sandbox_server
from tests.support.sandbox import RunningSandbox

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

BEARER = {"Authorization": "Bearer test-bearer"}
PROBLEMS = "https://api.twitter.com/2/problems/"
INVALID_REQUEST_TYPE = PROBLEMS + "invalid-request"
INVALID_DETAIL = "One or more parameters to your request was invalid."
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)

# -- the field sets a page is read with ---------------------------------------------------


@dataclass(frozen=True)
class FieldSet:
    """tweet.fields, expansions and user.fields of one read (empty: the bare shape)."""

    name: str
    tweet: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    user: tuple[str, ...] = ()

    def query(self) -> dict[str, str]:
        """The query parameters as X spells them."""
        pairs = (("tweet.fields", self.tweet), ("expansions", self.expansions))
        params = {name: ",".join(values) for name, values in pairs if values}
        if self.user:
            params["user.fields"] = ",".join(self.user)
        return params

    def tweepy_kwargs(self) -> dict[str, list[str]]:
        """The same fields as tweepy's keyword arguments."""
        pairs = (
            ("tweet_fields", self.tweet),
            ("expansions", self.expansions),
            ("user_fields", self.user),
        )
        return {name: list(values) for name, values in pairs if values}

    def tweet_keys(self) -> frozenset[str]:
        """The optional tweet fields that may appear: those asked and those an expansion implies."""
        keys = set(self.tweet)
        if "author_id" in self.expansions:
            keys.add("author_id")
        if {"referenced_tweets.id", "referenced_tweets.id.author_id"} & set(self.expansions):
            keys.add("referenced_tweets")
        if "referenced_tweets.id.author_id" in self.expansions:
            keys.add("author_id")
        if "in_reply_to_user_id" in self.expansions:
            keys.add("in_reply_to_user_id")
        if "entities.mentions.username" in self.expansions:
            keys.add("entities")
        return frozenset(keys)


CLIENT = FieldSet("client", tuple(TWEET_FIELDS), tuple(EXPANSIONS), tuple(USER_FIELDS))
BARE = FieldSet("bare")
EXPANSIONS_ONLY = FieldSet("expansions only", expansions=tuple(EXPANSIONS))
FULL = FieldSet(
    "everything the sandbox renders",
    (
        "created_at",
        "author_id",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "entities",
        "lang",
        "possibly_sensitive",
        "reply_settings",
    ),
    (
        "author_id",
        "in_reply_to_user_id",
        "referenced_tweets.id",
        "referenced_tweets.id.author_id",
        "entities.mentions.username",
    ),
    (
        "created_at",
        "description",
        "name",
        "profile_image_url",
        "protected",
        "public_metrics",
        "username",
        "verified",
    ),
)
FIELD_SETS = (CLIENT, BARE, EXPANSIONS_ONLY, FULL)
USER_EXPANSIONS = {
    "author_id",
    "in_reply_to_user_id",
    "referenced_tweets.id.author_id",
    "entities.mentions.username",
}

# -- schemas (draft 2020-12) --------------------------------------------------------------

ID: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{1,19}$"}
TIME = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$",
}
COUNT = {"type": "integer", "minimum": 0}
SPAN = {"start": COUNT, "end": COUNT}
# X escapes exactly &, < and > in every text it serves; nothing else comes as an entity.
SERVED_TEXT = {"type": "string", "pattern": "^(?:[^&<>]|&(?:amp|lt|gt);)*$"}
TCO = {"type": "string", "pattern": "^https://t\\.co/[A-Za-z0-9]{10}$"}
ENTITIES = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "mentions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["start", "end", "username"],
                "additionalProperties": False,
                "properties": {
                    **SPAN,
                    "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,15}$"},
                    "id": ID,
                },
            },
        },
        "urls": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["start", "end", "url", "expanded_url", "display_url"],
                "additionalProperties": False,
                "properties": {
                    **SPAN,
                    "url": TCO,
                    "expanded_url": {"type": "string", "pattern": "^https?://"},
                    "display_url": {"type": "string", "minLength": 1},
                },
            },
        },
        "hashtags": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["start", "end", "tag"],
                "additionalProperties": False,
                "properties": {**SPAN, "tag": {"type": "string", "minLength": 1}},
            },
        },
    },
}
TWEET_PROPERTIES: dict[str, Any] = {
    "created_at": TIME,
    "author_id": ID,
    "conversation_id": ID,
    "in_reply_to_user_id": ID,
    "referenced_tweets": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["type", "id"],
            "additionalProperties": False,
            "properties": {"type": {"enum": ["replied_to", "quoted", "retweeted"]}, "id": ID},
        },
    },
    "entities": ENTITIES,
    "lang": {"type": "string", "pattern": "^[a-z]{2,3}$"},
    "possibly_sensitive": {"type": "boolean"},
    "reply_settings": {"enum": ["everyone", "mentionedUsers", "following"]},
}
ALWAYS_THERE = frozenset({"created_at", "author_id", "conversation_id", "lang"})
USER_PROPERTIES: dict[str, Any] = {
    "created_at": TIME,
    "description": {"type": "string"},
    "profile_image_url": {"type": "string", "pattern": "^https://"},
    "protected": {"type": "boolean"},
    "verified": {"type": "boolean"},
    "public_metrics": {
        "type": "object",
        "required": ["followers_count", "following_count", "tweet_count", "listed_count"],
        "additionalProperties": COUNT,
        "properties": {
            "followers_count": COUNT,
            "following_count": COUNT,
            "tweet_count": COUNT,
            "listed_count": COUNT,
        },
    },
}


def tweet_schema(fields: FieldSet) -> dict[str, Any]:
    """A tweet object: id, text, edit_history_tweet_ids, and only the fields asked for."""
    keys = fields.tweet_keys()
    return {
        "type": "object",
        "required": ["id", "text", "edit_history_tweet_ids", *sorted(keys & ALWAYS_THERE)],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "text": SERVED_TEXT,
            "edit_history_tweet_ids": {"type": "array", "minItems": 1, "items": ID},
            **{name: TWEET_PROPERTIES[name] for name in keys if name in TWEET_PROPERTIES},
        },
    }


def user_schema(user_fields: tuple[str, ...]) -> dict[str, Any]:
    """A user object: id, name, username always; the other fields only when asked for."""
    return {
        "type": "object",
        "required": ["id", "name", "username", *sorted(set(user_fields) - {"name", "username"})],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "name": {"type": "string", "minLength": 1},
            "username": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,15}$"},
            **{name: USER_PROPERTIES[name] for name in user_fields if name in USER_PROPERTIES},
        },
    }


PARTIAL_ERROR = {
    "type": "object",
    "required": ["resource_type", "resource_id", "title", "detail", "type", "parameter", "value"],
    "additionalProperties": False,
    "properties": {
        "resource_type": {"enum": ["user", "tweet"]},
        "resource_id": ID,
        "value": ID,
        "parameter": {"type": "string", "minLength": 1},
        "title": {"const": "Not Found Error"},
        "detail": {"type": "string", "minLength": 1},
        "type": {"const": PROBLEMS + "resource-not-found"},
    },
}
ERRORS = {"type": "array", "minItems": 1, "items": PARTIAL_ERROR}


ANY_OBJECT = {"type": "object"}


def page_schema(fields: FieldSet, *, items: bool = True) -> dict[str, Any]:
    """A non-empty timeline or search page read with `fields` (`items=False`: the envelope)."""
    tweet = tweet_schema(fields) if items else ANY_OBJECT
    includes: dict[str, Any] = {}
    if USER_EXPANSIONS & set(fields.expansions):
        user = user_schema(fields.user) if items else ANY_OBJECT
        includes["users"] = {"type": "array", "minItems": 1, "items": user}
    if "referenced_tweets.id" in fields.expansions:
        includes["tweets"] = {"type": "array", "minItems": 1, "items": tweet}
    properties: dict[str, Any] = {
        "data": {"type": "array", "minItems": 1, "maxItems": 100, "items": tweet},
        "meta": {
            "type": "object",
            "required": ["result_count", "newest_id", "oldest_id"],
            "additionalProperties": False,
            "properties": {
                "result_count": {"type": "integer", "minimum": 1, "maximum": 100},
                "newest_id": ID,
                "oldest_id": ID,
                "next_token": {"type": "string", "pattern": "^[0-9a-z]+$"},
                "previous_token": {"type": "string", "minLength": 1},  # X adds it on timelines
            },
        },
    }
    if includes:
        properties["includes"] = {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": includes,
        }
    if fields.expansions:  # partial errors come only from expansions
        properties["errors"] = ERRORS
    return {
        "type": "object",
        "required": ["data", "meta"],
        "additionalProperties": False,
        "properties": properties,
    }


EMPTY_PAGE = {"const": {"meta": {"result_count": 0}}}
TIMELINE_OF_UNKNOWN_USER = {
    "type": "object",
    "required": ["errors"],
    "additionalProperties": False,
    "properties": {"errors": ERRORS},
}


def users_me_schema(user_fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["data"],
        "additionalProperties": False,
        "properties": {"data": user_schema(user_fields)},
    }


def users_lookup_schema(user_fields: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "data": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": user_schema(user_fields),
            },
            "errors": ERRORS,
        },
    }


CREATED = {
    "type": "object",
    "required": ["data"],
    "additionalProperties": False,
    "properties": {
        "data": {
            "type": "object",
            "required": ["id", "text", "edit_history_tweet_ids"],
            "additionalProperties": False,
            "properties": {
                "id": ID,
                "text": SERVED_TEXT,
                "edit_history_tweet_ids": {"type": "array", "minItems": 1, "items": ID},
            },
        }
    },
}


def problem_schema(
    status: int, title: str | None = None, detail: str | None = None, kind: str = "about:blank"
) -> dict[str, Any]:
    """An RFC 7807 problem as X writes it: title, detail, type and status."""
    return {
        "type": "object",
        "required": ["title", "detail", "type", "status"],
        "additionalProperties": False,
        "properties": {
            "title": {"const": title} if title else {"type": "string", "minLength": 1},
            "detail": {"const": detail} if detail else {"type": "string", "minLength": 1},
            "type": {"const": kind},
            "status": {"const": status},
        },
    }


INVALID_REQUEST = {
    "type": "object",
    "required": ["errors", "title", "detail", "type"],
    "additionalProperties": False,
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["message"],
                "additionalProperties": False,
                "properties": {
                    "message": {"type": "string", "minLength": 1},
                    "parameters": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
        "title": {"const": "Invalid Request"},
        "detail": {"const": INVALID_DETAIL},
        "type": {"const": INVALID_REQUEST_TYPE},
    },
}
TOO_MANY_REQUESTS = {
    "oneOf": [
        problem_schema(429, "Too Many Requests", "Too Many Requests"),
        {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {"code": {"const": 88}, "message": {"type": "string"}},
                    },
                }
            },
        },
    ]
}
EPOCH = {"type": "string", "pattern": "^[0-9]{10}$"}
RATE_HEADERS = {
    "type": "object",
    "required": ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"],
    "properties": {
        "x-rate-limit-limit": {"type": "string", "pattern": "^[1-9][0-9]*$"},
        "x-rate-limit-remaining": {"type": "string", "pattern": "^[0-9]+$"},
        "x-rate-limit-reset": EPOCH,
    },
}
DAILY_HEADERS = {
    "type": "object",
    "required": [
        f"x-{who}-limit-24hour-{part}"
        for who in ("user", "app")
        for part in ("limit", "remaining", "reset")
    ],
    "patternProperties": {
        "^x-(user|app)-limit-24hour-(limit|remaining)$": {"type": "string", "pattern": "^[0-9]+$"},
        "^x-(user|app)-limit-24hour-reset$": EPOCH,
    },
}

for _schema in (
    EMPTY_PAGE,
    TIMELINE_OF_UNKNOWN_USER,
    CREATED,
    INVALID_REQUEST,
    TOO_MANY_REQUESTS,
    RATE_HEADERS,
    DAILY_HEADERS,
    *(page_schema(f) for f in FIELD_SETS),
):
    Draft202012Validator.check_schema(_schema)

# -- checking answers ---------------------------------------------------------------------


@dataclass
class Tally:
    """How many answers and pages were checked, and against what."""

    answers: int = 0
    pages: int = 0
    tweets: int = 0
    partial_errors: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    references: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.answers += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


_VALIDATORS: dict[str, Draft202012Validator] = {}


def assert_valid(schema: dict[str, Any], instance: object, where: str) -> None:
    """Fail with every schema violation listed, not just the first."""
    key = json.dumps(schema, sort_keys=True)
    validator = _VALIDATORS.get(key)
    if validator is None:
        validator = _VALIDATORS[key] = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        lines = [f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10]]
        pytest.fail(f"{where}: {len(errors)} schema violations\n" + "\n".join(lines))


def assert_rate_headers(response: requests.Response, where: str, *, post: bool = False) -> None:
    """x-rate-limit-* on the answer, remaining within limit, reset in the future."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert_valid(RATE_HEADERS, headers, where + " headers")
    assert int(headers["x-rate-limit-remaining"]) <= int(headers["x-rate-limit-limit"]), where
    assert int(headers["x-rate-limit-reset"]) >= int(time.time()) - 1, where
    if post:
        assert_valid(DAILY_HEADERS, headers, where + " 24-hour headers")


def _error_index(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["resource_type"], e["resource_id"]) for e in body.get("errors", [])}


def check_entities(tweet: dict[str, Any], where: str) -> None:
    """Entity offsets count code points and point at the @handle, #tag or t.co link they name;
    the text holds no URL other than its t.co links."""
    text = tweet["text"]
    links = tweet.get("entities", {}).get("urls", [])
    for link in links:
        assert text[link["start"] : link["end"]] == link["url"], (where, link)
    unlinked = [u["url"] for u in extract_urls_with_indices(text) if "//t.co/" not in u["url"]]
    assert not unlinked, (where, text)
    if links:
        assert len(links) == text.count("https://t.co/"), (where, text)
    for mention in tweet.get("entities", {}).get("mentions", []):
        piece = text[mention["start"] : mention["end"]]
        assert piece[1:] == mention["username"] and piece[0] in "@＠", (where, mention)
    for tag in tweet.get("entities", {}).get("hashtags", []):
        piece = text[tag["start"] : tag["end"]]
        assert piece[1:] == tag["tag"] and piece[0] in "#＃", (where, tag)


def check_order_and_meta(body: dict[str, Any], where: str) -> None:
    """Unique ids, newest first (ids and created_at), meta counting and naming the ends."""
    data = body["data"]
    ids = [t["id"] for t in data]
    assert len(set(ids)) == len(ids), f"{where}: an id twice on one page"
    numbers = [int(i) for i in ids]
    assert numbers == sorted(numbers, reverse=True), f"{where}: data is not newest first"
    created = [datetime.fromisoformat(t["created_at"]) for t in data if "created_at" in t]
    assert created == sorted(created, reverse=True), f"{where}: created_at not newest first"
    meta = body["meta"]
    assert meta["result_count"] == len(data), where
    assert (meta["newest_id"], meta["oldest_id"]) == (ids[0], ids[-1]), where
    for kind in ("users", "tweets"):
        included = [item["id"] for item in body.get("includes", {}).get(kind, [])]
        assert len(set(included)) == len(included), f"{where}: one of includes.{kind} twice"


def check_tweet(tweet: dict[str, Any], fields: FieldSet, where: str) -> None:
    """One tweet's fields agree with each other: edits, entities, replies, threads."""
    assert tweet["id"] in tweet["edit_history_tweet_ids"], where
    check_entities(tweet, where)
    kinds = [r["type"] for r in tweet.get("referenced_tweets", [])]
    if "referenced_tweets" in fields.tweet_keys() and "in_reply_to_user_id" in fields.tweet:
        assert ("replied_to" in kinds) == ("in_reply_to_user_id" in tweet), f"{where}: {tweet}"
    if "replied_to" not in kinds and "conversation_id" in tweet:
        assert tweet["conversation_id"] == tweet["id"], f"{where}: a root in another thread"
    if "retweeted" in kinds:  # a retweet is of the original, and is nothing else
        assert kinds == ["retweeted"] and "in_reply_to_user_id" not in tweet, f"{where}: {tweet}"
        assert tweet["text"].startswith("RT @"), f"{where}: {tweet}"


def pointed_at(body: dict[str, Any], fields: FieldSet) -> tuple[set[str], set[str]]:
    """The user and tweet ids the page's expansions point at (to be included or errored)."""
    expansions = set(fields.expansions)
    users: set[str] = set()
    tweets: set[str] = set()
    for tweet in body["data"]:
        if "author_id" in expansions:
            users.add(tweet["author_id"])
        if "in_reply_to_user_id" in expansions and "in_reply_to_user_id" in tweet:
            users.add(tweet["in_reply_to_user_id"])
        if "entities.mentions.username" in expansions:
            mentions = tweet.get("entities", {}).get("mentions", [])
            users |= {m["id"] for m in mentions if "id" in m}
        if "referenced_tweets.id" in expansions:
            tweets |= {r["id"] for r in tweet.get("referenced_tweets", [])}
    if "referenced_tweets.id.author_id" in expansions:
        users |= {t["author_id"] for t in body.get("includes", {}).get("tweets", [])}
    return users, tweets


def check_page_references(body: dict[str, Any], fields: FieldSet, where: str) -> None:
    """What a schema cannot say: ids line up between data, includes, errors and meta."""
    check_order_and_meta(body, where)
    includes = body.get("includes", {})
    for tweet in body["data"] + includes.get("tweets", []):
        check_tweet(tweet, fields, where)
    included = {t["id"]: t for t in includes.get("tweets", [])}
    for tweet in body["data"]:
        for ref in tweet.get("referenced_tweets", []):
            kinds = {r["type"] for r in included.get(ref["id"], {}).get("referenced_tweets", [])}
            assert ref["type"] != "retweeted" or "retweeted" not in kinds, (
                f"{where}: {tweet['id']} is a retweet of a retweet"
            )
    errored = _error_index(body)
    known = {("user", u["id"]) for u in includes.get("users", [])}
    known |= {("tweet", t) for t in included}
    assert not known & errored, f"{where}: included and named by an error: {known & errored}"
    users, tweets = pointed_at(body, fields)
    wanted = {("user", u) for u in users} | {("tweet", t) for t in tweets}
    lost = wanted - known - errored
    assert not lost, f"{where}: neither in includes nor named by an error: {sorted(lost)}"
    assert known <= wanted, f"{where}: included but nothing points at it: {known - wanted}"
    assert errored <= wanted, f"{where}: errors about nothing on the page: {errored - wanted}"


@dataclass(frozen=True)
class PageSchemas:
    """A page's envelope schema and its item schemas, for one field set."""

    key: str
    envelope: dict[str, Any]
    tweet: dict[str, Any]
    user: dict[str, Any]


_PAGE_SCHEMAS: dict[FieldSet, PageSchemas] = {}
# Pages repeat the same objects across reads: each distinct one is validated once per schema.
_VALID_OBJECTS: set[tuple[str, str]] = set()


def _page_schemas(fields: FieldSet) -> PageSchemas:
    if fields not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[fields] = PageSchemas(
            key=repr(fields),
            envelope=page_schema(fields, items=False),
            tweet=tweet_schema(fields),
            user=user_schema(fields.user),
        )
    return _PAGE_SCHEMAS[fields]


def check_page(
    body: dict[str, Any], fields: FieldSet, where: str, tally: Tally, *, errors_ok: bool = True
) -> None:
    """One timeline or search answer: empty, or a page valid by schema and by reference."""
    tally.count("page")
    if "data" not in body:
        assert_valid(EMPTY_PAGE, body, where)
        return
    schemas = _page_schemas(fields)
    assert_valid(schemas.envelope, body, where)
    includes = body.get("includes", {})
    for kind, items, schema in (
        ("data", body["data"], schemas.tweet),
        ("includes.tweets", includes.get("tweets", []), schemas.tweet),
        ("includes.users", includes.get("users", []), schemas.user),
    ):
        for index, item in enumerate(items):
            text = repr(item)  # the server's key order is stable; repr is cheaper than dumps
            if (schemas.key, text) not in _VALID_OBJECTS:
                assert_valid(schema, item, f"{where} {kind}[{index}]")
                _VALID_OBJECTS.add((schemas.key, text))
    check_page_references(body, fields, where)
    tally.pages += 1
    tally.tweets += len(body["data"])
    tally.partial_errors += len(body.get("errors", []))
    for tweet in body["data"]:
        for ref in tweet.get("referenced_tweets", []):
            tally.references[ref["type"]] = tally.references.get(ref["type"], 0) + 1
    if not errors_ok:
        assert "errors" not in body, f"{where}: partial errors with every author available"
    page = parse_page(body)  # the helpdesk's own parser takes every page
    assert [t.id for t in page.tweets] == [int(t["id"]) for t in body["data"]]


# -- reading every page -------------------------------------------------------------------

Reader = Callable[[dict[str, Any]], requests.Response]


_SESSION = requests.Session()
_SESSION.trust_env = False  # the sandbox is on 127.0.0.1: no proxies, no netrc


def raw_reader(sandbox: RunningSandbox, path: str, params: dict[str, Any]) -> Reader:
    """Pages read with plain requests and a bearer token."""

    def read(paging: dict[str, Any]) -> requests.Response:
        return _SESSION.get(
            sandbox.url + path, params={**params, **paging}, headers=BEARER, timeout=10
        )

    return read


def tweepy_reader(client: tweepy.Client, method: str, *args: Any, **kwargs: Any) -> Reader:
    """Pages read through a real tweepy Client method (its own params and OAuth signing)."""

    def read(paging: dict[str, Any]) -> requests.Response:
        return getattr(client, method)(*args, **kwargs, **paging)

    return read


def walk(
    read: Reader, token_name: str, where: str, fields: FieldSet, tally: Tally, **check: bool
) -> Iterator[dict[str, Any]]:
    """Every page of one read, checked, following next_token until X leaves it out."""
    token = None
    for number in range(10_000):
        response = read({token_name: token} if token else {})
        label = f"{where} page {number + 1}"
        assert response.status_code == 200, f"{label}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/json"), label
        assert_rate_headers(response, label)
        body = response.json()
        check_page(body, fields, label, tally, **check)
        yield body
        token = body["meta"].get("next_token")
        if token is None:
            return
    pytest.fail(f"{where}: the walk never ended")


def tweepy_client(sandbox: RunningSandbox) -> tweepy.Client:
    client = sandbox.client()
    client.return_type = requests.Response  # the raw answer, as helpdesk.x.client reads it
    return client


def read_everything(
    sandbox: RunningSandbox, tally: Tally, customers: list[str], **check: bool
) -> dict[str, list[str]]:
    """Walk mentions, the brand's and customers' posts and recent search, in every field set."""
    brand = sandbox.brand_id
    client = tweepy_client(sandbox)
    seen: dict[str, list[str]] = {}
    for index, fields in enumerate(FIELD_SETS):
        size = (5, 100, 37, 100)[index]
        user_auth = index % 2 == 0
        kwargs = {**fields.tweepy_kwargs(), "max_results": size, "user_auth": user_auth}
        reads: list[tuple[str, Reader, str]] = [
            (
                "mentions (tweepy)",
                tweepy_reader(client, "get_users_mentions", brand, **kwargs),
                "pagination_token",
            ),
            (
                "mentions (requests)",
                raw_reader(
                    sandbox, f"/2/users/{brand}/mentions", {**fields.query(), "max_results": 100}
                ),
                "pagination_token",
            ),
            (
                "brand tweets (tweepy)",
                tweepy_reader(client, "get_users_tweets", brand, **kwargs),
                "pagination_token",
            ),
            (
                "search @brand (tweepy)",
                tweepy_reader(
                    client,
                    "search_recent_tweets",
                    f"@{BRAND_USERNAME}",
                    **{**kwargs, "max_results": max(size, 10)},
                ),
                "next_token",
            ),
            (
                "search @brand (requests)",
                raw_reader(
                    sandbox,
                    "/2/tweets/search/recent",
                    {**fields.query(), "query": f"@{BRAND_USERNAME}", "max_results": 100},
                ),
                "next_token",
            ),
        ]
        for customer in customers:
            reads.append(
                (
                    f"tweets of {customer} (requests)",
                    raw_reader(
                        sandbox, f"/2/users/{customer}/tweets", {**fields.query(), "max_results": 5}
                    ),
                    "pagination_token",
                )
            )
        for name, read, token_name in reads:
            where = f"{name} [{fields.name}]"
            ids = [
                t["id"]
                for body in walk(read, token_name, where, fields, tally, **check)
                for t in body["data"]
            ]
            assert len(set(ids)) == len(ids), f"{where}: an id on two pages"
            seen[where] = ids
    return seen


def create(client: tweepy.Client, text: str, reply_to: str, tally: Tally) -> requests.Response:
    """POST /2/tweets through tweepy; a 201 is checked against X's created shape."""
    response = client.create_tweet(text=text, in_reply_to_tweet_id=reply_to, user_auth=True)
    assert response.status_code == 201, response.text
    assert_valid(CREATED, response.json(), "POST /2/tweets 201")
    assert_rate_headers(response, "POST /2/tweets 201", post=True)
    data = response.json()["data"]
    assert data["edit_history_tweet_ids"] == [data["id"]]
    check_entities(data, "POST /2/tweets 201")
    tally.count("created")
    return response


def customer_post(sandbox: RunningSandbox, **body: Any) -> str:
    response = sandbox.post("/_sandbox/mentions", {"name": "Customer", **body})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def author_id(sandbox: RunningSandbox, tweet_id: str) -> str:
    with sandbox.state.lock:
        return str(sandbox.state.tweets[int(tweet_id)].author_id)


def build_world(sandbox: RunningSandbox, seed: int, tally: Tally) -> tuple[list[str], list[str]]:
    """Bulk mentions, suspended authors, quotes and retweets of them, and brand replies.

    Returns the customers whose own timelines to read and the usernames made unavailable.
    """
    answer = sandbox.post("/_sandbox/mentions/bulk", {"count": 120 + 40 * seed, "seed": seed})
    assert answer.status_code == 201, answer.text
    with sandbox.state.lock:
        mentions = [str(i) for i in sandbox.state.mention_ids]
    gone = f"gone_{seed}"
    hidden = customer_post(
        sandbox,
        username=gone,
        text="届かないんですが Q&A <重要> https://example.com/a?b=1&c=2 &amp; example.com/x",
        author_unavailable=True,
    )
    customer_post(sandbox, username=gone, text="まだですか", in_reply_to_tweet_id=hidden)
    customer_post(sandbox, username=f"quoter_{seed}", text="same here", quote_of=hidden)
    customer_post(sandbox, username=f"echo_{seed}", text="", retweet_of=hidden)
    helper = customer_post(
        sandbox, username=f"helper_{seed}", text="try a restart", in_reply_to_tweet_id=hidden
    )
    client = tweepy_client(sandbox)
    replies = []
    for n, target in enumerate([hidden, helper, *mentions[::13]]):
        replies.append(
            create(
                client,
                f"お問い合わせありがとうございます ({seed}-{n}) <&> https://acme.example/faq?n={n}",
                target,
                tally,
            )
        )
    brand_reply = replies[0].json()["data"]["id"]
    customer_post(sandbox, username=f"fan_{seed}", text="great answer", quote_of=brand_reply)
    customer_post(sandbox, username=gone, text="thanks", in_reply_to_tweet_id=brand_reply)
    quoted = customer_post(sandbox, username=f"quoter_{seed}", text="+1", quote_of=mentions[seed])
    customer_post(sandbox, username=f"echo_{seed}", text="", retweet_of=quoted)
    customers = [author_id(sandbox, t) for t in (hidden, quoted, helper)]
    return customers, [gone]


@pytest.mark.parametrize(("seed", "window"), [(1, 800), (2, 800), (3, 120), (5, 800)])
def test_every_page_of_every_read_has_x_shapes(sandbox, seed, window):
    """Every page of every read (raw and tweepy, four field sets), with authors suspended and
    then restored, matches X's schemas and its references line up."""
    tally = Tally()
    started = time.monotonic()
    sandbox.configure(rate_limit=10**6, post_limit=10**6, mentions_window=window)
    customers, gone = build_world(sandbox, seed, tally)
    before = read_everything(sandbox, tally, customers)
    for username in gone:
        customer_post(sandbox, username=username, text="戻りました", author_unavailable=False)
    with sandbox.state.lock:
        for user in sandbox.state.users.values():
            user.unavailable = False  # the bulk's own suspended authors too
    after = read_everything(sandbox, tally, customers, errors_ok=False)
    assert before.keys() == after.keys()
    mentions = f"mentions (requests) [{CLIENT.name}]"
    assert len(after[mentions]) == min(len(before[mentions]) + 1, window)
    assert after[mentions][1:] == before[mentions][: len(after[mentions]) - 1]
    print(f"\nseed {seed}: {tally} in {time.monotonic() - started:.1f}s")
    assert tally.pages >= 100 and tally.partial_errors > 0
    assert set(tally.references) == {"replied_to", "quoted", "retweeted"}


def test_reads_with_nothing_new_are_exactly_the_empty_page(sandbox):
    """Mentions, the brand's posts and search past the newest id, in every field set, raw and
    through tweepy, answer exactly {"meta": {"result_count": 0}} with the rate-limit headers."""
    tally = Tally()
    sandbox.post("/_sandbox/mentions/bulk", {"count": 30, "seed": 8})
    newest = sandbox.mention("最新です")
    client = tweepy_client(sandbox)
    own = create(client, "承知しました", newest, tally).json()["data"]["id"]
    brand = sandbox.brand_id
    for fields in FIELD_SETS:
        kwargs = fields.tweepy_kwargs()
        answers = [
            client.get_users_mentions(brand, since_id=newest, **kwargs),
            client.get_users_tweets(brand, since_id=own, **kwargs),
            client.search_recent_tweets("@acme_help", since_id=own, **kwargs),
            client.get_users_mentions(brand, until_id="1", user_auth=True, **kwargs),
            raw(sandbox, "GET", f"/2/users/{brand}/mentions", params={"since_id": newest}),
            raw(sandbox, "GET", f"/2/users/{brand}/tweets", params={"since_id": own}),
            raw(
                sandbox,
                "GET",
                "/2/tweets/search/recent",
                params={**fields.query(), "query": "from:nobody_here"},
            ),
        ]
        for number, response in enumerate(answers):
            where = f"empty read {number} [{fields.name}]"
            assert response.status_code == 200, where
            assert_rate_headers(response, where)
            assert_valid(EMPTY_PAGE, response.json(), where)
            tally.count("empty")
    assert tally.kinds["empty"] == 7 * len(FIELD_SETS)


# -- everything that is not a page --------------------------------------------------------


def raw(
    sandbox: RunningSandbox, method: str, path: str, *, auth: bool = True, **kwargs: Any
) -> requests.Response:
    headers = BEARER if auth else {}
    return _SESSION.request(method, sandbox.url + path, headers=headers, timeout=10, **kwargs)


BAD_READS: list[tuple[str, dict[str, str]]] = [
    ("/2/users/{brand}/mentions", {"max_results": "1"}),
    ("/2/users/{brand}/mentions", {"max_results": "101"}),
    ("/2/users/{brand}/mentions", {"max_results": "ten"}),
    ("/2/users/{brand}/mentions", {"since_id": "abc"}),
    ("/2/users/{brand}/mentions", {"until_id": "-1"}),
    ("/2/users/{brand}/mentions", {"pagination_token": "nonsense"}),
    ("/2/users/{brand}/mentions", {"start_time": "yesterday"}),
    ("/2/users/{brand}/mentions", {"tweet.fields": "created_at,bogus"}),
    ("/2/users/{brand}/mentions", {"user.fields": "bogus"}),
    ("/2/users/{brand}/mentions", {"expansions": "pinned_tweet_id"}),
    ("/2/users/{brand}/mentions", {"unknown": "1"}),
    ("/2/users/not-a-number/mentions", {}),
    ("/2/users/{brand}/tweets", {"exclude": "likes"}),
    ("/2/users/{brand}/tweets", {"max_results": "4"}),
    ("/2/tweets/search/recent", {}),
    ("/2/tweets/search/recent", {"query": "   "}),
    ("/2/tweets/search/recent", {"query": "@acme_help OR refund"}),
    ("/2/tweets/search/recent", {"query": "@acme_help", "max_results": "5"}),
    ("/2/tweets/search/recent", {"query": "@acme_help", "next_token": "zzzzzzzzzz"}),
    ("/2/users/me", {"expansions": "author_id"}),
    ("/2/users/me", {"user.fields": "bogus"}),
    ("/2/users", {}),
    ("/2/users", {"ids": ""}),
    ("/2/users", {"ids": "12,abc"}),
    ("/2/users", {"ids": "12,,13"}),
    ("/2/users", {"ids": ",".join(["1"] * 101)}),
    ("/2/users", {"ids": "12", "expansions": "author_id"}),
]


def test_invalid_reads_are_x_invalid_request_400s(sandbox):
    """Every refused read parameter is X's Invalid Request body, with the rate-limit headers."""
    sandbox.mention("hello")
    for path, params in BAD_READS:
        where = f"GET {path} {params}"
        # /2/users/me takes user context: tweepy's OAuth 1.0a signing, not the bearer.
        client = tweepy_client(sandbox)
        if path == "/2/users/me":
            user_fields = params.get("user.fields")
            expansions = params.get("expansions")
            with pytest.raises(tweepy.BadRequest) as error:
                client.get_me(user_auth=True, user_fields=user_fields, expansions=expansions)
            response = error.value.response
        else:
            response = raw(sandbox, "GET", path.format(brand=sandbox.brand_id), params=params)
        assert response.status_code == 400, f"{where}: {response.status_code} {response.text}"
        assert_valid(INVALID_REQUEST, response.json(), where)
        assert_rate_headers(response, where)


def test_problem_answers_have_x_shapes(sandbox):
    """401, 403 (bearer on a user route, duplicate, reply not allowed), 404, 400 posts and 5xx
    are RFC 7807 problems (or Invalid Request) as X writes them."""
    brand = sandbox.brand_id
    client = tweepy_client(sandbox)
    mention = sandbox.mention("質問です")
    stranger = sandbox.post(
        "/_sandbox/tweets", {"username": "stranger", "text": "no mention here"}
    ).json()["id"]
    checks: list[tuple[str, requests.Response, dict[str, Any], bool]] = []

    def expect(where: str, response: requests.Response, schema: dict[str, Any], headers: bool):
        checks.append((where, response, schema, headers))

    expect(
        "no credentials",
        raw(sandbox, "GET", f"/2/users/{brand}/mentions", auth=False),
        problem_schema(401, "Unauthorized", "Unauthorized"),
        False,
    )
    expect(
        "bearer None",
        _SESSION.get(
            sandbox.url + "/2/users/me", headers={"Authorization": "Bearer None"}, timeout=10
        ),
        problem_schema(401, "Unauthorized", "Unauthorized"),
        False,
    )
    expect(
        "bearer on /2/users/me",
        raw(sandbox, "GET", "/2/users/me"),
        problem_schema(
            403, "Unsupported Authentication", kind=PROBLEMS + "unsupported-authentication"
        ),
        False,
    )
    expect(
        "bearer on POST /2/tweets",
        raw(sandbox, "POST", "/2/tweets", json={"text": "hi"}),
        problem_schema(
            403, "Unsupported Authentication", kind=PROBLEMS + "unsupported-authentication"
        ),
        False,
    )
    expect("unknown route", raw(sandbox, "GET", "/2/nothing"), problem_schema(404), False)
    client.create_tweet(text="ありがとうございます", in_reply_to_tweet_id=mention, user_auth=True)
    for where, kwargs, schema in (
        (
            "duplicate content",
            {"text": "ありがとうございます", "in_reply_to_tweet_id": mention},
            problem_schema(403, "Forbidden", DUPLICATE),
        ),
        (
            "reply not allowed",
            {"text": "hello", "in_reply_to_tweet_id": stranger},
            problem_schema(403, "Forbidden", REPLY_NOT_ALLOWED),
        ),
        (
            "too long",
            {"text": "あ" * 141, "in_reply_to_tweet_id": mention},
            problem_schema(400, "Bad Request"),
        ),
        ("empty text", {"text": " ", "in_reply_to_tweet_id": mention}, INVALID_REQUEST),
        (
            "unknown parent",
            {"text": "hi", "in_reply_to_tweet_id": "1234567890123456789"},
            INVALID_REQUEST,
        ),
        ("unknown quote", {"text": "hi", "quote_tweet_id": "1234567890123456789"}, INVALID_REQUEST),
    ):
        with pytest.raises(tweepy.HTTPException) as error:
            client.create_tweet(**kwargs, user_auth=True)
        expect(where, error.value.response, schema, True)
    for where, body in (("not JSON", b"text=hi"), ("text not a string", b'{"text": 5}')):
        response = _SESSION.post(  # a hand-made OAuth header: tweepy only sends valid JSON
            sandbox.url + "/2/tweets",
            data=body,
            headers={
                "Authorization": 'OAuth oauth_consumer_key="ck", oauth_token="at", '
                'oauth_signature="x"',
                "Content-Type": "application/json",
            },
            timeout=10,
        )
        expect(where, response, INVALID_REQUEST, True)
    sandbox.fault(status=503, path="/2/users/*/mentions")
    sandbox.fault(status=500, path="/2/tweets", method="POST")
    with pytest.raises(tweepy.TwitterServerError) as error:
        client.get_users_mentions(brand, user_auth=True)
    expect("503 fault", error.value.response, problem_schema(503, "Service Unavailable"), True)
    with pytest.raises(tweepy.TwitterServerError) as error:
        client.create_tweet(text="x", in_reply_to_tweet_id=mention, user_auth=True)
    expect("500 fault", error.value.response, problem_schema(500), True)
    unknown_user = raw(sandbox, "GET", "/2/users/123456789/mentions")
    expect("timeline of an unknown user", unknown_user, TIMELINE_OF_UNKNOWN_USER, True)
    for where, response, schema, headers in checks:
        assert response.headers["content-type"].startswith("application/json"), where
        assert_valid(schema, response.json(), where)
        if headers:
            assert_rate_headers(response, where, post=response.request.method == "POST")
    assert unknown_user.json()["errors"][0]["resource_id"] == "123456789"


def test_429_answers_have_x_shapes(sandbox):
    """Read, post, 24-hour and fault 429s answer X's body and headers with remaining 0."""
    sandbox.configure(rate_limit=2, post_limit=1, daily_post_limit=2)
    client = tweepy_client(sandbox)
    brand = sandbox.brand_id
    answers = []
    for _ in range(2):
        client.get_users_mentions(brand)
    with pytest.raises(tweepy.TooManyRequests) as error:
        client.get_users_mentions(brand)
    answers.append(("read limit", error.value.response, False))
    client.create_tweet(text="one", in_reply_to_tweet_id=sandbox.mention("a"), user_auth=True)
    with pytest.raises(tweepy.TooManyRequests) as error:
        client.create_tweet(text="two", in_reply_to_tweet_id=sandbox.mention("b"), user_auth=True)
    answers.append(("post limit", error.value.response, True))
    sandbox.configure(post_limit=10, daily_post_limit=1)
    with pytest.raises(tweepy.TooManyRequests) as error:
        client.create_tweet(text="three", in_reply_to_tweet_id=sandbox.mention("c"), user_auth=True)
    answers.append(("24-hour limit", error.value.response, True))
    sandbox.fault(status=429, path="/2/users/me")
    with pytest.raises(tweepy.TooManyRequests) as error:
        client.get_me(user_auth=True)
    answers.append(("fault", error.value.response, False))
    for where, response, post in answers:
        assert_valid(TOO_MANY_REQUESTS, response.json(), where)
        assert_rate_headers(response, where, post=post)
        if where != "24-hour limit":
            assert response.headers["x-rate-limit-remaining"] == "0", where
        else:
            assert response.headers["x-user-limit-24hour-remaining"] == "0", where


def test_users_me_and_users_lookup_have_x_shapes(sandbox):
    """/2/users/me and /2/users answer user objects with only the fields asked for; a lookup's
    found and not-found ids together are exactly the ids asked, each once."""
    client = tweepy_client(sandbox)
    for fields in (BARE, CLIENT, FULL):
        response = client.get_me(
            user_auth=True, **({"user_fields": list(fields.user)} if fields.user else {})
        )
        assert_valid(users_me_schema(fields.user), response.json(), f"users/me [{fields.name}]")
        assert_rate_headers(response, "users/me")
    shown = [author_id(sandbox, sandbox.mention("hi", username=f"shown_{i}")) for i in range(3)]
    hidden = [
        author_id(sandbox, sandbox.mention("hi", username=f"hidden_{i}", author_unavailable=True))
        for i in range(2)
    ]
    unknown = ["424242", "9999999999999999999"]
    asks = [
        [*shown, *hidden, *unknown],
        hidden,
        unknown,
        [shown[0]],
        [shown[1], shown[1], hidden[0]],
        [str(sandbox.brand_id), *shown],
    ]
    for fields in (BARE, CLIENT, FULL):
        for ids in asks:
            where = f"users lookup {ids} [{fields.name}]"
            kwargs = {"user_fields": list(fields.user)} if fields.user else {}
            response = client.get_users(ids=ids, user_auth=fields is CLIENT, **kwargs)
            assert response.status_code == 200, where
            body = response.json()
            assert_valid(users_lookup_schema(fields.user), body, where)
            assert_rate_headers(response, where)
            found = [u["id"] for u in body.get("data", [])]
            missing = [e["resource_id"] for e in body.get("errors", [])]
            asked = list(dict.fromkeys(ids))
            assert sorted(found + missing) == sorted(asked), where
            assert found == [i for i in asked if i in found], f"{where}: not in the order asked"
            assert set(found) == set(asked) - set(hidden) - set(unknown), where
            assert {e["parameter"] for e in body.get("errors", [])} <= {"ids"}, where
    restored = sandbox.mention("back", username="hidden_0", author_unavailable=False)
    body = client.get_users(ids=hidden).json()
    assert [u["id"] for u in body["data"]] == [author_id(sandbox, restored)]


def test_pages_stay_consistent_while_the_trickle_and_suspensions_run():
    """Pages read while a trickle adds mentions and authors are suspended and restored keep
    every reference: nothing is rendered from half-changed state."""
    server = make_sandbox_server("127.0.0.1", 0, rate_limit=10**6, trickle_seconds=0.001, seed=9)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    sandbox = RunningSandbox(url=server.url, state=server.state, server=server)
    stop = threading.Event()
    failures: list[str] = []
    tally = Tally()

    def flip() -> None:
        session = requests.Session()
        session.trust_env = False
        n = 0
        while not stop.wait(0.001):
            n += 1
            body = {"username": "flapper", "text": f"flap {n}", "author_unavailable": n % 2 == 0}
            response = session.post(sandbox.url + "/_sandbox/mentions", json=body, timeout=10)
            if response.status_code != 201:
                failures.append(response.text)

    flipper = threading.Thread(target=flip, daemon=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so an unlocked read would interleave
    try:
        sandbox.post("/_sandbox/mentions/bulk", {"count": 200, "seed": 4})
        flipper.start()
        client = tweepy_client(sandbox)
        deadline = time.monotonic() + 30
        while tally.pages < 16 and time.monotonic() < deadline:
            for fields in (CLIENT, FULL):
                read = tweepy_reader(
                    client,
                    "get_users_mentions",
                    sandbox.brand_id,
                    **fields.tweepy_kwargs(),
                    max_results=100,
                )
                for _ in walk(read, "pagination_token", f"racing [{fields.name}]", fields, tally):
                    pass
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        if flipper.is_alive():
            flipper.join(timeout=10)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert not failures
    assert tally.pages >= 16 and len(server.state.mention_ids) > 200
