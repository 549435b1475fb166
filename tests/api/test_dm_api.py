"""The JSON API for DMs: kind in mentions, ?kind=, replies as DMs, move-to-DM, bad input."""

from __future__ import annotations

import jsonschema
import sqlalchemy as sa

from helpdesk.api.openapi import document
from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.dms import ingest_dms
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs


def conforms(app, name: str, value: object) -> None:
    """`value` validates against the served document's component `name`."""
    doc = document(app)
    validator = jsonschema.Draft202012Validator({**doc, "$ref": f"#/components/schemas/{name}"})
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, errors


def desk(x) -> tuple[int, int]:
    """One public mention and one DM from the same customer; their ids (post, dm)."""
    x.mention("商品が届きません", username="hanako_t")
    x.dm("注文番号 ORD-123456 です", username="hanako_t")
    ingest_mentions()
    ingest_dms()
    post = db.session.scalar(sa.select(Mention.id).where(Mention.kind == "post"))
    dm = db.session.scalar(sa.select(Mention.id).where(Mention.kind == "dm"))
    return post, dm


def test_mentions_carry_kind_and_filter_by_it(app, x, api_as):
    """kind and dm_conversation_id are in the JSON; ?kind=post|dm|all filters the list."""
    api = api_as("0427")
    post, dm = desk(x)
    listed = api.get("/mentions", kind="all").get_json()
    conforms(app, "MentionPage", listed)
    assert {m["id"]: m["kind"] for m in listed["items"]} == {post: "post", dm: "dm"}
    assert [m["id"] for m in api.get("/mentions", kind="dm").get_json()["items"]] == [dm]
    assert [m["id"] for m in api.get("/mentions", kind="post").get_json()["items"]] == [post]
    assert len(api.get("/mentions").get_json()["items"]) == 2
    one = api.get(f"/mentions/{dm}").get_json()
    conforms(app, "MentionWithReplies", one)
    assert one["dm_conversation_id"].count("-") == 1 and one["text"] == "注文番号 ORD-123456 です"
    bad = api.get("/mentions", kind="email")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_kind"


def test_a_dm_is_answered_as_a_dm_through_the_replies_route(app, x, api_as):
    """Claim, reply (no signature, personal data allowed): channel dm, sent once as a DM."""
    api = api_as("0427")
    _, dm = desk(x)
    assert api.post(f"/mentions/{dm}/claim").status_code == 200
    preview = api.post("/replies/preview", {"text": "03-1234-5678 へどうぞ", "mention_id": dm})
    conforms(app, "Preview", preview.get_json())
    assert preview.get_json()["channel"] == "dm" and preview.get_json()["valid"]
    answer = api.post(f"/mentions/{dm}/replies", {"text": "03-1234-5678 へお電話ください"})
    assert answer.status_code == 202
    reply = answer.get_json()["reply"]
    conforms(app, "Reply", reply)
    assert reply["channel"] == "dm" and reply["text"] == "03-1234-5678 へお電話ください"
    run_jobs(app)
    done = api.get(f"/replies/{reply['id']}").get_json()
    assert done["status"] == "posted" and done["x_dm_event_id"] and done["x_tweet_id"] is None
    assert done["author"] == "0427"
    sent = [e for e in x.conversation("hanako_t") if e["sender"] == "brand"]
    assert [e["id"] for e in sent] == [done["x_dm_event_id"]]


def test_an_over_long_dm_is_422_with_the_limit(app, x, api_as):
    """More than 10,000 characters: 422 dm_too_long with the limit, nothing stored."""
    api = api_as("0427")
    _, dm = desk(x)
    refused = api.post(f"/mentions/{dm}/replies", {"text": "あ" * 10_001})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "dm_too_long" and error["limit"] == 10_000
    assert api.get(f"/mentions/{dm}").get_json()["replies"] == []


def test_move_to_dm_answers_in_public_and_links_the_next_dm(app, x, api_as):
    """POST move-to-dm: 202 with a public reply carrying X's DM link; the next DM links."""
    api = api_as("0427")
    x.mention("Where is my order?", username="bob")
    ingest_mentions()
    post = db.session.scalar(sa.select(Mention.id))
    moved = api.post(f"/mentions/{post}/move-to-dm")
    assert moved.status_code == 202
    reply = moved.get_json()["reply"]
    conforms(app, "Reply", reply)
    assert reply["channel"] == "post"
    assert f"https://x.com/messages/compose?recipient_id={x.brand_id}" in reply["text"]
    assert reply["text"].startswith("We'd like to look into this")
    run_jobs(app)
    mention = api.get(f"/mentions/{post}").get_json()
    assert mention["status"] == "answered" and mention["moved_to_dm_at"]
    x.dm("My order is ORD-654321", username="bob")
    ingest_dms()
    dm = api.get("/mentions", kind="dm").get_json()["items"][0]
    assert dm["dm_of_mention_id"] == post and dm["status"] == "open"


def test_move_to_dm_bad_input(app, x, api_as):
    """A DM cannot move to DM (409), text must be a string (400), unknown ids are 404."""
    api = api_as("0427")
    post, dm = desk(x)
    assert api.post(f"/mentions/{dm}/move-to-dm").get_json()["error"]["code"] == "already_dm"
    assert api.post(f"/mentions/{post}/move-to-dm", {"text": 5}).status_code == 400
    assert api.post(f"/mentions/{post}/move-to-dm", {"confirm_warnings": "y"}).status_code == 400
    assert api.post("/mentions/999999/move-to-dm").status_code == 404
    japanese = api.post(f"/mentions/{post}/move-to-dm", {"text": "DMでご連絡ください"})
    assert japanese.status_code == 202
    assert api.post(f"/mentions/{post}/move-to-dm").status_code == 409
