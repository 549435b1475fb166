"""Internal notes in the API: staff-only text on a mention or its customer, never sent to X."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Mention, Notification
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import run_jobs

OUT_OF_RANGE = 2**63  # past the 64-bit ids the database binds


def ingest(x, *texts: str, username: str = "hanako_t") -> list[int]:
    for text in texts:
        x.mention(text, username=username)
    ingest_mentions()
    return list(
        db.session.scalars(sa.select(Mention.id).order_by(Mention.created_at, Mention.tweet_id))
    )


def test_notes_are_kept_listed_in_time_order_and_audited(api_as, x, make_employee):
    """POST notes answers 201; GET lists the mention's notes and its customer's, oldest first."""
    first, second = ingest(x, "@acme_help 注文した商品が届きません", "@acme_help まだですか")
    api = api_as("0427")
    made = api.post(f"/mentions/{first}/notes", {"text": "前回も遅延。\n配送業者に確認中"})
    assert made.status_code == 201
    note = made.get_json()["note"]
    assert note["text"] == "前回も遅延。\n配送業者に確認中" and note["author"] == "0427"
    assert note["about"] == "mention" and note["mention_id"] == first
    about = api.post(f"/mentions/{first}/notes", {"text": "VIP のお客様", "about": "customer"})
    assert about.status_code == 201
    listed = api.get(f"/mentions/{first}/notes").get_json()["items"]
    assert [n["text"] for n in listed] == ["前回も遅延。\n配送業者に確認中", "VIP のお客様"]
    # A note about the customer shows on their other mentions too; a mention's does not.
    other = api.get(f"/mentions/{second}/notes").get_json()["items"]
    assert [n["text"] for n in other] == ["VIP のお客様"]
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("note.added") == 2


def test_bad_notes_get_a_code_and_a_message(api_as, x):
    """Empty: 422 note_empty; over 2,000: 422 note_too_long; control characters or not a
    string: 400 invalid_text; unknown or out-of-range mention: 404; nothing is kept."""
    (mention_id,) = ingest(x, "@acme_help hello")
    api = api_as("0427")
    cases = [
        ({"text": "   "}, 422, "note_empty"),
        ({"text": "あ" * 2001}, 422, "note_too_long"),
        ({"text": "bad\x00byte"}, 400, "invalid_text"),
        ({"text": "zero\u200bwidth"}, 400, "invalid_text"),
        ({"text": 42}, 400, "invalid_text"),
        ({"text": "ok", "about": "everyone"}, 400, "invalid_about"),
    ]
    for body, status, code in cases:
        answer = api.post(f"/mentions/{mention_id}/notes", body)
        assert answer.status_code == status, (body, answer.get_json())
        error = answer.get_json()["error"]
        assert error["code"] == code and error["message"]
    assert api.post(f"/mentions/{mention_id}/notes", {"text": "あ" * 2000}).status_code == 201
    for missing in (mention_id + 1000, OUT_OF_RANGE):
        assert api.post(f"/mentions/{missing}/notes", {"text": "x"}).status_code == 404
        assert api.get(f"/mentions/{missing}/notes").status_code == 404
    assert len(api.get(f"/mentions/{mention_id}/notes").get_json()["items"]) == 1


def test_no_note_text_ever_reaches_x(api_as, x, app):
    """After notes and a full reply cycle (claim, reply, worker posts), X received the reply
    but not one byte of any note's text."""
    (mention_id,) = ingest(x, "@acme_help 返品したいです")
    api = api_as("0427")
    secret = "社内メモ-7f3a 返品不可の可能性 @0427"
    api.post(f"/mentions/{mention_id}/claim")
    assert api.post(f"/mentions/{mention_id}/notes", {"text": secret}).status_code == 201
    assert (
        api.post(f"/mentions/{mention_id}/notes", {"text": secret, "about": "customer"})
    ).status_code == 201
    reply = api.post(f"/mentions/{mention_id}/replies", {"text": "承知しました。確認します。"})
    assert reply.status_code == 202
    run_jobs(app)
    assert api.get(f"/replies/{reply.get_json()['reply']['id']}").get_json()["status"] == "posted"
    received = x.get("/_sandbox/received").json()["requests"]
    bodies = [f"{r['path']}?{unquote_plus(r['query'])} {_readable(r['body'])}" for r in received]
    assert any("承知しました" in b for b in bodies)  # the reply did reach X, readable here
    for sent in bodies:
        assert "社内メモ" not in sent and "7f3a" not in sent and "返品不可" not in sent


def _readable(body: str) -> str:
    """A request body with JSON's \\u escapes decoded, so Japanese text can be searched."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        return unquote_plus(body)


def test_an_at_number_notifies_that_colleague_once(api_as, x, make_employee):
    """`@0428` in a note makes one notification for 0428; the author, unknown numbers and an
    X handle like @acme_0428 notify nobody."""
    (mention_id,) = ingest(x, "@acme_help hi")
    make_employee("0428")
    api = api_as("0427")
    text = "@0428 見てください @0428 @0427 @9999 @acme_0428 mail@0428"
    assert api.post(f"/mentions/{mention_id}/notes", {"text": text}).status_code == 201
    rows = db.session.execute(sa.select(Notification.employee_id, Notification.read_at)).all()
    from helpdesk.models import Employee

    colleague = db.session.scalar(sa.select(Employee.id).where(Employee.number == "0428"))
    assert rows == [(colleague, None)]
