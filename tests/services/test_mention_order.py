"""Every list of mentions is in the customer's order: created_at, then tweet id, keyset-paged."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Mention
from helpdesk.services import escalation, inbox
from helpdesk.services.errors import InvalidInput
from helpdesk.services.ingest import ingest_mentions


def post(x, *texts: str) -> None:
    """The customers post `texts` in this order; the desk ingests them in one batch."""
    for text in texts:
        x.mention(text)
    ingest_mentions()


def said(mention: Mention) -> str:
    """What the customer wrote after the brand's handle, which the sandbox puts first."""
    return mention.text.split()[-1]


def texts(status: str = "open", limit: int = 2, **options: object) -> list[str]:
    """Every mention of a list, in its order, read page by page through the cursor."""
    found: list[str] = []
    cursor = None
    while True:
        page = inbox.list_mentions(status, limit=limit, cursor=cursor, **options)
        found += [said(m) for m in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def id_of(text: str) -> int:
    return db.session.scalar(sa.select(Mention.id).where(Mention.text.endswith(f" {text}")))


def set_created_at(text: str, when) -> None:
    db.session.execute(sa.update(Mention).where(Mention.id == id_of(text)).values(created_at=when))
    db.session.commit()


def test_one_ingest_batch_lists_in_the_order_the_customers_posted(app, x):
    """A, B, C, D posted in that order and ingested together list as A B C D oldest first."""
    post(x, "A", "B", "C", "D")
    assert [said(m) for m in inbox.list_mentions("open").items] == ["A", "B", "C", "D"]
    assert [said(m) for m in inbox.list_mentions("all").items] == ["D", "C", "B", "A"]
    assert texts("open", newest_first=True) == ["D", "C", "B", "A"]
    assert texts("all", newest_first=False) == ["A", "B", "C", "D"]


def test_the_customers_time_decides_before_the_tweet_id(app, x):
    """A tweet posted later with an earlier created_at lists first, in every list, both ways."""
    post(x, "A", "B", "C", "D")
    first = db.session.scalar(sa.select(sa.func.min(Mention.created_at)))
    set_created_at("D", first - timedelta(minutes=5))
    assert texts("open") == ["D", "A", "B", "C"]
    assert texts("all") == ["C", "B", "A", "D"]
    assert texts("escalated") == []


def test_equal_times_page_by_tweet_id_in_both_directions(app, x, make_employee):
    """Mentions sharing one created_at page by tweet id, each exactly once, whatever the page."""
    post(x, *(f"m{n}" for n in range(7)))
    shared = db.session.scalar(sa.select(sa.func.min(Mention.created_at)))
    db.session.execute(sa.update(Mention).values(created_at=shared))
    db.session.commit()
    order = [f"m{n}" for n in range(7)]
    for limit in (1, 2, 3, 50):
        assert texts("open", limit=limit) == order
        assert texts("all", limit=limit) == order[::-1]
        assert texts("all", limit=limit, search="m") == order[::-1]
    agent = make_employee("0427")
    for text in ("m5", "m1", "m3"):
        inbox.claim(id_of(text), agent)
    assert texts("mine", employee=agent) == ["m1", "m3", "m5"]


def test_the_escalation_queue_breaks_ties_by_the_customers_order(app, x, make_employee):
    """Equally overdue escalations of equal priority list in the customers' posting order."""
    post(x, "first", "second", "third")
    shared = db.session.scalar(sa.select(sa.func.min(Mention.created_at)))
    db.session.execute(sa.update(Mention).values(created_at=shared))
    db.session.commit()
    agent = make_employee("0427")
    for text in ("third", "first", "second"):
        escalation.escalate(id_of(text), agent, "needs a supervisor")
    assert [said(e.mention) for e in escalation.list_escalations()] == ["first", "second", "third"]
    assert texts("escalated") == ["first", "second", "third"]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


@pytest.mark.parametrize(
    "cursor",
    [
        "12345",  # the old internal-id cursor
        "x1",
        "%%%",
        "é",
        "A" * 65,
        b64(b"1.2.3"),
        b64(b"-1.5"),
        b64(b"1.99999999999999999999"),  # past BIGINT
        b64(b"1." + str(2**63).encode()),
        b64(b"999999999999999999.1"),  # past datetime's year 9999
        b64(b"\xff\xfe"),
        b64("１.１".encode()),  # full-width digits
    ],
)
def test_a_cursor_we_did_not_issue_is_invalid_input(app, cursor):
    """A malformed or forged cursor is InvalidInput invalid_cursor, never a database error."""
    with pytest.raises(InvalidInput) as refused:
        inbox.list_mentions("all", cursor=cursor)
    assert refused.value.code == "invalid_cursor"
