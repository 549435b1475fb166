"""The supervisors' audit browse page: newest first, filters, keyset pages, escaped, bad input."""

from __future__ import annotations

import re

from helpdesk.extensions import db
from helpdesk.models import Employee
from helpdesk.services import audit
from helpdesk.services.audit_browse import PAGE_SIZE

HOSTILE = '<script>alert("x")</script>'


def _ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-event-id="(\d+)"', html)]


def test_filters_pages_and_escapes(app, client, login, make_employee):
    """Events come newest first, filter by number and action, page by cursor, text escaped."""
    make_employee("0900", role="supervisor")
    agent = db.session.get(Employee, make_employee("0427").id)
    for n in range(PAGE_SIZE + 5):
        audit.record("mention.claimed", "mention", n + 1, actor=agent, note=HOSTILE)
    audit.record("mention.dismissed", "mention", 1, actor=None, reason=HOSTILE)
    db.session.commit()
    assert login("0900").status_code == 302
    first = client.get("/supervise/audit")
    assert first.status_code == 200
    ids = _ids(first.text)
    assert len(ids) == PAGE_SIZE and ids == sorted(ids, reverse=True)
    assert HOSTILE not in first.text and "&lt;script&gt;" in first.text
    cursor = re.search(r"cursor=(\d+)", first.text).group(1)
    following = _ids(client.get(f"/supervise/audit?cursor={cursor}").text)
    assert following and max(following) < min(ids)
    mine = client.get("/supervise/audit?number=0427&action=mention.claimed")
    assert len(_ids(mine.text)) == PAGE_SIZE and "mention.dismissed" not in mine.text
    dismissed = client.get("/supervise/audit?action=mention.dismissed")
    assert len(_ids(dismissed.text)) == 1


def test_bad_filters_are_explained(app, client, login, make_employee):
    """A malformed day, number or cursor re-renders the page with a message and a 400."""
    make_employee("0900", role="supervisor")
    assert login("0900").status_code == 302
    for query in ("day=2026-02-30", "number=abc", "cursor=x1", "action=%3Cb%3E"):
        page = client.get(f"/supervise/audit?{query}")
        assert page.status_code == 400, query
        assert 'data-testid="refusal"' in page.text and "<b>" not in page.text
