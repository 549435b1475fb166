"""Replies: compose with the guideline check, then the outbox that posts each one exactly once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from helpdesk import queue
from helpdesk.extensions import db
from helpdesk.models import (
    Employee,
    GuidelineHit,
    GuidelineOutcome,
    Mention,
    MentionKind,
    MentionStatus,
    Reply,
    ReplyChannel,
    ReplyStatus,
    Role,
)
from helpdesk.models.types import utcnow
from helpdesk.services import audit, rule_cache
from helpdesk.services.brand import stored_brand_account
from helpdesk.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Unprocessable
from helpdesk.services.guidelines import (
    DM_MAX_CHARS,
    Severity,
    Violation,
    blocking,
    check_reply,
    control_characters,
)
from helpdesk.services.mentions import claim_free, clean_reason, explain_refusal, get_mention
from helpdesk.x.text import MAX_WEIGHTED_LENGTH, weighted_length, with_signature

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 600  # a tweet is at most 280; twitter-text is slow on long hostile input

# A gap a canned reply leaves for the agent ({order}); full-width braces too, as an IME types them.
_GAP = re.compile(r"[{\uff5b]\s*([A-Za-z_][A-Za-z0-9_]{0,30})\s*[}\uff5d]")


def unfilled_gaps(text: str) -> list[str]:
    """The `{word}` gaps still in a reply, each once, in order, as written (`{order}`)."""
    return list(dict.fromkeys(m.group(0) for m in _GAP.finditer(text)))


def gap_violation(gaps: list[str]) -> Violation:
    """The composer's finding for a reply that still has gaps: it blocks sending."""
    shown = ", ".join(gaps)
    return Violation(
        "unfilled_gap",
        Severity.BLOCK,
        f"This reply still has {shown} to fill in; replace it with the real value.",
        {"gaps": shown},
    )


@dataclass(frozen=True)
class Preview:
    """The composer's live check: the text as it would be posted, its count and findings."""

    text: str
    weighted_length: int
    violations: list[Violation]
    channel: str = "post"

    @property
    def valid(self) -> bool:
        """True when nothing blocks posting."""
        return not blocking(self.violations)

    def as_dict(self) -> dict[str, object]:
        """The API shape of a preview."""
        return {
            "text": self.text,
            "weighted_length": self.weighted_length,
            "max_weighted_length": DM_MAX_CHARS if self.channel == "dm" else MAX_WEIGHTED_LENGTH,
            "valid": self.valid,
            "violations": [v.to_dict() for v in self.violations],
            "channel": self.channel,
        }


def preview(text: object, employee: Employee, mention: Mention | None = None) -> Preview:
    """Sign the text and run the guidelines, storing nothing.

    A DM item's answer goes as a DM: no signature (the employee's number is recorded on the
    reply), X's 10,000-character DM limit, personal data allowed.
    """
    if not isinstance(text, str):
        raise InvalidInput("text must be a string.", code="invalid_text")
    brand = stored_brand_account()
    policy = rule_cache.current_guideline_policy()
    customer = mention.author.username if mention else None
    if mention is not None and mention.kind == MentionKind.DM:
        if len(text) > DM_MAX_CHARS:
            raise Unprocessable(
                f"A DM can be at most {DM_MAX_CHARS} characters; this one has {len(text)}.",
                code="dm_too_long",
                limit=DM_MAX_CHARS,
                characters=len(text),
            )
        violations = check_reply(
            text,
            policy,
            customer_username=customer,
            brand_username=brand.username if brand else None,
            channel="dm",
        )
        return Preview(text=text, weighted_length=len(text), violations=violations, channel="dm")
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidInput(
            f"text can be at most {MAX_INPUT_CHARS} characters before counting.",
            code="text_too_long",
        )
    settings = current_app.config["HELPDESK"]
    signed = with_signature(text, employee.number, settings.signature_format)
    violations = check_reply(
        signed,
        policy,
        customer_username=customer,
        brand_username=brand.username if brand else None,
    )
    gaps = unfilled_gaps(text)
    if gaps:
        violations = [gap_violation(gaps), *violations]
    return Preview(text=signed, weighted_length=weighted_length(signed), violations=violations)


def create_reply(
    mention_id: int,
    employee: Employee,
    text: object,
    *,
    confirm_warnings: bool = False,
    move_to_dm: bool = False,
) -> Reply:
    """Accept a reply: one transaction for the row and the mention, then enqueue after commit.

    Nobody replies on someone else's live claim, trainees included: a trainee's pending reply
    would take the mention out of the hands of the agent holding it (their reply would then
    be refused as already answered).
    """
    mention = get_mention(mention_id)
    if move_to_dm and mention.kind != MentionKind.POST:
        raise Conflict("This is already a DM.", code="already_dm")
    checked = preview(text, employee, mention)
    gaps = unfilled_gaps(str(text))
    if gaps:
        # A canned reply's {order} left as it is would go out to the customer word for word.
        raise Unprocessable(
            f"The reply still has {', '.join(gaps)} to fill in; replace each gap with the real "
            "value before sending.",
            code="unfilled_gap",
            gaps=gaps,
            violations=[gap_violation(gaps).to_dict()],
        )
    if checked.violations and (not checked.valid or not confirm_warnings):
        outcome = GuidelineOutcome.WARNED if checked.valid else GuidelineOutcome.BLOCKED
        # Own small transaction, so the refusal is counted although no reply is stored.
        _record_hits(checked.violations, outcome, employee.id, mention_id)
        db.session.commit()
        raise Unprocessable(
            "The reply breaks the guidelines."
            if not checked.valid
            else "The reply has warnings; confirm them to send it anyway.",
            code="guideline_violation",
            violations=[v.to_dict() for v in checked.violations],
            weighted_length=checked.weighted_length,
        )
    trainee = not employee.can(Role.AGENT)
    now = utcnow()
    # One conditional UPDATE checks "open, not someone else's claim" and locks the row: an
    # agent's reply answers the mention, a trainee's waits for approval and changes nothing.
    changes = (
        {"claimed_by_id": Mention.claimed_by_id}
        if trainee
        else {"status": MentionStatus.ANSWERED, "claimed_by_id": None, "claim_expires_at": None}
    )
    if move_to_dm:
        changes["moved_to_dm_at"] = now
    result = db.session.execute(
        sa.update(Mention)
        .where(
            Mention.id == mention_id,
            Mention.status == MentionStatus.OPEN,
            claim_free(now, employee.id),
        )
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise explain_refusal(mention_id, now)
    reply = Reply(
        mention_id=mention_id,
        author_id=employee.id,
        text=checked.text,
        status=ReplyStatus.PENDING_APPROVAL if trainee else ReplyStatus.QUEUED,
        channel=ReplyChannel.DM if checked.channel == "dm" else ReplyChannel.POST,
        created_at=now,
        updated_at=now,
    )
    db.session.add(reply)
    _record_hits(checked.violations, GuidelineOutcome.CONFIRMED, employee.id, mention_id, at=now)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(
            "This mention already has a reply on its way.", code="already_answered"
        ) from None
    audit.record(
        "reply.created",
        "reply",
        reply.id,
        actor=employee,
        mention_id=mention_id,
        status=reply.status.value,
        warnings_confirmed=bool(checked.violations),
        channel=reply.channel.value,
        **({"moved_to_dm": True} if move_to_dm else {}),
    )
    db.session.commit()
    if reply.status is ReplyStatus.QUEUED:
        queue.enqueue_post_reply(reply.id)
    return reply


def _record_hits(
    violations: list[Violation],
    outcome: GuidelineOutcome,
    employee_id: int,
    mention_id: int,
    *,
    at: datetime | None = None,
) -> None:
    """Add one GuidelineHit per finding of a submit to the session (the caller commits)."""
    at = at or utcnow()
    db.session.add_all(
        GuidelineHit(
            rule=v.rule,
            severity=str(v.severity),
            outcome=outcome,
            employee_id=employee_id,
            mention_id=mention_id,
            at=at,
        )
        for v in violations
    )


def get_reply(reply_id: int) -> Reply:
    """One reply, or NotFound."""
    reply = db.session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"No reply {reply_id}.")
    return reply


def draft_to_offer(mention_replies: list[Reply], employee: Employee) -> str | None:
    """The text of the employee's latest reply to a mention, unsigned, while it waits for approval
    or after it was rejected: the composer offers it again, so a rejection costs no retyping."""
    mine = [r for r in mention_replies if r.author_id == employee.id]
    if not mine:
        return None
    latest = max(mine, key=lambda r: (r.created_at, r.id))
    if latest.status not in (ReplyStatus.PENDING_APPROVAL, ReplyStatus.REJECTED):
        return None
    signature = current_app.config["HELPDESK"].signature_format.format(number=employee.number)
    return latest.text.removesuffix(signature)


def approve(reply_id: int, supervisor: Employee) -> Reply:
    """A supervisor lets a trainee's reply go out; never their own.

    Approval is a second pair of eyes: a trainee promoted to supervisor while their reply
    waited must not approve it themselves.
    """
    if not supervisor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors approve replies.")
    row = db.session.execute(
        sa.select(Reply.author_id, Reply.text).where(Reply.id == reply_id)
    ).first()
    if row is not None and row.author_id == supervisor.id:
        raise Forbidden("Nobody approves their own reply.", code="own_reply")
    # A reply stored before this check existed must not reach X with an unseen character.
    unseen = control_characters(row.text, rule_cache.current_guideline_policy()) if row else []
    if unseen:
        raise Unprocessable(
            "The reply breaks the guidelines.",
            code="guideline_violation",
            violations=[v.to_dict() for v in unseen],
        )
    now = utcnow()
    moved = db.session.execute(
        sa.update(Reply)
        .where(Reply.id == reply_id, Reply.status == ReplyStatus.PENDING_APPROVAL)
        .values(status=ReplyStatus.QUEUED, approved_by_id=supervisor.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    reply = get_reply(reply_id)
    if moved.rowcount != 1:
        db.session.rollback()
        raise Conflict(
            f"This reply is {reply.status.value}, not waiting for approval.", code="not_pending"
        )
    answered = db.session.execute(
        sa.update(Mention)
        .where(Mention.id == reply.mention_id, Mention.status == MentionStatus.OPEN)
        .values(status=MentionStatus.ANSWERED, claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if answered.rowcount != 1:  # answered elsewhere or dismissed meanwhile: never a second answer
        db.session.rollback()
        raise Conflict("The mention is no longer open; this reply cannot be sent.", code="not_open")
    audit.record("reply.approved", "reply", reply_id, actor=supervisor)
    db.session.commit()
    queue.enqueue_post_reply(reply_id)
    db.session.refresh(reply)
    return reply


def reject(reply_id: int, supervisor: Employee, reason: object) -> Reply:
    """A supervisor turns a trainee's reply down; the mention stays open."""
    if not supervisor.can(Role.SUPERVISOR):
        raise Forbidden("Only supervisors reject replies.")
    text = clean_reason(reason)
    moved = db.session.execute(
        sa.update(Reply)
        .where(Reply.id == reply_id, Reply.status == ReplyStatus.PENDING_APPROVAL)
        .values(status=ReplyStatus.REJECTED, last_error=text, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        reply = get_reply(reply_id)
        db.session.rollback()
        raise Conflict(
            f"This reply is {reply.status.value}, not waiting for approval.", code="not_pending"
        )
    audit.record("reply.rejected", "reply", reply_id, actor=supervisor, reason=text)
    db.session.commit()
    return get_reply(reply_id)
