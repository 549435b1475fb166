"""Internal notes on the mention page, and the notifications page their `@0427` fills."""

from __future__ import annotations

import re

from tests.support.web import csrf_from, post_form


def test_a_note_shows_in_the_conversation_after_the_message_it_follows(
    client, login, make_employee, mentions
):
    """The note form keeps a staff-only note, shown escaped in the thread after the mention."""
    (mention_id,) = mentions("@acme_help 画面が割れました")
    make_employee("0427")
    login("0427")
    page = f"/mentions/{mention_id}"
    answer = post_form(client, f"{page}/notes", {"note-text": "<b>保証</b>対象か確認"}, page=page)
    assert answer.status_code == 302
    html = client.get(page, headers={"Accept-Language": "en"}).text
    assert "&lt;b&gt;保証&lt;/b&gt;対象か確認" in html and "<b>保証" not in html
    # In time order: the customer's message, then the note.
    assert html.index("画面が割れました") < html.index("保証&lt;/b&gt;対象か確認")
    assert 'data-testid="note"' in html


def test_bad_notes_are_refused_with_the_forms_message(client, login, make_employee, mentions):
    """Control characters: 400 with a sentence; over 2,000 characters: 422; empty: 422."""
    (mention_id,) = mentions("@acme_help hi")
    make_employee("0427")
    login("0427")
    page = f"/mentions/{mention_id}"
    bad = post_form(client, f"{page}/notes", {"note-text": "a\x07b"}, page=page)
    assert bad.status_code == 400 and "control or invisible characters" in bad.text
    long = post_form(client, f"{page}/notes", {"note-text": "x" * 2001}, page=page)
    assert long.status_code == 422 and "at most 2,000 characters" in long.text
    empty = post_form(client, f"{page}/notes", {"note-text": "  "}, page=page)
    assert empty.status_code == 422 and "Write a note." in empty.text
    assert (
        post_form(client, "/mentions/999999/notes", {"note-text": "x"}, page=page).status_code
        == 404
    )


def test_a_named_colleague_sees_an_unread_count_and_the_note(
    client, login, make_employee, mentions
):
    """`@0428` in a note: 0428's navigation shows 1 unread; the notifications page shows the
    note and clears the count."""
    (mention_id,) = mentions("@acme_help hi")
    make_employee("0427")
    make_employee("0428")
    login("0427")
    page = f"/mentions/{mention_id}"
    post_form(client, f"{page}/notes", {"note-text": "@0428 返金の判断をお願いします"}, page=page)
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/inbox").text)})
    login("0428")
    inbox = client.get("/inbox", headers={"Accept-Language": "en"}).text
    assert re.search(r'data-testid="unread-count"[^>]*>1<', inbox)
    listed = client.get("/notifications", headers={"Accept-Language": "en"}).text
    assert "返金の判断をお願いします" in listed and "Note by 0427" in listed
    assert 'class="notification unread"' in listed
    again = client.get("/inbox").text
    assert 'data-testid="unread-count"' not in again
    assert 'class="notification unread"' not in client.get("/notifications").text
