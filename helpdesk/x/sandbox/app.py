"""The X sandbox Flask app: the X API v2 routes the helpdesk uses, plus /_sandbox controls.

Choices where X leaves room (see also helpdesk/x/sandbox/state.py):

- Timelines of a user id that does not exist answer 200 ``{"errors": [resource-not-found]}``
  (no data, no meta), as X does; a non-numeric id is a 400. Mentions exist only for the brand.
- Unknown query parameters, fields or expansions are X's "Invalid Request" 400. Media,
  place and poll fields are accepted and ignored. Search supports AND-ed ``@user``,
  ``from:``, ``to:``, ``conversation_id:``, ``lang:``, ``is:retweet|reply|quote`` (``-``
  negates), keywords and "phrases"; OR and parentheses are a 400. Its 7-day floor clamps
  silently.
- ``GET /2/users?ids=`` (X's users lookup; 1-100 comma-separated ids, ``user.fields``,
  ``tweet.fields`` and the user expansions accepted, rate-limited as ``GET /2/users``)
  answers ``data`` with the users found, in the order asked, and partial not-found
  ``errors`` for unknown or unavailable (suspended) ones; none found: only ``errors``.
  Missing, empty, non-numeric or more than 100 ids are a 400 Invalid Request.
- An expansion puts the field it hangs on into every tweet (``author_id``,
  ``referenced_tweets``, ...) even when ``tweet.fields`` leaves it out, as X does. The user
  endpoints take only user expansions (``pinned_tweet_id``, ``most_recent_tweet_id``,
  ``affiliation.user_id``), which the sandbox has nothing to expand into.
- Every read renders under ``state.lock``: a page never mixes states (the trickle and the
  control routes write under the same lock).
- Control routes (no auth, JSON, errors are 400 ``{"error": ...}``):
  POST /_sandbox/mentions and POST /_sandbox/tweets (the same, but a customer post that
  need not mention the brand) -> 201 ``{"id"}``; ``author_unavailable`` marks the *user*
  unavailable (false restores). POST /_sandbox/mentions/bulk -> 201 ``{"count",
  "oldest_id", "newest_id"}``: content is a function of the seed; times spread over the
  recent past after everything already stored (squeezed when something was just posted).
  GET /_sandbox/tweets?author=brand|<username> (oldest first, 404 for an unknown user).
  POST/GET/DELETE /_sandbox/faults (a fault lists its ``remaining`` count; ``body`` serves
  that text verbatim, with ``status`` or 200: a malformed answer).
  GET/POST /_sandbox/config. POST /_sandbox/reset (back to start-up settings; the brand
  and the id clock stay). GET /_sandbox/stats (``rate_limited`` counts the sandbox's own
  429s; fault 429s count in ``faults_fired``). POST /_sandbox/clock ``{"advance_seconds"}``
  moves the sandbox clock forward (rate windows, created_at, the 7-day search floor).
  GET /_sandbox/received -> ``{"requests": [{"method", "path", "query", "body"}]}``: every
  request X's routes were sent since the last reset (the newest 10,000), oldest first.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import socket
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from helpdesk.x.sandbox import wire
from helpdesk.x.sandbox.dms import (
    DM_EVENT_TYPES,
    DM_MAX_CHARS,
    DM_READ_KEYS,
    DM_SEND_KEY,
    DmRejected,
)
from helpdesk.x.sandbox.faults import Fault
from helpdesk.x.sandbox.rates import POST_KEY
from helpdesk.x.sandbox.search import search_page
from helpdesk.x.sandbox.served import served_text
from helpdesk.x.sandbox.state import (
    MAX_BULK,
    USERNAME_RE,
    PostRejected,
    SandboxError,
    SandboxSettings,
    SandboxState,
    too_many_requests,
    validate_live_settings,
)

logger = logging.getLogger(__name__)

DROP_KEY = "helpdesk.sandbox.drop_connection"
EXTENSION = "x_sandbox"

x_api = Blueprint("x_api", __name__)
control = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")

JSON_TYPE = "application/json; charset=utf-8"


def create_sandbox_app(
    settings: SandboxSettings | None = None, *, state: SandboxState | None = None
) -> Flask:
    """Build the sandbox app around `state` (a fresh one from `settings` by default)."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = state or SandboxState(settings)
    app.register_blueprint(x_api)
    app.register_blueprint(control)
    app.register_error_handler(HTTPException, _http_error)
    app.before_request(_record_received)
    app.wsgi_app = DropConnectionMiddleware(app.wsgi_app)
    return app


def _record_received() -> None:
    """Keep every request to X's routes (not the controls) for GET /_sandbox/received."""
    if not request.path.startswith("/_sandbox"):
        get_state().record_received(
            request.method,
            request.path,
            request.query_string.decode("utf-8", "replace"),
            request.get_data(as_text=True),
        )


def get_state() -> SandboxState:
    return current_app.extensions[EXTENSION]


class DropConnectionMiddleware:
    """Closes the client's socket without an answer when a view asked for it (fault 0)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        result = self.app(environ, start_response)
        if not environ.get(DROP_KEY):
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            # Shut down only: the server closes the fd itself and still needs it valid.
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        # werkzeug treats ConnectionError as "client went away" and writes nothing.
        raise ConnectionAbortedError("X sandbox fault: connection dropped")


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, headers=headers, content_type=JSON_TYPE)


def problem(status: int, detail: str | None = None, title: str | None = None) -> dict[str, object]:
    phrase = HTTPStatus(status).phrase
    return {
        "title": title or phrase,
        "detail": detail or phrase,
        "type": "about:blank",
        "status": status,
    }


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if request.path.startswith("/_sandbox"):
        return json_response({"error": error.description}, status)
    return json_response(
        problem(status, title="Not Found Error" if status == 404 else None), status
    )


# -- the X routes -------------------------------------------------------------------------

UNSUPPORTED_AUTH = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}


def _auth_problem(user_context: bool) -> Response | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme == "OAuth" and all(
        f"{part}=" in credentials
        for part in ("oauth_consumer_key", "oauth_signature", "oauth_token")
    ):
        return None
    # tweepy sends "Bearer None" when it has no bearer token.
    if scheme == "Bearer" and credentials and credentials != "None":
        return json_response(UNSUPPORTED_AUTH, 403) if user_context else None
    return json_response(problem(401), 401)


def _fault_answer(state: SandboxState, key: str, fault: Fault) -> Response | None:
    if fault.latency_ms:
        state.stopping.wait(fault.latency_ms / 1000)
    if fault.body is not None:
        return Response(
            fault.body, fault.status or 200, state.rate_headers(key), content_type=JSON_TYPE
        )
    if fault.status is None:
        return None
    if fault.status == 0:
        request.environ[DROP_KEY] = True
        return Response(status=204)
    if fault.status == 429:
        headers = state.rate_headers(key, exhausted=True)
        return json_response(too_many_requests(), 429, headers)
    return json_response(problem(fault.status), fault.status, state.rate_headers(key))


def _answer(state: SandboxState, key: str, view: Callable[..., Response], kwargs: dict) -> Response:
    user_context = key in ("GET /2/users/me", POST_KEY, DM_SEND_KEY, *DM_READ_KEYS)
    denied = _auth_problem(user_context)
    if denied is not None:
        return denied
    if not state.hit(key):
        return json_response(too_many_requests(), 429, state.rate_headers(key, exhausted=True))
    try:
        response = view(**kwargs)
    except wire.InvalidRequest as error:
        response = json_response(error.body(), 400)
    response.headers.update(state.rate_headers(key))
    return response


def x_endpoint(key: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Wrap an X route with faults, auth, rate limits and the rate-limit headers."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            state = get_state()
            state.count_request(key)
            fault = state.take_fault(request.method, request.path)
            if fault is not None and not fault.after_commit:
                early = _fault_answer(state, key, fault)
                if early is not None:
                    return early
            response = _answer(state, key, view, kwargs)
            if fault is not None and fault.after_commit:
                return _fault_answer(state, key, fault) or response
            return response

        return wrapper

    return decorate


@x_api.get("/2/users/me")
@x_endpoint("GET /2/users/me")
def users_me() -> Response:
    wire.check_params(request.args, ("expansions", "tweet.fields", "user.fields"))
    fields = wire.parse_fields(request.args, users=True)
    state = get_state()
    with state.lock:
        return json_response({"data": wire.render_user(state.brand, fields.user)})


@x_api.get("/2/users")
@x_endpoint("GET /2/users")
def users_lookup() -> Response:
    """X's users lookup: found users in data, unknown or suspended ones as partial errors."""
    args = request.args
    wire.check_params(args, ("ids", "expansions", "tweet.fields", "user.fields"))
    raw = args.get("ids")
    if not raw:
        raise wire.InvalidRequest("ids", "", "The `ids` query parameter can not be empty")
    ids = [wire.parse_id(part, "ids") for part in raw.split(",")]
    if len(ids) > 100:
        raise wire.InvalidRequest(
            "ids", raw[:40], "The `ids` query parameter value must have at most 100 ids"
        )
    fields = wire.parse_fields(args, users=True)
    state = get_state()
    with state.lock:
        return json_response(wire.render_users(state, [i for i in ids if i is not None], fields))


@x_api.get("/2/users/<user_id>/mentions")
@x_endpoint("GET /2/users/:id/mentions")
def users_mentions(user_id: str) -> Response:
    args = request.args
    wire.check_params(args, wire.TIMELINE_PARAMS)
    state = get_state()
    numeric = wire.parse_id(user_id, "id")
    query = wire.parse_query(args, low=5, high=100, default=10, token_params=("pagination_token",))
    fields = wire.parse_fields(args)
    with state.lock:
        if numeric not in state.users:
            return json_response(wire.user_not_found(user_id))
        page = state.mentions_page(numeric, query)
        return json_response(wire.render_page(state, page, fields))


@x_api.get("/2/users/<user_id>/tweets")
@x_endpoint("GET /2/users/:id/tweets")
def users_tweets(user_id: str) -> Response:
    args = request.args
    wire.check_params(args, wire.USER_TWEETS_PARAMS)
    state = get_state()
    numeric = wire.parse_id(user_id, "id")
    query = wire.parse_query(args, low=5, high=100, default=10, token_params=("pagination_token",))
    fields = wire.parse_fields(args)
    exclude = frozenset(v for v in args.get("exclude", "").split(",") if v)
    if exclude - {"retweets", "replies"}:
        raise wire.InvalidRequest(
            "exclude",
            args["exclude"],
            f"The `exclude` query parameter value [{args['exclude']}] is not one of "
            "[replies,retweets]",
        )
    with state.lock:
        if numeric not in state.users:
            return json_response(wire.user_not_found(user_id))
        page = state.user_tweets_page(numeric, query, exclude)
        return json_response(wire.render_page(state, page, fields))


@x_api.get("/2/tweets/search/recent")
@x_endpoint("GET /2/tweets/search/recent")
def search_recent() -> Response:
    args = request.args
    wire.check_params(args, wire.SEARCH_PARAMS)
    terms = wire.parse_search(args.get("query"))
    query = wire.parse_query(
        args, low=10, high=100, default=10, token_params=("next_token", "pagination_token")
    )
    fields = wire.parse_fields(args)
    state = get_state()
    with state.lock:
        page = search_page(state, terms, query)
        return json_response(wire.render_page(state, page, fields))


def _optional_tweet_id(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).isdigit():
        raise wire.InvalidRequest(name, str(value), f"$.{name}: must be a numeric string")
    return int(value)


def _post_input(payload: object) -> tuple[str, int | None, int | None]:
    if not isinstance(payload, dict):
        raise wire.InvalidRequest("body", "", "Request body must be a JSON object")
    text = payload.get("text")
    if not isinstance(text, str) or not _valid_unicode(text):
        raise wire.InvalidRequest("text", str(text), "$.text: must be a valid string")
    reply = payload.get("reply")
    reply_to = None
    if reply is not None:
        if not isinstance(reply, dict):
            raise wire.InvalidRequest("reply", str(reply), "$.reply: must be an object")
        reply_to = _optional_tweet_id(
            reply.get("in_reply_to_tweet_id"), "reply.in_reply_to_tweet_id"
        )
    quote = _optional_tweet_id(payload.get("quote_tweet_id"), "quote_tweet_id")
    return text, reply_to, quote


@x_api.post("/2/tweets")
@x_endpoint(POST_KEY)
def create_tweet() -> Response:
    text, reply_to, quote = _post_input(request.get_json(silent=True))
    state = get_state()
    try:
        tweet = state.post_brand_tweet(text, in_reply_to_tweet_id=reply_to, quote_tweet_id=quote)
    except PostRejected as rejected:
        return json_response(rejected.body, rejected.status)
    text, _ = served_text(tweet.id, tweet.text)  # X's create answer has no entities
    data = {"id": str(tweet.id), "text": text, "edit_history_tweet_ids": [str(tweet.id)]}
    return json_response({"data": data}, 201)


# -- direct messages (user context only) ----------------------------------------------------

_CONVERSATION_RE = re.compile(r"^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$")


def _dm_events(**scope: Any) -> Response:
    args = request.args
    wire.check_params(args, wire.DM_EVENTS_PARAMS)
    query = wire.parse_query(args, low=1, high=100, default=100, token_params=("pagination_token",))
    fields = wire.parse_dm_fields(args)
    state = get_state()
    with state.lock:
        page = state.dm_page(query, event_types=fields.event_types, **scope)
        return json_response(wire.render_dm_page(state, page, fields))


@x_api.get("/2/dm_events")
@x_endpoint("GET /2/dm_events")
def dm_events() -> Response:
    """The brand's one-to-one DM events, newest first (the last 30 days)."""
    return _dm_events()


@x_api.get("/2/dm_conversations/with/<participant_id>/dm_events")
@x_endpoint("GET /2/dm_conversations/with/:participant_id/dm_events")
def dm_events_with(participant_id: str) -> Response:
    """The DM events of the brand's conversation with one user."""
    return _dm_events(participant_id=wire.parse_id(participant_id, "participant_id"))


@x_api.get("/2/dm_conversations/<dm_conversation_id>/dm_events")
@x_endpoint("GET /2/dm_conversations/:dm_conversation_id/dm_events")
def dm_events_in(dm_conversation_id: str) -> Response:
    """The DM events of one conversation, by its id."""
    if not _CONVERSATION_RE.match(dm_conversation_id):
        raise wire.InvalidRequest(
            "dm_conversation_id", dm_conversation_id, "The `dm_conversation_id` is not valid"
        )
    return _dm_events(conversation=dm_conversation_id)


def _dm_text(payload: object) -> str:
    if not isinstance(payload, dict):
        raise wire.InvalidRequest("body", "", "Request body must be a JSON object")
    unknown = sorted(set(payload) - {"text", "attachments"})
    if unknown:
        raise wire.InvalidRequest(unknown[0], "", f"$.{unknown[0]}: is not defined in the schema")
    if "attachments" in payload:
        raise wire.InvalidRequest("attachments", "", "$.attachments: the sandbox has no media")
    text = payload.get("text")
    if not isinstance(text, str) or not _valid_unicode(text):
        raise wire.InvalidRequest("text", str(text), "$.text: must be a valid string")
    return text


def _send_dm(**target: Any) -> Response:
    text = _dm_text(request.get_json(silent=True))
    state = get_state()
    try:
        event = state.send_brand_dm(text, **target)
    except DmRejected as rejected:
        return json_response(rejected.body, rejected.status)
    data = {"dm_conversation_id": event.conversation_id, "dm_event_id": str(event.id)}
    return json_response({"data": data}, 201)


@x_api.post("/2/dm_conversations/with/<participant_id>/messages")
@x_endpoint(DM_SEND_KEY)
def dm_send_with(participant_id: str) -> Response:
    """The brand DMs a user (a new or the existing one-to-one conversation)."""
    return _send_dm(participant_id=wire.parse_id(participant_id, "participant_id"))


@x_api.post("/2/dm_conversations/<dm_conversation_id>/messages")
@x_endpoint(DM_SEND_KEY)
def dm_send_in(dm_conversation_id: str) -> Response:
    """The brand DMs into an existing conversation, by its id."""
    if not _CONVERSATION_RE.match(dm_conversation_id):
        raise wire.InvalidRequest(
            "dm_conversation_id", dm_conversation_id, "The `dm_conversation_id` is not valid"
        )
    return _send_dm(conversation=dm_conversation_id)


# -- control routes -----------------------------------------------------------------------


@control.errorhandler(SandboxError)
def _sandbox_error(error: SandboxError) -> Response:
    return json_response({"error": str(error)}, 400)


def _payload() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise SandboxError("send a JSON object")
    return payload


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        return False
    return True


def _string(payload: dict[str, Any], name: str, *, required: bool, limit: int = 10_000) -> str:
    value = payload.get(name)
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or not value or len(value) > limit or not _valid_unicode(value):
        raise SandboxError(f"{name} must be a non-empty string of at most {limit} characters")
    return value


def _control_id(payload: dict[str, Any], name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
        raise SandboxError(f"{name} must be a tweet id (digits)")
    return int(value)


def _customer_post(as_mention: bool) -> Response:
    payload = _payload()
    username = _string(payload, "username", required=True, limit=15)
    if not USERNAME_RE.match(username):
        raise SandboxError("username must be 1-15 letters, digits or underscores")
    name = _string(payload, "name", required=False, limit=50) or username
    retweet_of = _control_id(payload, "retweet_of")
    text = _string(payload, "text", required=retweet_of is None)
    unavailable = payload.get("author_unavailable")
    if unavailable is not None and not isinstance(unavailable, bool):
        raise SandboxError("author_unavailable must be true or false")
    reply_to = _control_id(payload, "in_reply_to_tweet_id")
    quote_of = _control_id(payload, "quote_of")
    if retweet_of is not None and (reply_to is not None or quote_of is not None):
        raise SandboxError("a retweet cannot also reply or quote")
    tweet = get_state().add_customer_tweet(
        username,
        name,
        text,
        as_mention=as_mention,
        in_reply_to_tweet_id=reply_to,
        retweet_of=retweet_of,
        quote_of=quote_of,
        author_unavailable=unavailable,
    )
    return json_response({"id": str(tweet.id)}, 201)


@control.post("/mentions")
def add_mention() -> Response:
    return _customer_post(as_mention=True)


@control.post("/tweets")
def add_customer_tweet() -> Response:
    return _customer_post(as_mention=False)


@control.post("/mentions/bulk")
def add_bulk() -> Response:
    payload = _payload()
    count = payload.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BULK:
        raise SandboxError(f"count must be an integer from 1 to {MAX_BULK}")
    seed = payload.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | str)):
        raise SandboxError("seed must be an integer or a string")
    oldest, newest = get_state().add_bulk(count, seed)
    return json_response({"count": count, "oldest_id": str(oldest), "newest_id": str(newest)}, 201)


@control.get("/tweets")
def list_tweets() -> Response:
    state = get_state()
    author = request.args.get("author", "")
    if not author:
        raise SandboxError("give ?author=brand or ?author=<username>")
    username = state.brand.username if author == "brand" else author
    with state.lock:
        tweets = state.tweets_by(username)
        if tweets is None:
            return json_response({"error": f"no user @{username}"}, 404)
        data = [
            {
                "id": str(t.id),
                "text": t.text,
                "created_at": wire.rfc3339(t.created_ms),
                "in_reply_to_tweet_id": (
                    str(t.in_reply_to_tweet_id) if t.in_reply_to_tweet_id else None
                ),
            }
            for t in tweets
        ]
    return json_response({"data": data})


def _fault_input(payload: dict[str, Any]) -> Fault:
    status = payload.get("status")
    latency = payload.get("latency_ms", 0)
    count = payload.get("count", 1)
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        raise SandboxError("body must be a string, served verbatim as the answer")
    lowest = 200 if body is not None else 400
    if status is not None and (
        isinstance(status, bool)
        or not isinstance(status, int)
        or not (status == 0 or lowest <= status <= 599)
    ):
        raise SandboxError("status must be 0 (drop the connection) or 400-599 (200-599 with body)")
    if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
        raise SandboxError("latency_ms must be a non-negative integer")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise SandboxError("count must be a positive integer")
    if status is None and not latency and body is None:
        raise SandboxError("give a status, a latency_ms, a body, or a combination")
    path, method = payload.get("path"), payload.get("method")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise SandboxError("path must start with /")
    if method is not None and not isinstance(method, str):
        raise SandboxError("method must be a string such as GET or POST")
    return Fault(
        id=0,
        status=status,
        remaining=count,
        path=path,
        method=method.upper() if method else None,
        latency_ms=latency,
        after_commit=bool(payload.get("after_commit", False)),
        body=body,
    )


@control.post("/faults")
def add_fault() -> Response:
    state = get_state()
    with state.lock:  # a request may consume the fault meanwhile
        return json_response(asdict(state.add_fault(_fault_input(_payload()))), 201)


@control.get("/faults")
def list_faults() -> Response:
    state = get_state()
    with state.lock:
        return json_response({"data": [asdict(f) for f in state.faults]})


@control.delete("/faults")
def clear_faults() -> Response:
    get_state().clear_faults()
    return json_response({"data": []})


@control.route("/config", methods=["GET", "POST"])
def config() -> Response:
    state = get_state()
    if request.method == "GET":
        return json_response(state.configure({}))
    return json_response(state.configure(validate_live_settings(_payload())))


@control.post("/reset")
def reset() -> Response:
    get_state().reset()
    return json_response({"ok": True})


@control.get("/received")
def received() -> Response:
    """Every request X's routes were sent since the last reset: method, path, query, body."""
    return json_response({"requests": get_state().received_requests()})


@control.get("/stats")
def stats() -> Response:
    return json_response(get_state().stats())


@control.post("/clock")
def advance_clock() -> Response:
    seconds = _payload().get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SandboxError("advance_seconds must be a non-negative number")
    now = get_state().advance_clock(float(seconds))
    return json_response({"now": wire.rfc3339(int(now * 1000))})


@control.post("/dms")
def add_dm() -> Response:
    """A customer DMs the brand: 201 {"id"} (the DM event id)."""
    payload = _payload()
    username = _string(payload, "username", required=True, limit=15)
    if not USERNAME_RE.match(username):
        raise SandboxError("username must be 1-15 letters, digits or underscores")
    name = _string(payload, "name", required=False, limit=50) or username
    event_type = payload.get("event_type", "MessageCreate")
    if event_type not in DM_EVENT_TYPES:
        raise SandboxError(f"event_type must be one of {list(DM_EVENT_TYPES)}")
    text = None
    if event_type == "MessageCreate":
        # X allows a DM with an attachment and no text: "" here stands for one.
        text = _string(payload, "text", required=False, limit=DM_MAX_CHARS) or ""
        if not text and payload.get("text") != "":
            raise SandboxError('text must be a string of at most 10000 characters ("" allowed)')
    unavailable = payload.get("author_unavailable")
    if unavailable is not None and not isinstance(unavailable, bool):
        raise SandboxError("author_unavailable must be true or false")
    state = get_state()
    event = state.add_customer_dm(username, name, text, event_type)
    if unavailable is not None:
        state.user_for(username).unavailable = unavailable
    return json_response({"id": str(event.id)}, 201)


@control.post("/dms/from-brand")
def add_brand_dm() -> Response:
    """The brand DMs a customer from another client (not this desk): 201 {"id"}."""
    payload = _payload()
    username = _string(payload, "username", required=True, limit=15)
    text = _string(payload, "text", required=True, limit=DM_MAX_CHARS)
    if not text.strip():
        raise SandboxError("text must not be empty")
    event = get_state().add_brand_dm_elsewhere(username, text)
    return json_response({"id": str(event.id)}, 201)


@control.get("/dms")
def list_dms() -> Response:
    """The brand's conversation with ?with=USERNAME as X holds it, oldest first."""
    state = get_state()
    username = request.args.get("with", "")
    if not username:
        raise SandboxError("give ?with=<username>")
    with state.lock:
        events = state.conversation_with(username)
        if events is None:
            return json_response({"error": f"no user @{username}"}, 404)
        data = [
            {
                "id": str(e.id),
                "event_type": e.event_type,
                "sender": (
                    "brand"
                    if e.sender_id == state.brand.id
                    else state.users[e.sender_id].username
                    if e.sender_id is not None
                    else None
                ),
                "text": e.text,
                "created_at": wire.rfc3339(e.created_ms),
                "dm_conversation_id": e.conversation_id,
            }
            for e in events
        ]
    return json_response({"data": data})


@control.post("/users/<username>")
def set_user(username: str) -> Response:
    """Change a customer: {"accepts_dms": false} makes the brand's DMs to them a 403."""
    if not USERNAME_RE.match(username):
        raise SandboxError("username must be 1-15 letters, digits or underscores")
    payload = _payload()
    unknown = sorted(set(payload) - {"accepts_dms", "unavailable"})
    if unknown or not payload:
        raise SandboxError('give {"accepts_dms": true|false} and/or {"unavailable": true|false}')
    for name in payload:
        if not isinstance(payload[name], bool):
            raise SandboxError(f"{name} must be true or false")
    state = get_state()
    if username.lower() == state.brand.username.lower():
        raise SandboxError("the brand cannot be changed")
    with state.lock:
        if "accepts_dms" in payload:
            user = state.set_accepts_dms(username, payload["accepts_dms"])
        user = state.user_for(username)
        if "unavailable" in payload:
            user.unavailable = payload["unavailable"]
        body = {
            "id": str(user.id),
            "username": user.username,
            "accepts_dms": user.id not in state.dms_closed,
            "unavailable": user.unavailable,
        }
    return json_response(body)
