"""Badges derived from the audit log: each rule, idempotence, and the job run by a real worker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from helpdesk import queue
from helpdesk.extensions import db
from helpdesk.models import EmployeeBadge, Mention
from helpdesk.services import audit
from helpdesk.services.badges import compute_badges
from tests.services.test_escalation import ingest
from tests.support.app import run_jobs

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 10:00 on 2 November in Tokyo
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def event(action: str, subject_id: object, at: datetime, actor=None, **details):
    """Append an audit event as if it happened at `at` (the chain stays intact)."""
    row = audit.record(action, "reply", subject_id, actor=actor, **details)
    row.at = at
    row.hash = row.compute_hash()
    db.session.flush()
    return row


class Log:
    """Writes the reply events the services write, with times of the test's choosing."""

    def __init__(self) -> None:
        self.next_id = 1

    def reply(
        self,
        author,
        at: datetime,
        *,
        mention_id: int | None = None,
        posted_after: float | None = 5,
        warnings: bool = False,
        trainee: bool = False,
    ) -> int:
        """A reply created at `at` and, unless posted_after is None, posted that many s later."""
        reply_id, self.next_id = self.next_id, self.next_id + 1
        status = "pending_approval" if trainee else "queued"
        event(
            "reply.created",
            reply_id,
            at,
            actor=author,
            mention_id=mention_id or 10_000 + reply_id,
            status=status,
            warnings_confirmed=warnings,
        )
        if posted_after is not None:
            event(
                "reply.posted",
                reply_id,
                at + timedelta(seconds=posted_after),
                x_tweet_id=str(9_000_000 + reply_id),
                how="posted",
            )
        return reply_id


def badges() -> dict[tuple[str, str, str], dict]:
    """Every stored badge as (number, kind, period) -> evidence."""
    from helpdesk.models import Employee

    rows = db.session.execute(
        sa.select(
            Employee.number, EmployeeBadge.kind, EmployeeBadge.period, EmployeeBadge.evidence
        ).join(Employee, Employee.id == EmployeeBadge.employee_id)
    )
    return {(r.number, r.kind, r.period): json.loads(r.evidence) for r in rows}


def earned_at(number: str, kind: str) -> datetime:
    from helpdesk.models import Employee

    return db.session.scalar(
        sa.select(EmployeeBadge.earned_at)
        .join(Employee, Employee.id == EmployeeBadge.employee_id)
        .where(Employee.number == number, EmployeeBadge.kind == kind)
    )


def test_first_reply_and_hundred_answered(app, make_employee):
    """First reply goes to anyone with a posted reply; 100 answered at the 100th posted one."""
    veteran, close, unposted = make_employee("0427"), make_employee("0501"), make_employee("0602")
    log = Log()
    for i in range(100):
        log.reply(veteran, T0 + timedelta(minutes=i))
    for i in range(99):
        log.reply(close, T0 + timedelta(minutes=i, seconds=30))
    log.reply(unposted, T0, posted_after=None)  # created, never posted: not answered
    db.session.commit()

    compute_badges(NOW)

    found = badges()
    assert set(found) == {
        ("0427", "first_reply", "all"),
        ("0427", "hundred_answered", "all"),
        ("0501", "first_reply", "all"),
        ("0427", "guideline_clean_streak", "all"),  # every one of them was clean, too
        ("0501", "guideline_clean_streak", "all"),
    }
    assert found[("0427", "hundred_answered", "all")]["reply_id"] == 100  # its 100th, written first
    assert earned_at("0427", "hundred_answered") == T0 + timedelta(minutes=99, seconds=5)
    assert earned_at("0501", "first_reply") == T0 + timedelta(seconds=35)


def test_fastest_median_of_the_month(app, x, make_employee):
    """The lowest median among employees with 10 replies in the month wins; 9 are not enough;
    a tie goes to the lower number; the month is the desk's (Tokyo), not UTC's."""
    slow, fast, few, tied_a, tied_b = (
        make_employee(n) for n in ("0427", "0501", "0602", "0700", "0701")
    )
    ids = ingest(x, *[f"question {i}" for i in range(49)])
    mentions = iter(ids)
    log = Log()

    def answer(author, tweeted: datetime, seconds: float) -> None:
        mention_id = next(mentions)
        db.session.execute(
            sa.update(Mention).where(Mention.id == mention_id).values(created_at=tweeted)
        )
        # created 5 s before posting: the response time is tweet -> posted
        log.reply(author, tweeted + timedelta(seconds=seconds - 5), mention_id=mention_id)

    for i in range(10):  # medians: slow 65 s, fast 35 s, few 10 s but only 9 replies
        answer(slow, T0 + timedelta(hours=i), 20 + 10 * i)
        answer(fast, T0 + timedelta(hours=i, minutes=1), 40 if i % 2 else 30)
        if i < 9:
            answer(few, T0 + timedelta(hours=i, minutes=2), 10)
    # December in Tokyo, though still 30 November in UTC: 0700 and 0701 tie on 50 s.
    december = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    for i in range(10):
        answer(tied_b, december + timedelta(minutes=i), 50)
        answer(tied_a, december + timedelta(minutes=i, seconds=20), 50)
    db.session.commit()

    compute_badges(datetime(2026, 12, 2, tzinfo=UTC))

    monthly = {k: v for k, v in badges().items() if k[1] == "fastest_median"}
    assert monthly == {
        ("0501", "fastest_median", "2026-11"): {"count": 10, "median_seconds": 35.0},
        ("0700", "fastest_median", "2026-12"): {"count": 10, "median_seconds": 50.0},
    }


def test_month_lead_moves_and_idempotence(app, x, make_employee):
    """Running twice changes nothing; while the month runs the badge moves to a new leader."""
    first, second = make_employee("0427"), make_employee("0501")
    ids = iter(ingest(x, *[f"q{i}" for i in range(20)]))
    log = Log()

    def answer(author, tweeted: datetime, seconds: float) -> None:
        mention_id = next(ids)
        db.session.execute(
            sa.update(Mention).where(Mention.id == mention_id).values(created_at=tweeted)
        )
        log.reply(author, tweeted + timedelta(seconds=seconds - 5), mention_id=mention_id)

    for i in range(10):
        answer(first, T0 + timedelta(hours=i), 100)
    db.session.commit()
    assert compute_badges(NOW)["added"] == 2  # first reply + the month's lead
    before = badges()
    assert compute_badges(NOW) == {"added": 0, "changed": 0, "removed": 0, "total": 2}
    assert badges() == before

    for i in range(10):
        answer(second, T0 + timedelta(days=1, hours=i), 50)
    db.session.commit()
    assert compute_badges(NOW) == {"added": 2, "changed": 0, "removed": 1, "total": 3}
    assert ("0501", "fastest_median", "2026-11") in badges()
    assert ("0427", "fastest_median", "2026-11") not in badges()


def test_approved_as_written(app, make_employee):
    """Ten trainee replies approved at the first try earn it; one after a rejection on the
    same mention does not count."""
    trainee, supervisor = make_employee("0800", role="trainee"), make_employee("0900", "supervisor")
    log = Log()
    at = T0
    rejected = log.reply(trainee, at, mention_id=500, posted_after=None, trainee=True)
    event("reply.rejected", rejected, at + timedelta(minutes=1), actor=supervisor, reason="tone")
    retry = log.reply(
        trainee, at + timedelta(minutes=2), mention_id=500, posted_after=None, trainee=True
    )
    event("reply.approved", retry, at + timedelta(minutes=3), actor=supervisor)
    approved = []
    for i in range(9):
        at = T0 + timedelta(hours=1 + i)
        reply_id = log.reply(trainee, at, mention_id=600 + i, posted_after=None, trainee=True)
        event("reply.approved", reply_id, at + timedelta(minutes=1), actor=supervisor)
        approved.append(reply_id)
    db.session.commit()
    compute_badges(NOW)
    assert ("0800", "approved_as_written", "all") not in badges()  # 9 first-try + 1 retry

    tenth = log.reply(
        trainee, T0 + timedelta(days=1), mention_id=700, posted_after=None, trainee=True
    )
    last = event("reply.approved", tenth, T0 + timedelta(days=1, minutes=1), actor=supervisor)
    db.session.commit()
    compute_badges(NOW)
    found = badges()[("0800", "approved_as_written", "all")]
    assert found == {"count": 10, "reply_ids": [*approved, tenth], "audit_event": last.id}


def test_guideline_clean_streak(app, make_employee):
    """50 replies in a row without a confirmed warning earn it; a warning restarts the count."""
    agent, other = make_employee("0427"), make_employee("0501")
    log = Log()
    for i in range(49):
        log.reply(agent, T0 + timedelta(minutes=i))
    log.reply(agent, T0 + timedelta(minutes=49), warnings=True)
    for i in range(49):
        log.reply(other, T0 + timedelta(minutes=i))
    db.session.commit()
    compute_badges(NOW)
    assert not [k for k in badges() if k[1] == "guideline_clean_streak"]

    first = log.reply(agent, T0 + timedelta(hours=2))
    for i in range(48):
        log.reply(agent, T0 + timedelta(hours=2, minutes=1 + i))
    fiftieth = log.reply(agent, T0 + timedelta(hours=3))
    db.session.commit()
    compute_badges(NOW)
    streaks = {k: v for k, v in badges().items() if k[1] == "guideline_clean_streak"}
    assert streaks == {
        ("0427", "guideline_clean_streak", "all"): {
            "count": 50,
            "first_reply_id": first,
            "last_reply_id": fiftieth,
        }
    }
    assert earned_at("0427", "guideline_clean_streak") == T0 + timedelta(hours=3)


def test_events_after_now_do_not_count(app, make_employee):
    """A badge is earned from what the log showed at `now`, not later events."""
    agent = make_employee("0427")
    Log().reply(agent, NOW + timedelta(hours=1))
    db.session.commit()
    assert compute_badges(NOW)["total"] == 0
    assert compute_badges(NOW + timedelta(days=1))["added"] == 1


def test_job_runs_on_a_real_worker(app, make_employee):
    """workers.jobs.compute_badges, enqueued on the default queue, stores the badges."""
    agent = make_employee("0427")
    Log().reply(agent, T0)
    db.session.commit()
    queue.get_queue(queue.DEFAULT).enqueue(
        "workers.jobs.compute_badges", job_id="compute-badges-test", job_timeout=600
    )
    run_jobs(app)
    assert set(badges()) == {("0427", "first_reply", "all")}
