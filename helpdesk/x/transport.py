"""Point tweepy's hard-coded X API host at another base URL, give it a timeout, and tell a
counter what each request was (its kind of call and the billable resources X answered)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from helpdesk.x.text import has_link

logger = logging.getLogger(__name__)

X_API_HOST = "https://api.twitter.com"

Timeout = float | tuple[float, float]

# The kinds of call X prices differently (services/costs.py holds the prices, as data).
OWNED_READ = "owned_read"  # the account's own mentions and posts
POST_READ = "post_read"
USER_READ = "user_read"
DM_READ = "dm_read"
POST = "post"
POST_WITH_LINK = "post_with_link"
REPLY = "reply"  # a reply to a post that mentioned or quoted the account
DM = "dm"
OTHER = "other"  # a route nobody priced: counted as a call, never as a cost
KINDS = (OWNED_READ, POST_READ, USER_READ, DM_READ, POST, POST_WITH_LINK, REPLY, DM, OTHER)

_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), kind)
    for method, pattern, kind in (
        ("GET", r"/2/users/[0-9]+/(mentions|tweets)", OWNED_READ),
        ("GET", r"/2/tweets(/search/(recent|all)|/[0-9]+)?", POST_READ),
        ("GET", r"/2/users(/me|/[0-9]+|/by(/username/[^/]+)?)?", USER_READ),
        ("GET", r"/2/dm_events", DM_READ),
        ("GET", r"/2/dm_conversations/(with/)?[^/]+/dm_events", DM_READ),
        ("POST", r"/2/tweets", POST),  # refined by its body: a reply, a link
        ("POST", r"/2/dm_conversations(/with)?/[^/]+/messages", DM),
        ("POST", r"/2/dm_conversations", DM),
    )
)


@dataclass(frozen=True)
class CallUsage:
    """One request to X: its kind of call and, for an answer X bills, the resources by kind."""

    kind: str
    units: dict[str, int] = field(default_factory=dict)


CallCounter = Callable[[CallUsage], None]


def classify(method: str, path: str, body: bytes | None = None) -> str:
    """The kind of call a request is, from its method, path and (for a post) its JSON body."""
    method = method.upper()
    for route_method, pattern, kind in _ROUTES:
        if route_method == method and pattern.fullmatch(path):
            if kind == POST:
                return _kind_of_post(body)
            return kind
    return OTHER


def _kind_of_post(body: bytes | None) -> str:
    """X prices a post with a link at far more than a reply to a post that summoned us."""
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        sent = {}
    if not isinstance(sent, dict):
        sent = {}
    text = sent.get("text") if isinstance(sent.get("text"), str) else ""
    if has_link(text):
        return POST_WITH_LINK
    reply = sent.get("reply")
    if isinstance(reply, dict) and reply.get("in_reply_to_tweet_id"):
        return REPLY
    return POST


def usage_of(kind: str, status: int, answer: bytes | None) -> CallUsage:
    """What X bills for one answer: reads per resource returned (expansions included), writes
    per accepted request; a refused or failed request costs nothing."""
    if not 200 <= status < 300:
        return CallUsage(kind)
    if kind in (POST, POST_WITH_LINK, REPLY, DM):
        return CallUsage(kind, {kind: 1})
    if kind == OTHER:
        return CallUsage(kind)
    try:
        page = json.loads(answer or b"{}")
    except ValueError:
        return CallUsage(kind)
    if not isinstance(page, dict):
        return CallUsage(kind)
    units: dict[str, int] = {}

    def add(unit: str, items: object) -> None:
        count = len(items) if isinstance(items, list) else 1 if isinstance(items, dict) else 0
        if count:
            units[unit] = units.get(unit, 0) + count

    add(kind, page.get("data"))
    includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
    add(USER_READ, includes.get("users"))
    add(POST_READ, includes.get("tweets"))
    return CallUsage(kind, units)


class BaseURLAdapter(HTTPAdapter):
    """An HTTPAdapter that rewrites the X API host to `base_url` and never waits forever.

    tweepy builds every URL as ``https://api.twitter.com`` + route and calls the session
    without a timeout; this adapter sits below tweepy, so tweepy's own request, auth and
    error code runs unchanged. Retries stay off (``max_retries=0``): a POST must not be
    sent twice behind the caller's back. Being below tweepy, it also sees every request the
    client makes: `counter`, when set, is told each one's kind and what X bills for it.
    """

    def __init__(
        self,
        base_url: str | None = None,
        timeout: Timeout = 10.0,
        counter: CallCounter | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.counter = counter
        self.timeout: tuple[float, float] = (
            (float(timeout), float(timeout))
            if isinstance(timeout, int | float)
            else (float(timeout[0]), float(timeout[1]))
        )

    def rewrite_url(self, url: str) -> str:
        """Return `url` with the X API host replaced by the base URL, when one is set."""
        if self.base_url and url.startswith(X_API_HOST + "/"):
            return self.base_url + url[len(X_API_HOST) :]
        return url

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Timeout | None = None,
        verify: bool | str = True,
        cert: object = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if timeout is None:
            timeout = self.timeout
        url = request.url or ""
        new_url = self.rewrite_url(url)
        if new_url != url:
            request.url = new_url
            # Proxies were chosen for api.twitter.com; choose again for the real target
            # so NO_PROXY (e.g. for 127.0.0.1) is honoured.
            proxies = get_environ_proxies(new_url)
        if self.counter is None:
            return super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        method = request.method or "GET"
        body = request.body if isinstance(request.body, bytes) else None
        if isinstance(request.body, str):
            body = request.body.encode()
        kind = classify(method, urlsplit(url).path, body)
        try:
            response = super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        except requests.RequestException:
            self.counter(CallUsage(kind))  # a call made, nothing billed that we can know of
            raise
        # Reads are billed per resource returned; tweepy reads the same cached content after.
        answer = response.content if kind != OTHER and not stream else None
        self.counter(usage_of(kind, response.status_code, answer))
        return response


def attach_transport(
    client: tweepy.Client,
    base_url: str | None,
    timeout: Timeout,
    counter: CallCounter | None = None,
) -> tweepy.Client:
    """Mount a BaseURLAdapter on `client.session` for the X API host and return the client.

    `base_url` (e.g. ``http://127.0.0.1:8090``) replaces ``https://api.twitter.com``; None
    keeps the real host. `timeout` (seconds, or a (connect, read) pair) applies to every
    request that does not pass its own. `counter`, when given, is told of every request.
    """
    adapter = BaseURLAdapter(base_url=base_url, timeout=timeout, counter=counter)
    client.session.mount(X_API_HOST + "/", adapter)
    logger.debug("X API transport: base_url=%s timeout=%s", base_url or X_API_HOST, timeout)
    return client
