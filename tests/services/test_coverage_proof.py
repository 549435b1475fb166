"""The coverage proof on a hand-built desk: the report's exact lines, written out by hand."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import (
    AuditEvent,
    IngestOutcome,
    IngestRun,
    Mention,
    MentionStatus,
    Reply,
    ReplyStatus,
)
from helpdesk.services import audit, periods
from helpdesk.services.coverage_proof import prove, sign, verify
from helpdesk.services.errors import InvalidInput
from tests.services.test_escalation import ingest

START = datetime(2026, 10, 31, 15, tzinfo=UTC)  # 1 November 00:00 in Tokyo
END = datetime(2026, 11, 30, 15, tzinfo=UTC)  # 1 December 00:00 in Tokyo
GENERATED = datetime(2026, 12, 2, tzinfo=UTC)


def day(n: int, hour: int = 1, minute: int = 0) -> datetime:
    """n November 2026, at hour:minute UTC."""
    return datetime(2026, 11, n, hour, minute, tzinfo=UTC)


@pytest.fixture
def desk(app, x, make_employee):
    """Thirteen mentions (eleven in the period, in every state), five ingest runs with one gap
    repaired and one not, and an audit chain of four events."""
    sato, suzuki = make_employee("0427", name="Sato"), make_employee("0501", name="Suzuki")
    boss = make_employee("0900", role="supervisor")  # three employee.created events so far
    ids = ingest(x, *[f"question {i}" for i in range(13)])
    m = dict(zip(range(1001, 1014), ids, strict=True))  # tweet id -> mention id
    account = db.session.scalar(sa.select(Mention.brand_account_id).limit(1))
    db.session.execute(sa.delete(IngestRun))  # the runs that matter are written below
    db.session.execute(sa.update(Mention).values(tweet_id=-Mention.id))  # no clash on the way
    received = [day(n) for n in range(1, 12)] + [START - timedelta(seconds=1), END]  # 2 outside
    for (tweet, mention_id), at in zip(m.items(), received, strict=True):
        db.session.execute(
            sa.update(Mention).where(Mention.id == mention_id).values(tweet_id=tweet, created_at=at)
        )

    def status(tweet: int, value: MentionStatus, **values: object) -> None:
        db.session.execute(
            sa.update(Mention).where(Mention.id == m[tweet]).values(status=value, **values)
        )

    def reply(tweet: int, author, state: ReplyStatus, x_id: int | None, posted: datetime | None):
        row = Reply(
            mention_id=m[tweet],
            author_id=author.id,
            text="Thanks!",
            status=state,
            x_tweet_id=x_id,
            posted_at=posted,
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    for tweet in (1001, 1002, 1003, 1011):
        status(tweet, MentionStatus.ANSWERED)
    r1 = reply(1001, sato, ReplyStatus.POSTED, 5001, day(1, 1, 10))
    r2 = reply(1002, suzuki, ReplyStatus.POSTED, 5002, day(2, 1, 10))
    r3 = reply(1003, sato, ReplyStatus.QUEUED, None, None)
    reply(1011, sato, ReplyStatus.FAILED, None, None)  # failed first: not the live reply
    r11 = reply(1011, suzuki, ReplyStatus.POSTED, 5011, day(11, 2))
    status(1004, MentionStatus.ANSWERED_ELSEWHERE, closed_at=day(4, 3))
    status(1005, MentionStatus.ANSWERED_ELSEWHERE, closed_at=day(5, 3))
    status(
        1006,
        MentionStatus.DISMISSED,
        closed_by_id=sato.id,
        close_reason="spam",
        closed_at=day(6, 2),
    )
    status(
        1007,
        MentionStatus.DISMISSED,
        closed_by_id=boss.id,
        close_reason='=HYPERLINK("x")',
        closed_at=day(7, 2),
    )
    status(1009, MentionStatus.OPEN, escalated_at=day(9, 2))
    audit.record("mention.answered_elsewhere", "mention", m[1004], brand_tweet_id="7004")

    def run(started: datetime, outcome: IngestOutcome, before: int | None, after: int | None,
            oldest: int | None, newest: int | None, fetched: int, gap: bool = False,
            repaired: bool = False) -> int:  # fmt: skip
        row = IngestRun(
            brand_account_id=account, started_at=started,
            finished_at=started + timedelta(seconds=2),
            outcome=outcome, cursor_before=before, cursor_after=after, oldest_id=oldest,
            newest_id=newest, fetched=fetched, inserted=fetched, gap_detected=gap,
            gap_repaired=repaired,
        )  # fmt: skip
        db.session.add(row)
        db.session.flush()
        return row.id

    run(START - timedelta(hours=1), IngestOutcome.OK, 900, 1000, 901, 1000, 100)  # before
    runs = [
        run(day(5), IngestOutcome.OK, 1000, 1005, 1001, 1005, 5),
        run(day(12), IngestOutcome.OK, 1005, 1009, 1007, 1009, 3, gap=True, repaired=True),
        run(day(20), IngestOutcome.FAILED, 1009, None, None, None, 0),
        run(day(25), IngestOutcome.OK, 1009, 1011, 1011, 1011, 1, gap=True),
        run(END + timedelta(hours=9), IngestOutcome.OK, 1011, 1013, 1012, 1013, 2),  # closing
    ]
    db.session.commit()
    events = list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))
    db.session.rollback()  # hold no transaction (SQLite's write lock) into the test
    return {"m": m, "replies": (r1, r2, r3, r11), "runs": runs, "events": events}


def expected_lines(desk, *, events: int, verified: int, first_break: str, intact: str,
                   covered: str = "no", unrepaired: str | None = None) -> list[str]:  # fmt: skip
    """The report written out by hand; only database ids are filled in."""
    m, (r1, r2, r3, r11), (g1, g2, g3, g4, g5) = desk["m"], desk["replies"], desk["runs"]
    return [
        "\ufeffcoverage proof",
        "from,2026-10-31T15:00:00Z",
        "to,2026-11-30T15:00:00Z",
        "generated_at,2026-12-02T00:00:00Z",
        "",
        "summary",
        "answered,4",
        "answered_elsewhere,2",
        "dismissed,2",
        "open,3",
        "total,11",
        "unaccounted,0",
        f"ingest_covered,{covered}",
        f"gaps_repaired,{g2}",
        f"gaps_unrepaired,{g4 if unrepaired is None else unrepaired}",
        "cursor_breaks,",
        f"closing_run,{g5}",
        f"audit_events,{events}",
        f"audit_verified,{verified}",
        f"audit_first_break,{first_break}",
        f"audit_intact,{intact}",
        "",
        "mentions",
        "mention_id,tweet_id,received_at,status,by,reply_id,x_tweet_id,at,detail",
        f"{m[1001]},1001,2026-11-01T01:00:00Z,answered,0427,{r1},5001,2026-11-01T01:10:00Z,posted",
        f"{m[1002]},1002,2026-11-02T01:00:00Z,answered,0501,{r2},5002,2026-11-02T01:10:00Z,posted",
        f"{m[1003]},1003,2026-11-03T01:00:00Z,answered,0427,{r3},,,queued",
        f"{m[1004]},1004,2026-11-04T01:00:00Z,answered_elsewhere,,,7004,2026-11-04T03:00:00Z,",
        f"{m[1005]},1005,2026-11-05T01:00:00Z,answered_elsewhere,,,,2026-11-05T03:00:00Z,",
        f"{m[1006]},1006,2026-11-06T01:00:00Z,dismissed,0427,,,2026-11-06T02:00:00Z,spam",
        f'{m[1007]},1007,2026-11-07T01:00:00Z,dismissed,0900,,,2026-11-07T02:00:00Z,"\'=HYPERLINK(""x"")"',
        f"{m[1008]},1008,2026-11-08T01:00:00Z,open,,,,,",
        f"{m[1009]},1009,2026-11-09T01:00:00Z,open,,,,2026-11-09T02:00:00Z,escalated",
        f"{m[1010]},1010,2026-11-10T01:00:00Z,open,,,,,",
        f"{m[1011]},1011,2026-11-11T01:00:00Z,answered,0501,{r11},5011,2026-11-11T02:00:00Z,posted",
        "",
        "ingest_runs",
        "run_id,started_at,finished_at,outcome,cursor_before,cursor_after,oldest_id,newest_id,fetched,inserted,gap",
        f"{g1},2026-11-05T01:00:00Z,2026-11-05T01:00:02Z,ok,1000,1005,1001,1005,5,5,none",
        f"{g2},2026-11-12T01:00:00Z,2026-11-12T01:00:02Z,ok,1005,1009,1007,1009,3,3,repaired",
        f"{g3},2026-11-20T01:00:00Z,2026-11-20T01:00:02Z,failed,1009,,,,0,0,none",
        f"{g4},2026-11-25T01:00:00Z,2026-11-25T01:00:02Z,ok,1009,1011,1011,1011,1,1,unrepaired",
        f"{g5},2026-12-01T00:00:00Z,2026-12-01T00:00:02Z,ok,1011,1013,1012,1013,2,2,none",
        "",
    ]


def test_report_matches_the_hand_computed_fixture(desk):
    """Every line of the report is the one written out by hand, and the hash is of its bytes."""
    proof = prove(START, END, GENERATED)
    assert proof.csv_text.split("\n") == expected_lines(
        desk, events=4, verified=4, first_break="", intact="yes"
    )
    assert proof.sha256 == hashlib.sha256(proof.csv_text.encode()).hexdigest()
    assert not proof.ingest_covered and proof.audit_intact


def test_repairing_the_gap_makes_the_period_covered(desk):
    """Once X's gap is repaired, the runs cover the period with no gap."""
    db.session.execute(
        sa.update(IngestRun).where(IngestRun.id == desk["runs"][3]).values(gap_repaired=True)
    )
    db.session.commit()
    proof = prove(START, END, GENERATED)
    lines = proof.csv_text.split("\n")
    assert "ingest_covered,yes" in lines
    assert f"gaps_repaired,{desk['runs'][1]} {desk['runs'][3]}" in lines
    assert "gaps_unrepaired," in lines
    assert proof.ingest_covered


def test_a_skipped_cursor_is_a_break(desk):
    """A run that starts past the previous run's cursor left ids unfetched: not covered."""
    db.session.execute(
        sa.update(IngestRun).where(IngestRun.id == desk["runs"][1]).values(cursor_before=1006)
    )
    db.session.commit()
    proof = prove(START, END, GENERATED)
    assert proof.chain_breaks == [desk["runs"][1]]
    assert f"cursor_breaks,{desk['runs'][1]}" in proof.csv_text.split("\n")


def test_a_tampered_audit_chain_shows_where_it_breaks(desk):
    """Editing the second event's details breaks the chain there: one event verified."""
    second = desk["events"][1]
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == second).values(details='{"role": "admin"}')
    )
    db.session.commit()
    proof = prove(START, END, GENERATED)
    assert proof.csv_text.split("\n") == expected_lines(
        desk, events=4, verified=1, first_break=str(second), intact="no"
    )


def test_signature_accepts_the_report_and_refuses_an_edit(desk):
    """The HMAC verifies the report as written and refuses it with one mention's status changed."""
    proof = prove(START, END, GENERATED)
    assert verify(proof.csv_bytes, proof.signature)
    edited = proof.csv_text.replace("dismissed,0427", "answered,0427").encode()
    assert edited != proof.csv_bytes
    assert not verify(edited, proof.signature)
    assert sign(proof.csv_bytes) == proof.signature


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "code"),
    [
        ("2026-11-31", "2026-12-01", "invalid_period"),
        ("yesterday", "2026-12-01", "invalid_period"),
        ("2026-12-01", "2026-11-01", "reversed_period"),
        ("2026-11-01", "2026-11-01", "reversed_period"),
        ("2025-01-01", "2026-12-01", "period_too_long"),
    ],
)
def test_bad_periods_are_refused(app, raw_from, raw_to, code):
    """Impossible dates, reversed or empty periods and over a year are refused with a code."""
    with pytest.raises(InvalidInput) as refused:
        periods.parse(periods.PROOF, None, raw_from, raw_to, "Asia/Tokyo")
    assert refused.value.code == code


def test_period_is_in_the_desk_time_zone(app):
    """2026-11-01 to 2026-12-01 in Tokyo is [31 Oct 15:00, 30 Nov 15:00) UTC."""
    period = periods.parse(periods.PROOF, None, "2026-11-01", "2026-12-01", "Asia/Tokyo")
    assert (period.start, period.end) == (START, END)
