"""The sandbox's direct messages, driven by real tweepy over HTTP and held to X's DM shapes.

The schemas below follow X's published OpenAPI (xdevplatform/xdk latest-openapi.json:
DmEvent, Get2DmEventsResponse, CreateDmEventResponse, DmConversationId).
"""

from __future__ import annotations

import pytest
import requests
import tweepy
from jsonschema import Draft202012Validator

from helpdesk.x.sandbox.dms import DM_MAX_CHARS

pytestmark = pytest.mark.backend_free  # no database, no Redis: one CI pass runs it

USER_AUTH = {"user_auth": True}
ID = {"type": "string", "pattern": "^[0-9]{1,19}$"}
CONVERSATION_ID = {"type": "string", "pattern": "^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$"}
TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"}
DM_EVENT = {
    "type": "object",
    "required": ["id", "event_type"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "event_type": {"enum": ["MessageCreate", "ParticipantsJoin", "ParticipantsLeave"]},
        "text": {"type": "string"},
        "sender_id": ID,
        "dm_conversation_id": CONVERSATION_ID,
        "created_at": TIME,
        "participant_ids": {"type": "array", "minItems": 1, "items": ID},
    },
}
USER = {
    "type": "object",
    "required": ["id", "name", "username"],
    "properties": {"id": ID, "name": {"type": "string"}, "username": {"type": "string"}},
}
PAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["meta"],
    "properties": {
        "data": {"type": "array", "minItems": 1, "items": DM_EVENT},
        "includes": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"users": {"type": "array", "minItems": 1, "items": USER}},
        },
        "errors": {"type": "array", "minItems": 1},
        "meta": {
            "type": "object",
            "additionalProperties": False,
            "required": ["result_count"],
            "properties": {
                "result_count": {"type": "integer", "minimum": 0},
                "next_token": {"type": "string"},
            },
        },
    },
}
SENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["dm_conversation_id", "dm_event_id"],
            "properties": {"dm_conversation_id": CONVERSATION_ID, "dm_event_id": ID},
        }
    },
}
PROBLEM = {
    "type": "object",
    "required": ["title", "detail", "type"],
    "properties": {"title": {"type": "string"}, "detail": {"type": "string"}},
}
CLIENT_FIELDS = {
    "dm_event_fields": [
        "id",
        "event_type",
        "text",
        "sender_id",
        "dm_conversation_id",
        "created_at",
    ],
    "expansions": ["sender_id"],
    "user_fields": ["username", "name"],
}


def refused(call, *args, **kwargs) -> requests.Response:
    """The answer of a call tweepy raises for (4xx, 5xx)."""
    with pytest.raises(tweepy.HTTPException) as error:
        call(*args, **kwargs)
    return error.value.response


def check(schema: dict, body: object) -> None:
    errors = list(Draft202012Validator(schema).iter_errors(body))
    assert not errors, [e.message for e in errors]


def walk(client: tweepy.Client, **params) -> list[dict]:
    pages, token = [], None
    while True:
        body = client.get_direct_message_events(pagination_token=token, **params).json()
        check(PAGE, body)
        pages.append(body)
        token = body["meta"].get("next_token")
        if token is None:
            return pages


@pytest.fixture
def raw(sandbox):
    """tweepy with requests.Response answers, so bodies can be held to the schemas."""
    client = sandbox.client()
    client.return_type = requests.Response
    return client


def test_dm_events_are_newest_first_paged_and_x_shaped(sandbox, raw):
    """GET /2/dm_events pages newest first with next_token; every page fits X's schema."""
    ids = [sandbox.dm(f"注文について {i}", username=f"cust{i % 3}") for i in range(7)]
    pages = walk(raw, max_results=3, **CLIENT_FIELDS)
    seen = [event["id"] for page in pages for event in page["data"]]
    assert seen == ids[::-1]
    assert [len(p["data"]) for p in pages] == [3, 3, 1]
    event = pages[0]["data"][0]
    assert event["event_type"] == "MessageCreate" and event["text"] == "注文について 6"
    sender = event["sender_id"]
    assert sender in {u["id"] for u in pages[0]["includes"]["users"]}
    assert event["dm_conversation_id"] == "-".join(sorted([sender, sandbox.brand_id], key=int))


def test_bare_read_has_only_id_event_type_and_text(sandbox, raw):
    """Without fields an event has only id, event_type and (for a message) text."""
    sandbox.dm("hello")
    sandbox.post("/_sandbox/dms", {"username": "hanako_t", "event_type": "ParticipantsLeave"})
    body = raw.get_direct_message_events().json()
    check(PAGE, body)
    assert [set(e) for e in body["data"]] == [{"id", "event_type"}, {"id", "event_type", "text"}]
    assert raw.get_direct_message_events(event_types="ParticipantsJoin").json() == {
        "meta": {"result_count": 0}
    }


def test_conversation_reads_and_both_send_routes(sandbox, raw):
    """A send by participant or by conversation id lands in that conversation only."""
    sandbox.dm("to brand", username="alice")
    sandbox.dm("other", username="bob")
    alice = sandbox.state.users_by_name["alice"].id
    first = raw.create_direct_message(participant_id=alice, text="hi alice")
    check(SENT, first.json())
    conv = first.json()["data"]["dm_conversation_id"]
    second = raw.create_direct_message(dm_conversation_id=conv, text="again")
    assert second.status_code == 201
    check(SENT, second.json())
    body = raw.get_direct_message_events(participant_id=alice, **CLIENT_FIELDS).json()
    check(PAGE, body)
    assert [e["text"] for e in body["data"]] == ["again", "hi alice", "to brand"]
    by_id = raw.get_direct_message_events(dm_conversation_id=conv).json()
    assert [e["id"] for e in by_id["data"]] == [e["id"] for e in body["data"]]
    held = sandbox.conversation("alice")
    assert [(e["sender"], e["text"]) for e in held] == [
        ("alice", "to brand"),
        ("brand", "hi alice"),
        ("brand", "again"),
    ]


def test_a_customer_who_does_not_accept_dms_makes_sends_a_403(sandbox, raw):
    """accepts_dms false: X's 403 problem, nothing stored; a DM from them opens it again."""
    sandbox.dm("hello", username="closed1")
    user = sandbox.state.users_by_name["closed1"].id
    assert (
        sandbox.post("/_sandbox/users/closed1", {"accepts_dms": False}).json()["accepts_dms"]
        is False
    )
    response = refused(raw.create_direct_message, participant_id=user, text="hi")
    assert response.status_code == 403
    check(PROBLEM, response.json())
    assert len(sandbox.conversation("closed1")) == 1
    sandbox.dm("me again", username="closed1")
    assert raw.create_direct_message(participant_id=user, text="hi").status_code == 201


def test_send_limits_text_length_and_bad_input(sandbox, raw):
    """10,000 characters pass, one more is a 400; empty text, unknown user, bad ids are 400s."""
    sandbox.dm("hello", username="longdm")
    user = sandbox.state.users_by_name["longdm"].id
    assert (
        raw.create_direct_message(participant_id=user, text="あ" * DM_MAX_CHARS).status_code == 201
    )
    too_long = refused(
        raw.create_direct_message, participant_id=user, text="a" * (DM_MAX_CHARS + 1)
    )
    assert too_long.status_code == 400
    assert refused(raw.create_direct_message, participant_id=user, text=" ").status_code == 400
    assert refused(raw.create_direct_message, participant_id=123, text="x").status_code == 400
    assert refused(raw.create_direct_message, participant_id="abc", text="x").status_code == 400
    assert refused(raw.get_direct_message_events, max_results=0).status_code == 400
    assert refused(raw.get_direct_message_events, dm_event_fields="nope").status_code == 400


def test_dm_routes_need_user_context_and_have_their_own_rate_limits(sandbox, raw):
    """A bearer is refused; reads run out after dm_read_limit, sends after dm_send_limit."""
    response = requests.get(
        sandbox.url + "/2/dm_events", headers={"Authorization": "Bearer b"}, timeout=5
    )
    assert response.status_code == 403
    sandbox.configure(dm_read_limit=2, dm_send_limit=1)
    sandbox.dm("hi", username="limits")
    user = sandbox.state.users_by_name["limits"].id
    first = raw.get_direct_message_events()
    assert first.headers["x-rate-limit-limit"] == "2"
    assert raw.get_direct_message_events().status_code == 200
    limited = refused(raw.get_direct_message_events)
    assert limited.status_code == 429 and limited.headers["x-rate-limit-remaining"] == "0"
    sent = raw.create_direct_message(participant_id=user, text="one")
    assert sent.status_code == 201 and "x-user-limit-24hour-remaining" in sent.headers
    assert refused(raw.create_direct_message, participant_id=user, text="two").status_code == 429
    assert len(sandbox.conversation("limits")) == 2


def test_daily_send_cap_and_30_day_window(sandbox, raw):
    """daily_dm_limit refuses with 429; events older than 30 days are no longer served."""
    sandbox.configure(daily_dm_limit=1)
    sandbox.dm("old", username="windowed")
    user = sandbox.state.users_by_name["windowed"].id
    assert raw.create_direct_message(participant_id=user, text="a").status_code == 201
    assert refused(raw.create_direct_message, participant_id=user, text="b").status_code == 429
    sandbox.post("/_sandbox/clock", {"advance_seconds": 31 * 86_400})
    assert raw.get_direct_message_events().json() == {"meta": {"result_count": 0}}


def test_unavailable_sender_is_a_partial_error(sandbox, raw):
    """A sender X cannot describe is left out of includes and named in errors."""
    sandbox.dm("who am i", username="ghost", author_unavailable=True)
    body = raw.get_direct_message_events(**CLIENT_FIELDS).json()
    check(PAGE, body)
    assert "includes" not in body
    assert body["errors"][0]["resource_type"] == "user"


def test_after_commit_fault_sends_the_dm_and_loses_the_answer(sandbox, raw):
    """after_commit: the DM exists on X although the client saw an error."""
    sandbox.dm("hi", username="ambig")
    user = sandbox.state.users_by_name["ambig"].id
    sandbox.fault(status=503, path="/2/dm_conversations/*/messages", after_commit=True)
    assert refused(raw.create_direct_message, participant_id=user, text="sent?").status_code == 503
    assert [e["text"] for e in sandbox.conversation("ambig")] == ["hi", "sent?"]


def test_dm_control_routes_validate_input(sandbox):
    """Bad control input is a 400 with a sentence; unknown users are 404."""
    assert sandbox.post("/_sandbox/dms", {"username": "bad name", "text": "x"}).status_code == 400
    assert (
        sandbox.post("/_sandbox/dms", {"username": "ok", "event_type": "Nope"}).status_code == 400
    )
    assert sandbox.post("/_sandbox/dms", {"username": "ok", "text": 5}).status_code == 400
    assert sandbox.post("/_sandbox/dms", {"username": "acme_help", "text": "x"}).status_code == 400
    assert sandbox.post("/_sandbox/users/ok", {"accepts_dms": "no"}).status_code == 400
    assert sandbox.post("/_sandbox/users/ok", {}).status_code == 400
    assert sandbox.get("/_sandbox/dms", **{"with": "nobody_here"}).status_code == 404
    assert sandbox.get("/_sandbox/dms").status_code == 400
    assert sandbox.post("/_sandbox/dms", {"username": "ok", "text": ""}).status_code == 201


def test_the_trickle_sends_dms_too():
    """The demo's trickle adds DMs (about one in four) beside mentions."""
    import time

    from helpdesk.x.sandbox import SandboxState
    from helpdesk.x.sandbox.server import Trickle

    state = SandboxState()
    trickle = Trickle(state, 0.005, seed=3)
    trickle.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (len(state.dm_ids) < 3 or len(state.mention_ids) < 3):
        time.sleep(0.05)
    trickle.stop()
    assert len(state.dm_ids) >= 3 and len(state.mention_ids) >= 3
    event = state.dm_events[state.dm_ids[0]]
    assert event.event_type == "MessageCreate" and event.text


def test_a_customer_invited_to_dm_often_writes_back():
    """After the brand's move-to-DM reply, trickled DMs come from that customer."""
    import random

    from helpdesk.x.sandbox import SandboxState

    state = SandboxState()
    mention = state.add_customer_tweet("invited", "招待 太郎", "荷物が届きません")
    state.post_brand_tweet(
        "DMでご連絡ください https://x.com/messages/compose?recipient_id=1",
        in_reply_to_tweet_id=mention.id,
    )
    rng = random.Random(1)
    senders = {state.add_random_dm(rng).sender_id for _ in range(10)}
    assert state.users_by_name["invited"].id in senders


def test_a_brand_dm_from_another_client_is_in_the_conversation(sandbox, raw):
    """POST /_sandbox/dms/from-brand adds a MessageCreate from the brand to that customer's
    conversation, as X's own app would; the brand itself or an unknown customer is a 400."""
    sandbox.dm("to brand", username="alice")
    made = sandbox.post("/_sandbox/dms/from-brand", {"username": "alice", "text": "from X's app"})
    assert made.status_code == 201
    events = raw.get_direct_message_events(**CLIENT_FIELDS).json()["data"]
    assert events[0]["id"] == made.json()["id"] and events[0]["text"] == "from X's app"
    assert events[0]["sender_id"] == str(sandbox.state.brand.id)
    assert [(e["sender"], e["text"]) for e in sandbox.conversation("alice")] == [
        ("alice", "to brand"),
        ("brand", "from X's app"),
    ]
    for body in ({"username": "acme_help", "text": "x"}, {"username": "nobody", "text": "x"}):
        assert sandbox.post("/_sandbox/dms/from-brand", body).status_code == 400
