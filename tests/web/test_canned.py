"""The canned replies page for supervisors and the canned reply select in the composer."""

from __future__ import annotations

import re

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import CannedReply
from helpdesk.services.canned import create_canned, list_canned, set_canned_active
from tests.support.web import csrf_from

PAGE = "/supervise/canned"
EN = {"Accept-Language": "en"}
HOSTILE = '<img src=x onerror=alert(1)>"'
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def post_form(client, path: str, data: dict | None = None):
    """POST a form the way a browser does, with the CSRF token of the canned replies page."""
    token = csrf_from(client.get(PAGE).text)
    return client.post(path, data={**(data or {}), "csrf_token": token}, headers=EN)


def stored(title: str) -> CannedReply | None:
    """The canned reply with this title, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(sa.select(CannedReply).where(CannedReply.title == title))


def test_agents_get_403(client, make_employee, login):
    """An agent is refused the page and every action on it."""
    make_employee("0427")
    login("0427")
    assert client.get(PAGE).status_code == 403
    token = csrf_from(client.get("/inbox").text)
    data = {"title": "x", "body": "y", "language": "en", "csrf_token": token}
    assert client.post(PAGE, data=data).status_code == 403
    assert list_canned(active_only=False) == []


def test_the_tab_is_next_to_employees(client, supervisor):
    """Every supervisor page links the canned replies tab, marked current on its own page."""
    for path in ("/supervise/", "/supervise/coverage", "/supervise/employees"):
        assert 'href="/supervise/canned"' in client.get(path).text
    html = client.get(PAGE, headers=EN).text
    assert 'aria-current="page" href="/supervise/canned"' in html


def test_create_edit_retire_and_offer_again(client, supervisor):
    """A supervisor adds a reply, rewrites it, retires it and offers it again."""
    added = post_form(client, PAGE, {"title": "Thanks", "body": "Thank you!", "language": "en"})
    assert added.status_code == 302
    made = stored("Thanks")
    assert made is not None and made.active
    saved = post_form(
        client, f"{PAGE}/{made.id}", {"title": "お礼", "body": "ありがとう", "language": "ja"}
    )
    assert saved.status_code == 302
    assert stored("お礼").body == "ありがとう" and stored("Thanks") is None
    assert post_form(client, f"{PAGE}/{made.id}/deactivate").status_code == 302
    assert not stored("お礼").active
    html = client.get(PAGE, headers=EN).text
    assert "canned-retired" in html and 'data-action="reactivate"' in html
    assert post_form(client, f"{PAGE}/{made.id}/reactivate").status_code == 302
    assert stored("お礼").active
    assert post_form(client, f"{PAGE}/999999/deactivate").status_code == 404


def test_refusals_are_shown_as_messages(client, supervisor):
    """A blocking guideline finding is 422 and bad input 400, each with a message; nothing saved."""
    blocked = post_form(
        client, PAGE, {"title": "Mail", "body": "Mail someone@example.com", "language": "en"}
    )
    assert blocked.status_code == 422
    assert 'data-testid="refusal"' in blocked.text and "reply guidelines" in blocked.text
    bad_language = post_form(client, PAGE, {"title": "x", "body": "y", "language": "fr"})
    assert bad_language.status_code == 400 and "Choose Japanese or English." in bad_language.text
    empty = post_form(client, PAGE, {"title": "", "body": "y", "language": "en"})
    assert empty.status_code == 400 and "Give the canned reply a title." in empty.text
    japanese = client.post(
        PAGE,
        data={"title": "x", "body": "y", "language": "fr", "csrf_token": csrf_from(blocked.text)},
        headers={"Accept-Language": "ja"},
    )
    assert "日本語か英語を選んでください。" in japanese.text
    assert list_canned(active_only=False) == []


def test_posts_without_a_csrf_token_are_refused(client, supervisor):
    """Every action needs the page's CSRF token; without it nothing changes."""
    made = create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    for path, data in (
        (PAGE, {"title": "New", "body": "Hello", "language": "en"}),
        (f"{PAGE}/{made.id}", {"title": "Changed", "body": "Hello", "language": "en"}),
        (f"{PAGE}/{made.id}/deactivate", {}),
    ):
        assert client.post(path, data=data).status_code == 400
    assert [(c.title, c.active) for c in list_canned(active_only=False)] == [("Thanks", True)]


def test_hostile_title_and_body_are_escaped(client, supervisor, mentions):
    """Markup in a title or body is text on the supervisors' page and in the composer."""
    create_canned(HOSTILE, HOSTILE, "en", actor=supervisor)
    html = client.get(PAGE).text
    assert "<img" not in html and html.count(ESCAPED) >= 2
    (mention_id,) = mentions("help please")
    page = client.get(f"/mentions/{mention_id}").text
    assert "<img" not in page and ESCAPED in page
    assert 'data-body="&lt;img src=x onerror=alert(1)&gt;&#34;"' in page


def test_the_composer_offers_active_replies_grouped_own_language_first(
    client, make_employee, login, mentions
):
    """The mention page has the select, both languages grouped, the reader's first, none retired."""
    supervisor = make_employee("0002", role="supervisor")
    create_canned("Thanks", "Thank you!", "en", actor=supervisor)
    create_canned("お礼", "ありがとうございます", "ja", actor=supervisor)
    retired = create_canned("Old", "Old text", "en", actor=supervisor)
    set_canned_active(retired.id, False, actor=supervisor)
    (mention_id,) = mentions("help please")
    make_employee("0427")
    login("0427")
    english = client.get(f"/mentions/{mention_id}", headers=EN).text
    assert 'id="canned-select"' in english and "Canned reply" in english
    groups = re.findall(r'data-language="(\w+)"', english)
    assert groups == ["en", "ja"]
    assert 'data-body="Thank you!"' in english and "Old text" not in english
    japanese = client.get(f"/mentions/{mention_id}", headers={"Accept-Language": "ja"}).text
    assert re.findall(r'data-language="(\w+)"', japanese) == ["ja", "en"]
    assert "定型文" in japanese
