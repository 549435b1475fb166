"""Text with a lone UTF-16 surrogate ("\\ud800" in the JSON) is refused at the API's edge."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Escalation, Mention, MentionStatus, Reply
from helpdesk.services.ingest import ingest_mentions

SURROGATE = "abc \ud800 def"  # json.dumps sends it as the escape "\ud800"


def _post_raw(api, path: str, body: object):
    """POST `body` as JSON text with its escapes as they are (json.dumps: ensure_ascii)."""
    return api.client.post(
        f"/api/v1{path}",
        data=json.dumps(body),
        headers={**api._headers(), "Content-Type": "application/json"},
    )


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "role, path, body",
    [
        ("agent", "/replies/preview", {"text": SURROGATE}),
        ("agent", "/mentions/{mention}/replies", {"text": SURROGATE}),
        ("agent", "/mentions/{mention}/escalate", {"reason": SURROGATE}),
        ("agent", "/mentions/{mention}/dismiss", {"reason": SURROGATE}),
        ("supervisor", "/rules/test", {"text": SURROGATE}),
        ("supervisor", "/rules/guideline", {"kind": "banned_term", "value": SURROGATE}),
        ("agent", "/replies/preview", {"text": "fine", "extra": [{"deep": SURROGATE}]}),
        ("agent", "/replies/preview", {"text": "fine", "\udc00key": 1}),
    ],
)
def test_a_lone_surrogate_is_400_invalid_text_and_stores_nothing(api_as, x, role, path, body):
    """Any string in the body (a value, a nested one, a key) with a lone surrogate: 400."""
    x.mention("my order has not arrived")
    ingest_mentions()
    mention_id = db.session.scalar(sa.select(Mention.id))
    api = api_as("0427", role)
    before = (_count(Reply), _count(Escalation))
    response = _post_raw(api, path.format(mention=mention_id), body)
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_text"
    assert "surrogate" in error["message"]
    db.session.expire_all()
    assert (_count(Reply), _count(Escalation)) == before
    assert db.session.get(Mention, mention_id).status == MentionStatus.OPEN


def test_a_paired_surrogate_escape_is_an_ordinary_emoji(api_as, x):
    """A surrogate pair ("\\ud83d\\ude00") decodes to one emoji and is served as usual."""
    api = api_as("0427")
    response = _post_raw(api, "/replies/preview", {"text": "thanks \U0001f600"})
    assert response.status_code == 200
    assert response.get_json()["text"].startswith("thanks \U0001f600")
