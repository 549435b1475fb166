"""A lone surrogate cannot reach a web form's text: Werkzeug decodes form bodies safely."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Reply
from tests.support.web import csrf_from

SURROGATE_UTF8 = b"\xed\xa0\x80"  # what a "\ud800" would be, were it encodable


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_surrogate_bytes_in_the_composer_never_store_a_surrogate(
    client, make_employee, login, mentions, encoding
):
    """Posting a surrogate's bytes (raw or %-escaped) is served without a 500 or a surrogate."""
    make_employee("0427")
    login("0427")
    (mention_id,) = mentions("my order has not arrived")
    token = csrf_from(client.get(f"/mentions/{mention_id}").text).encode()
    if encoding == "urlencoded":
        body = b"csrf_token=" + token + b"&text=abc%ED%A0%80def"
        content_type = "application/x-www-form-urlencoded"
    else:
        parts = [(b"csrf_token", token), (b"text", b"abc " + SURROGATE_UTF8 + b" def")]
        body = b"".join(
            b'--b\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
            for name, value in parts
        )
        body += b"--b--\r\n"
        content_type = "multipart/form-data; boundary=b"
    response = client.post(f"/mentions/{mention_id}/reply", data=body, content_type=content_type)
    assert response.status_code < 500
    for text in db.session.scalars(sa.select(Reply.text)):
        assert not any("\ud800" <= ch <= "\udfff" for ch in text)
