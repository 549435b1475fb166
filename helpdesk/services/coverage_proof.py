"""The coverage proof: every mention of a period accounted for, the ingest runs that cover it,
the audit chain's verification, as a CSV with its SHA-256 and an HMAC signature."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import (
    LIVE_REPLY_STATUSES,
    AuditEvent,
    Employee,
    IngestOutcome,
    IngestRun,
    Mention,
    MentionStatus,
    Reply,
)
from helpdesk.models.types import iso_utc
from helpdesk.services.audit import broken_links
from helpdesk.services.export import BOM, safe_cell

_KEY_LABEL = b"helpdesk coverage report v1"  # the signing key is derived from SECRET_KEY
MENTION_COLUMNS = (
    "mention_id",
    "tweet_id",
    "received_at",
    "status",
    "by",  # answered: the reply's author; dismissed: who dismissed it
    "reply_id",
    "x_tweet_id",  # answered: our reply's tweet; answered elsewhere: the brand's, when known
    "at",  # answered: posted; elsewhere/dismissed: closed; open: escalated
    "detail",  # answered: the reply's status; dismissed: the reason; open: escalated or not
)
RUN_COLUMNS = (
    "run_id",
    "started_at",
    "finished_at",
    "outcome",
    "cursor_before",
    "cursor_after",
    "oldest_id",
    "newest_id",
    "fetched",
    "inserted",
    "gap",  # none, repaired or unrepaired
)
STATUSES = ("answered", "answered_elsewhere", "dismissed", "open")


@dataclass
class Proof:
    """A period's proof: its rows and verdicts, and the CSV that carries them."""

    start: datetime
    end: datetime
    generated_at: datetime
    mentions: list[list[object]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    runs: list[list[object]] = field(default_factory=list)
    repaired_gaps: list[int] = field(default_factory=list)
    unrepaired_gaps: list[int] = field(default_factory=list)
    chain_breaks: list[int] = field(default_factory=list)  # runs whose cursor did not follow on
    closing_run: int | None = None
    audit_events: int = 0
    audit_verified: int = 0
    audit_first_break: int | None = None
    csv_text: str = ""

    @property
    def ingest_covered(self) -> bool:
        """Runs reach past the end, and every id between them was fetched or repaired."""
        return not self.unrepaired_gaps and not self.chain_breaks and self.closing_run is not None

    @property
    def run_count(self) -> int:
        """How many ingest runs the report lists."""
        return len(self.runs)

    @property
    def unaccounted(self) -> int:
        """Mentions marked answered with no live reply to show for it (should be none)."""
        return sum(1 for row in self.mentions if row[3] == "answered" and not row[5])

    @property
    def audit_intact(self) -> bool:
        """The whole audit chain checks out."""
        return self.audit_first_break is None

    @property
    def csv_bytes(self) -> bytes:
        """The report's file content, exactly as hashed and signed."""
        return self.csv_text.encode()

    @property
    def sha256(self) -> str:
        """SHA-256 of the file, hex."""
        return hashlib.sha256(self.csv_bytes).hexdigest()

    @property
    def signature(self) -> str:
        """HMAC-SHA256 of the file with the desk's report key, hex."""
        return sign(self.csv_bytes)


STEPS = ("mentions", "runs", "audit", "signing")  # what `progress` is told, in this order


def prove(
    start: datetime,
    end: datetime,
    generated_at: datetime,
    progress: Callable[[str], None] | None = None,
) -> Proof:
    """Build the proof for [start, end) as the database stands now; `progress` hears each of
    STEPS as it begins (a long period's job shows it to the supervisor)."""
    tell = progress or (lambda step: None)
    proof = Proof(start, end, generated_at)
    tell("mentions")
    proof.mentions = _mention_rows(start, end)
    counts = Counter(str(row[3]) for row in proof.mentions)
    proof.totals = {status: counts.get(status, 0) for status in STATUSES}
    tell("runs")
    _runs(proof)
    tell("audit")
    _audit(proof)
    db.session.rollback()
    tell("signing")
    proof.csv_text = _render(proof)
    return proof


def summary(proof: Proof) -> dict[str, object]:
    """What the proof page shows of a report, as plain JSON values."""
    return {
        "totals": dict(proof.totals),
        "unaccounted": proof.unaccounted,
        "run_count": proof.run_count,
        "repaired_gaps": list(proof.repaired_gaps),
        "unrepaired_gaps": list(proof.unrepaired_gaps),
        "chain_breaks": list(proof.chain_breaks),
        "closing_run": proof.closing_run,
        "ingest_covered": proof.ingest_covered,
        "audit_events": proof.audit_events,
        "audit_verified": proof.audit_verified,
        "audit_first_break": proof.audit_first_break,
        "audit_intact": proof.audit_intact,
        "sha256": proof.sha256,
        "signature": proof.signature,
    }


def _mention_rows(start: datetime, end: datetime) -> list[list[object]]:
    closer = aliased(Employee)
    mentions = db.session.execute(
        sa.select(
            Mention.id,
            Mention.tweet_id,
            Mention.created_at,
            Mention.status,
            Mention.close_reason,
            Mention.closed_at,
            Mention.escalated_at,
            closer.number.label("closed_by"),
        )
        .outerjoin(closer, closer.id == Mention.closed_by_id)
        .where(Mention.created_at >= start, Mention.created_at < end)
        .order_by(Mention.tweet_id)
    ).all()
    ids = [m.id for m in mentions]
    replies = _live_replies(ids)
    elsewhere = _brand_tweets(
        [m.id for m in mentions if m.status is MentionStatus.ANSWERED_ELSEWHERE]
    )
    rows = []
    for m in mentions:
        row: list[object] = [m.id, m.tweet_id, iso_utc(m.created_at), m.status.value]
        if m.status is MentionStatus.ANSWERED:
            r = replies.get(m.id)
            row += (
                [r.number, r.id, r.x_tweet_id, iso_utc(r.posted_at), r.status.value]
                if r is not None
                else ["", "", "", "", "no reply"]
            )
        elif m.status is MentionStatus.ANSWERED_ELSEWHERE:
            row += ["", "", elsewhere.get(m.id, ""), iso_utc(m.closed_at), ""]
        elif m.status is MentionStatus.DISMISSED:
            row += [m.closed_by or "", "", "", iso_utc(m.closed_at), m.close_reason or ""]
        else:
            escalated = m.escalated_at is not None
            row += ["", "", "", iso_utc(m.escalated_at), "escalated" if escalated else ""]
        rows.append(row)
    return rows


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _live_replies(ids: list[int]) -> dict[int, sa.Row]:
    found: dict[int, sa.Row] = {}
    for part in _chunks(ids):
        rows = db.session.execute(
            sa.select(
                Reply.id,
                Reply.mention_id,
                # A DM reply's X id is its DM event's (the column names X's id of our answer).
                sa.func.coalesce(Reply.x_tweet_id, Reply.x_dm_event_id).label("x_tweet_id"),
                Reply.posted_at,
                Reply.status,
                Employee.number,
            )
            .join(Employee, Employee.id == Reply.author_id)
            .where(Reply.mention_id.in_(part), Reply.status.in_(LIVE_REPLY_STATUSES))
            .order_by(Reply.id)
        )
        found.update({row.mention_id: row for row in rows})
    return found


def _brand_tweets(ids: list[int]) -> dict[int, str]:
    """The brand's own tweet for mentions answered elsewhere, where the audit event names it."""
    found: dict[int, str] = {}
    for part in _chunks(ids):
        rows = db.session.execute(
            sa.select(AuditEvent.subject_id, AuditEvent.details).where(
                AuditEvent.action == "mention.answered_elsewhere",
                AuditEvent.subject_type == "mention",
                AuditEvent.subject_id.in_([str(i) for i in part]),
            )
        )
        for row in rows:
            tweet = json.loads(row.details or "{}").get("brand_tweet_id")
            if tweet:
                found[int(row.subject_id)] = str(tweet)
    return found


def _runs(proof: Proof) -> None:
    """The runs that started in the period and the first one after it, checked for gaps."""
    inside = list(
        db.session.scalars(
            sa.select(IngestRun)
            .where(IngestRun.started_at >= proof.start, IngestRun.started_at < proof.end)
            .order_by(IngestRun.id)
        )
    )
    closing = db.session.scalar(
        sa.select(IngestRun)
        .where(IngestRun.started_at >= proof.end, IngestRun.outcome == IngestOutcome.OK)
        .order_by(IngestRun.id)
        .limit(1)
    )
    before = db.session.scalar(
        sa.select(IngestRun)
        .where(IngestRun.started_at < proof.start, IngestRun.outcome == IngestOutcome.OK)
        .order_by(IngestRun.id.desc())
        .limit(1)
    )
    runs = inside + ([closing] if closing is not None else [])
    proof.closing_run = closing.id if closing is not None else None
    previous = before
    for run in runs:
        gap = "none"
        if run.gap_detected:
            gap = "repaired" if run.gap_repaired else "unrepaired"
            (proof.repaired_gaps if run.gap_repaired else proof.unrepaired_gaps).append(run.id)
        if run.outcome is IngestOutcome.OK:
            if previous is not None and run.cursor_before != previous.cursor_after:
                proof.chain_breaks.append(run.id)
            previous = run
        proof.runs.append(
            [
                run.id,
                iso_utc(run.started_at),
                iso_utc(run.finished_at),
                run.outcome.value,
                run.cursor_before,
                run.cursor_after,
                run.oldest_id,
                run.newest_id,
                run.fetched,
                run.inserted,
                gap,
            ]
        )


def _audit(proof: Proof) -> None:
    proof.audit_events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) or 0
    first = next(broken_links(), None)
    proof.audit_first_break = first
    if first is None:
        proof.audit_verified = proof.audit_events
    else:
        proof.audit_verified = (
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.id < first))
            or 0
        )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _ids(ids: list[int]) -> str:
    return " ".join(str(i) for i in ids)


def _render(proof: Proof) -> str:
    total = sum(proof.totals.values())
    rows: list[list[object]] = [
        ["coverage proof"],
        ["from", iso_utc(proof.start)],
        ["to", iso_utc(proof.end)],
        ["generated_at", iso_utc(proof.generated_at, "seconds")],
        [],
        ["summary"],
        *([status, proof.totals[status]] for status in STATUSES),
        ["total", total],
        ["unaccounted", proof.unaccounted],
        ["ingest_covered", _yes(proof.ingest_covered)],
        ["gaps_repaired", _ids(proof.repaired_gaps)],
        ["gaps_unrepaired", _ids(proof.unrepaired_gaps)],
        ["cursor_breaks", _ids(proof.chain_breaks)],
        ["closing_run", proof.closing_run or ""],
        ["audit_events", proof.audit_events],
        ["audit_verified", proof.audit_verified],
        ["audit_first_break", proof.audit_first_break or ""],
        ["audit_intact", _yes(proof.audit_intact)],
        [],
        ["mentions"],
        list(MENTION_COLUMNS),
        *proof.mentions,
        [],
        ["ingest_runs"],
        list(RUN_COLUMNS),
        *proof.runs,
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return BOM + buffer.getvalue()


def _key() -> bytes:
    secret = current_app.config["HELPDESK"].secret_key.encode()
    return hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()


def sign(content: bytes) -> str:
    """HMAC-SHA256 of a report's bytes with the key derived from SECRET_KEY, hex."""
    return hmac.new(_key(), content, hashlib.sha256).hexdigest()


def verify(content: bytes, signature: str) -> bool:
    """Whether `signature` is this desk's signature of exactly these bytes."""
    return hmac.compare_digest(sign(content), signature.strip().lower())
