"""The JSON API contract: tokens, errors, mentions, claims, replies, preview, dismiss, health."""

from __future__ import annotations

import base64

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services.ingest import ingest_mentions
from tests.support.app import PASSWORD, run_jobs


def ingest(x, *texts: str) -> list[int]:
    for text in texts:
        x.mention(text)
    ingest_mentions()
    return list(
        db.session.scalars(sa.select(Mention.id).order_by(Mention.created_at, Mention.tweet_id))
    )


def test_token_for_number_and_password(client, make_employee):
    """POST /auth/token trades a correct number and password for a working token."""
    make_employee("0427")
    response = client.post("/api/v1/auth/token", json={"number": "0427", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    listed = client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


def test_wrong_password_and_unknown_number_get_the_same_answer(client, make_employee):
    """A failed login says the same thing whether or not the number exists."""
    make_employee("0427")
    wrong = client.post("/api/v1/auth/token", json={"number": "0427", "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"number": "9999", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"


def test_a_suspended_employee_hears_so_only_with_the_right_password(client, make_employee):
    """Right password: 403 account_suspended; wrong: the answer an unknown number gets."""
    from helpdesk.services.employees import set_active

    set_active(make_employee("0427"), False)
    right = client.post("/api/v1/auth/token", json={"number": "0427", "password": PASSWORD})
    assert right.status_code == 403
    assert right.get_json()["error"]["code"] == "account_suspended"
    wrong = client.post("/api/v1/auth/token", json={"number": "0427", "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/token", json={"number": "9999", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_requests_without_a_valid_token_are_401(client, app):
    """No token, or a made-up one, is a JSON 401."""
    assert client.get("/api/v1/mentions").status_code == 401
    bad = client.get("/api/v1/mentions", headers={"Authorization": "Bearer hd_made_up"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"


def test_suspending_an_employee_ends_their_tokens(client, app, make_employee):
    """A suspended employee's token stops working at once."""
    from helpdesk.services.employees import create_token, set_active

    agent = make_employee("0427")
    token = create_token(agent)
    set_active(agent, False)
    response = client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_malformed_json_is_a_400_with_a_code(api_as):
    """A body that is not a JSON object gets 400 invalid_request, not a traceback."""
    api = api_as("0427")
    response = api.client.post(
        "/api/v1/replies/preview",
        data="{not json",
        headers={**api._headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


def test_mentions_list_pages_by_cursor(api_as, x):
    """Keyset paging returns every open mention once, oldest first, then no cursor."""
    ids = ingest(x, *(f"question {n}" for n in range(5)))
    api = api_as("0427")
    first = api.get("/mentions", limit=3).get_json()
    second = api.get("/mentions", limit=3, cursor=first["next_cursor"]).get_json()
    assert [m["id"] for m in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    item = first["items"][0]
    assert set(item) >= {
        "id",
        "tweet_id",
        "conversation_id",
        "author",
        "text",
        "created_at",
        "status",
        "priority",
        "claimed_by",
        "escalated",
    }
    assert isinstance(item["tweet_id"], str) and item["created_at"].endswith("Z")


def test_one_batch_pages_in_the_customers_order(api_as, x):
    """Mentions ingested together page oldest first by the customer's time, newest first for all."""
    for text in ("A", "B", "C", "D", "E"):
        x.mention(text)
    ingest_mentions()
    api = api_as("0427")
    for status, order in (("open", "ABCDE"), ("all", "EDCBA")):
        seen, cursor = [], None
        while True:
            paging = {"cursor": cursor} if cursor else {}
            body = api.get("/mentions", status=status, limit=2, **paging)
            seen += [item["text"].split()[-1] for item in body.get_json()["items"]]
            cursor = body.get_json()["next_cursor"]
            if cursor is None:
                break
        assert "".join(seen) == order, status


def test_a_forged_cursor_is_a_400_with_a_code(api_as, x):
    """A cursor we did not issue (old ids, junk, overflowing numbers) is 400 invalid_cursor."""
    ingest(x, "one", "two", "three")
    api = api_as("0427")
    issued = api.get("/mentions", limit=1).get_json()["next_cursor"]
    overflow = base64.urlsafe_b64encode(b"1.99999999999999999999").decode()
    for cursor in ("1", issued + "A", issued[:-2] + "!!", overflow, "é", "%ff", "A" * 500):
        response = api.get("/mentions", cursor=cursor)
        assert response.status_code == 400, cursor
        assert response.get_json()["error"]["code"] == "invalid_cursor", cursor


def test_bad_list_parameters_are_400(api_as):
    """An unknown status, a bad limit or a bad cursor is a 400 naming the parameter."""
    api = api_as("0427")
    for params in ({"status": "bogus"}, {"limit": "0"}, {"limit": "abc"}, {"cursor": "x1"}):
        response = api.get("/mentions", **params)
        assert response.status_code == 400, params
        assert response.get_json()["error"]["code"].startswith("invalid"), params


def test_claim_conflict_names_the_holder(api_as, x):
    """A second agent's claim is a 409 already_claimed naming who holds it."""
    (mention_id,) = ingest(x, "help please")
    first, second = api_as("0427"), api_as("0428")
    assert first.post(f"/mentions/{mention_id}/claim").status_code == 200
    response = second.post(f"/mentions/{mention_id}/claim")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "already_claimed" and error["claimed_by"] == "0427"
    assert "0427" in error["message"]
    assert first.post(f"/mentions/{mention_id}/release").status_code == 200
    assert second.post(f"/mentions/{mention_id}/claim").get_json()["claimed_by"] == "0428"


def test_an_expired_claim_can_be_taken(api_as, x, app):
    """Claims expire: after the TTL another agent may claim."""
    from datetime import timedelta

    from helpdesk.models.types import utcnow

    (mention_id,) = ingest(x, "help please")
    first, second = api_as("0427"), api_as("0428")
    first.post(f"/mentions/{mention_id}/claim")
    db.session.execute(sa.update(Mention).values(claim_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert second.post(f"/mentions/{mention_id}/claim").status_code == 200


def test_reply_is_accepted_and_posted(api_as, x, app):
    """POST replies answers 202 with the signed reply; the worker posts it; GET shows posted."""
    (mention_id,) = ingest(x, "@acme_help 配送状況を教えてください")
    api = api_as("0427")
    api.post(f"/mentions/{mention_id}/claim")
    response = api.post(f"/mentions/{mention_id}/replies", {"text": "確認してDMでご連絡します。"})
    assert response.status_code == 202
    reply = response.get_json()["reply"]
    assert reply["text"] == "確認してDMでご連絡します。 ^0427"
    assert reply["status"] == "queued" and reply["author"] == "0427"
    run_jobs(app)
    posted = api.get(f"/replies/{reply['id']}").get_json()
    assert posted["status"] == "posted" and posted["x_tweet_id"] and posted["posted_at"]
    detail = api.get(f"/mentions/{mention_id}").get_json()
    assert detail["status"] == "answered" and detail["replies"][0]["id"] == reply["id"]


def test_empty_and_overlong_replies_are_422_with_the_count(api_as, x):
    """An empty or over-280 reply is 422 guideline_violation with the weighted length."""
    (mention_id,) = ingest(x, "hi")
    api = api_as("0427")
    empty = api.post(f"/mentions/{mention_id}/replies", {"text": "   "})
    assert empty.status_code == 422
    assert empty.get_json()["error"]["code"] == "guideline_violation"
    long = api.post(f"/mentions/{mention_id}/replies", {"text": "あ" * 140})
    error = long.get_json()["error"]
    assert long.status_code == 422 and error["weighted_length"] == 280 + len(" ^0427")
    assert any(v["rule"] == "length" for v in error["violations"])


def test_warnings_need_an_explicit_confirm(api_as, x):
    """A warn-level finding is refused until confirm_warnings is true."""
    (mention_id,) = ingest(x, "hi")
    api = api_as("0427")
    text = "Please see https://unknown-site.example.net/help for details"
    refused = api.post(f"/mentions/{mention_id}/replies", {"text": text})
    assert refused.status_code == 422
    assert all(v["severity"] == "warn" for v in refused.get_json()["error"]["violations"])
    accepted = api.post(f"/mentions/{mention_id}/replies", {"text": text, "confirm_warnings": True})
    assert accepted.status_code == 202


def test_preview_counts_with_the_signature_and_stores_nothing(api_as, x):
    """Preview returns the signed text and its weighted length, and creates no reply."""
    api = api_as("0427")
    body = api.post("/replies/preview", {"text": "ありがとうございます"}).get_json()
    assert body["text"] == "ありがとうございます ^0427"
    assert body["weighted_length"] == 10 * 2 + 6 and body["valid"] is True
    from helpdesk.models import Reply

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0


def test_dismiss_needs_a_reason_and_records_it(api_as, x):
    """Dismiss without a reason is 400; with one it closes the mention and keeps the reason."""
    (mention_id,) = ingest(x, "BUY CHEAP FOLLOWERS")
    api = api_as("0427")
    assert api.post(f"/mentions/{mention_id}/dismiss", {}).status_code == 400
    response = api.post(f"/mentions/{mention_id}/dismiss", {"reason": "spam"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "dismissed"
    assert api.get("/mentions", status="dismissed").get_json()["items"][0]["id"] == mention_id
    again = api.post(f"/mentions/{mention_id}/claim")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "not_open"


def test_unknown_ids_are_404(api_as):
    """Unknown mention and reply ids are JSON 404s."""
    api = api_as("0427")
    assert api.get("/mentions/999").status_code == 404
    assert api.post("/mentions/999/claim").status_code == 404
    assert api.get("/replies/999").get_json()["error"]["code"] == "not_found"


def test_agents_cannot_approve(api_as, x):
    """Approving is for supervisors: an agent gets 403."""
    api = api_as("0427")
    assert api.post("/replies/1/approve").status_code == 403


def test_health_reports_db_redis_and_ingest_lag(api_as, x, client):
    """Health says db and redis are ok and how long ago the last ingest was."""
    ingest(x, "hello")
    body = client.get("/api/v1/health").get_json()
    assert body["db"] == "ok" and body["redis"] == "ok" and body["x_api"] == "ok"
    assert body["last_ingest_at"] and body["ingest_lag_seconds"] >= 0


def test_customer_text_is_returned_verbatim_as_json(api_as, x):
    """Hostile text comes back as data, exactly as written."""
    hostile = '@acme_help <img src=x onerror=alert(1)> "quotes" & ampersands'
    ingest(x, hostile)
    item = api_as("0427").get("/mentions").get_json()["items"][0]
    assert item["text"] == hostile


def test_control_characters_are_refused_and_preview_says_why(api_as, x):
    """A NUL in a reply is 422 with a control_character finding; preview says valid false."""
    from helpdesk.models import Reply

    (mention_id,) = ingest(x, "hi")
    api = api_as("0427")
    preview = api.post("/replies/preview", {"text": "Thanks\x00 for waiting"}).get_json()
    assert preview["valid"] is False
    assert [v["rule"] for v in preview["violations"]] == ["control_character"]
    assert "U+0000" in preview["violations"][0]["message"]
    refused = api.post(f"/mentions/{mention_id}/replies", {"text": "Thanks\x00 for waiting"})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "guideline_violation"
    assert [v["rule"] for v in error["violations"]] == ["control_character"]
    confirmed = api.post(
        f"/mentions/{mention_id}/replies", {"text": "Hi\u200b", "confirm_warnings": True}
    )
    assert confirmed.status_code == 422  # a block, not a warning: confirming does not send it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply)) == 0
    multi = api.post("/replies/preview", {"text": "Thanks!\nWe will check."}).get_json()
    assert multi["valid"] is True


def test_approve_refuses_a_stored_reply_with_a_control_character(api_as, x):
    """A trainee's reply stored with a control character (before the check) is not approved.

    BEL, not NUL: PostgreSQL's text cannot hold a NUL at all."""
    from helpdesk.models import Reply

    (mention_id,) = ingest(x, "hi")
    trainee, supervisor = api_as("0201", role="trainee"), api_as("0002", role="supervisor")
    reply_id = trainee.post(f"/mentions/{mention_id}/replies", {"text": "Hello"}).get_json()[
        "reply"
    ]["id"]
    db.session.execute(sa.update(Reply).values(text="Hel\x07lo ^0201"))
    db.session.commit()
    refused = supervisor.post(f"/replies/{reply_id}/approve")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["violations"][0]["rule"] == "control_character"
    assert supervisor.get(f"/replies/{reply_id}").get_json()["status"] == "pending_approval"
