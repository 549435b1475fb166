"""Coverage by channel and moved to DM (SQLite and PostgreSQL): the page's two panels in both
languages, the API's `by_channel` and `moved_to_dm`, and the channels.csv and moved.csv
downloads, all from the roll-ups on a desk with public posts, DMs and mentions moved to DM."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    BrandAccount,
    Mention,
    MentionKind,
    MentionStatus,
    Reply,
    ReplyStatus,
    XUser,
)
from helpdesk.models.types import utcnow
from helpdesk.services import rollups


def _mention(n: int, created, status, *, dm=False, moved=False, linked_to=None) -> Mention:
    brand = db.session.scalar(sa.select(BrandAccount.id))
    mention = Mention(
        tweet_id=70_000 + n,
        kind=MentionKind.DM if dm else MentionKind.POST,
        dm_conversation_id="1-4242" if dm else None,
        moved_to_dm_at=created + timedelta(seconds=30) if moved else None,
        dm_of_mention_id=linked_to,
        brand_account_id=brand,
        author_x_id=4242,
        text=f"<b>customer {n}</b>",
        created_at=created,
        ingested_at=created,
        status=status,
        closed_at=created if status is MentionStatus.DISMISSED else None,
    )
    db.session.add(mention)
    db.session.flush()
    return mention


def _posted(mention: Mention, author_id: int, seconds: int) -> None:
    db.session.add(
        Reply(
            mention_id=mention.id,
            author_id=author_id,
            text="Thanks",
            status=ReplyStatus.POSTED,
            posted_at=mention.created_at + timedelta(seconds=seconds),
        )
    )


@pytest.fixture
def channel_desk(app, make_employee):
    """Four public mentions (two moved to DM, one of them continued by a DM that was answered)
    and two DMs, two hours ago; the roll-ups built."""
    agent = make_employee("0427").id
    if db.session.scalar(sa.select(BrandAccount.id)) is None:
        db.session.add(BrandAccount(x_user_id=1, username="acme", name="Acme"))
    db.session.add(XUser(x_user_id=4242, username="kunde", name="<i>Kunde</i>"))
    db.session.flush()
    at = (utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    answered, dismissed, dm_open = (
        MentionStatus.ANSWERED,
        MentionStatus.DISMISSED,
        MentionStatus.OPEN,
    )
    _posted(_mention(1, at, answered), agent, 120)
    moved = _mention(2, at + timedelta(minutes=1), answered, moved=True)
    _posted(moved, agent, 60)  # the invitation to DM
    never = _mention(3, at + timedelta(minutes=2), answered, moved=True)
    _posted(never, agent, 4000)  # past the normal target (3600 s)
    _mention(4, at + timedelta(minutes=3), dismissed)
    dm = _mention(5, at + timedelta(minutes=20), answered, dm=True, linked_to=moved.id)
    _posted(dm, agent, 300)
    _mention(6, at + timedelta(minutes=21), dm_open, dm=True)
    db.session.commit()
    rollups.rebuild()
    return at


POST = {"channel": "post", "total": 4, "answered": 3, "dismissed": 1, "open": 0}
DM = {"channel": "dm", "total": 2, "answered": 1, "dismissed": 0, "open": 1}


def _check_channels(by_channel: list[dict]) -> None:
    post, dm = by_channel
    assert {k: post[k] for k in POST} == POST
    assert (post["sla_met"], post["sla_missed"], post["median_first_response_seconds"]) == (
        2,
        1,
        pytest.approx(120, rel=0.01),
    )
    assert {k: dm[k] for k in DM} == DM
    assert (dm["sla_met"], dm["sla_missed"]) == (1, 0)
    assert dm["median_first_response_seconds"] == pytest.approx(300, rel=0.01)
    assert dm["response_rate"] == 0.5 and post["response_rate"] == 1.0


def test_the_api_gives_by_channel_and_moved_to_dm(api_as, channel_desk):
    """GET /api/v1/coverage has per-channel figures and the moved-to-DM counts."""
    supervisor = api_as("0002", role="supervisor")
    start = (channel_desk - timedelta(hours=1)).isoformat()
    end = (channel_desk + timedelta(hours=1)).isoformat()
    body = supervisor.get("/coverage", **{"from": start, "to": end}).get_json()
    assert body["total"] == 6
    _check_channels(body["by_channel"])
    assert body["moved_to_dm"] == {
        "moved": 2,
        "dm_received": 1,
        "dm_answered": 1,
        "dm_received_rate": 0.5,
        "dm_answered_rate": 1.0,
    }
    empty = supervisor.get(
        "/coverage", **{"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}
    ).get_json()
    assert [c["total"] for c in empty["by_channel"]] == [0, 0]
    assert empty["moved_to_dm"]["dm_received_rate"] is None


def _csv(client, name: str, start, end) -> list[list[str]]:
    response = client.get(
        f"/supervise/coverage/figures/{name}.csv",
        query_string={"from": start.isoformat(), "to": end.isoformat()},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="coverage-{name}.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_channels_and_moved_csvs(client, supervisor, channel_desk):
    """channels.csv has a row per channel, moved.csv the three moved-to-DM counts."""
    start, end = channel_desk - timedelta(hours=1), channel_desk + timedelta(hours=1)
    channels = _csv(client, "channels", start, end)
    assert channels[0] == [
        "channel",
        "total",
        "answered",
        "answered_elsewhere",
        "dismissed",
        "open",
        "responded",
        "sla_met",
        "sla_missed",
        "median_first_response_seconds",
    ]
    assert [row[:9] for row in channels[1:]] == [
        ["post", "4", "3", "0", "1", "0", "3", "2", "1"],
        ["dm", "2", "1", "0", "0", "1", "1", "1", "0"],
    ]
    assert float(channels[2][9]) == pytest.approx(300, rel=0.01)
    assert _csv(client, "moved", start, end) == [
        ["moved", "dm_received", "dm_answered"],
        ["2", "1", "1"],
    ]
    empty = _csv(client, "channels", start - timedelta(days=30), start - timedelta(days=29))
    assert empty[1] == ["post", "0", "0", "0", "0", "0", "0", "0", "0", ""]
    assert client.get("/supervise/coverage/figures/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("By channel", "Public posts", "Direct messages", "Of which the customer wrote")),
        ("ja", ("チャネル別", "公開投稿", "ダイレクトメッセージ", "うちお客様からDMが届いたもの")),
    ],
)
def test_the_page_shows_the_channel_and_moved_panels(
    client, supervisor, channel_desk, language, words
):
    """The coverage page has the by-channel panel (post and DM rows) and the moved-to-DM panel,
    with links to both CSVs, in English and Japanese."""
    html = client.get("/supervise/coverage?period=7d", headers={"Accept-Language": language}).text
    for word in words:
        assert word in html
    channels = html.split('id="by-channel"', 1)[1].split("</section>", 1)[0]
    post = channels.split('data-channel="post"', 1)[1].split("</tr>", 1)[0]
    dm = channels.split('data-channel="dm"', 1)[1].split("</tr>", 1)[0]
    assert 'data-figure="total">4<' in post and 'data-figure="sla_missed">1<' in post
    assert 'data-figure="total">2<' in dm and 'data-figure="answered">1<' in dm
    assert 'data-figure="median">5:00<' in dm
    moved = html.split('id="moved-to-dm"', 1)[1].split("</section>", 1)[0]
    assert 'data-figure="moved">2<' in moved
    assert 'data-figure="dm_received">1 <small>(50.0%)</small>' in moved
    assert 'data-figure="dm_answered">1 <small>(100.0%)</small>' in moved
    assert "/supervise/coverage/figures/channels.csv?" in html
    assert "/supervise/coverage/figures/moved.csv?" in html
