"""Internal notes: staff-only text beside a conversation, never posted and never in the outbox.

A note is about a mention or about its customer (shown on all of that customer's mentions);
`@0427` in a note notifies that colleague in the app (a `Notification` row, and an unread
counter in Redis that the navigation reads without a database statement).
"""

from __future__ import annotations

import logging
import re

import redis
import sqlalchemy as sa
from flask import current_app

from helpdesk.extensions import db
from helpdesk.models import MAX_NOTE, Employee, Mention, Note, Notification
from helpdesk.models.types import utcnow
from helpdesk.services import audit
from helpdesk.services.errors import InvalidInput, Unprocessable
from helpdesk.services.guidelines import invisible_characters
from helpdesk.services.mentions import get_mention

logger = logging.getLogger(__name__)

ABOUT = ("mention", "customer")
# `@0427`: an employee number after "@", not inside a word or an X handle like @acme_0427.
NUMBER_MENTION = re.compile(r"(?<![\w@])@(\d{4,6})(?!\w)")
UNREAD_KEY = "helpdesk:notes:unread:{employee_id}"
NOTIFICATIONS_SHOWN = 50


def clean_note(text: object) -> str:
    """The note's text, trimmed with LF line ends; refused with a stable code when it is not
    text (400 invalid_text), empty (422 note_empty), over 2,000 characters (422
    note_too_long) or holds control or invisible characters (400 invalid_text)."""
    if not isinstance(text, str):
        raise InvalidInput("text must be a string.", code="invalid_text", subject="notes")
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not clean:
        raise Unprocessable("Write a note.", code="note_empty", subject="notes")
    if len(clean) > MAX_NOTE:
        raise Unprocessable(
            f"A note can be at most {MAX_NOTE} characters.",
            code="note_too_long",
            subject="notes",
            limit=MAX_NOTE,
        )
    found = invisible_characters(clean, allowed="\n\t")
    if found:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in found)
        raise InvalidInput(
            f"A note cannot contain control or invisible characters ({codes}).",
            code="invalid_text",
            subject="notes",
        )
    return clean


def add_note(mention_id: int, author: Employee, text: object, about: object = "mention") -> Note:
    """Keep a staff-only note on a mention (or its customer), notify the colleagues it names
    with `@number`, audit it; nothing is queued for X."""
    mention = get_mention(mention_id)
    if about is None:
        about = "mention"
    if about not in ABOUT:
        raise InvalidInput("about must be mention or customer.", code="invalid_about")
    clean = clean_note(text)
    note = Note(
        mention_id=mention.id,
        customer_x_id=mention.author_x_id if about == "customer" else None,
        author_id=author.id,
        text=clean,
    )
    db.session.add(note)
    db.session.flush()
    named = _named_colleagues(clean, author)
    for employee in named:
        db.session.add(Notification(employee_id=employee.id, note_id=note.id))
    audit.record(
        "note.added",
        "mention",
        mention.id,
        actor=author,
        note=note.id,
        about=about,
        length=len(clean),
        notified=[e.number for e in named],
    )
    db.session.commit()
    _count_unread([e.id for e in named])
    return note


def _named_colleagues(text: str, author: Employee) -> list[Employee]:
    """The active employees a note names with `@number`, once each, not the author."""
    numbers = sorted(set(NUMBER_MENTION.findall(text)))
    if not numbers:
        return []
    return list(
        db.session.scalars(
            sa.select(Employee)
            .where(Employee.number.in_(numbers), Employee.active, Employee.id != author.id)
            .order_by(Employee.number)
        )
    )


def _count_unread(employee_ids: list[int]) -> None:
    """Add one to each named colleague's unread counter (after commit: the rows are there)."""
    if not employee_ids:
        return
    try:
        pipe = current_app.extensions["redis"].pipeline(transaction=False)
        for employee_id in employee_ids:
            pipe.incr(UNREAD_KEY.format(employee_id=employee_id))
        pipe.execute()
    except redis.RedisError as exc:  # the notification rows stand; only the badge lags
        logger.warning("Could not count unread notes for %s: %s", employee_ids, exc)


def notes_for(mention: Mention) -> list[Note]:
    """The notes on this mention and on its customer, oldest first, in one query."""
    return list(
        db.session.scalars(
            sa.select(Note)
            .where(sa.or_(Note.mention_id == mention.id, Note.customer_x_id == mention.author_x_id))
            .order_by(Note.created_at, Note.id)
        )
    )


def notes_for_mention(mention_id: int) -> list[Note]:
    """The notes shown with a mention (404 for an unknown mention)."""
    return notes_for(get_mention(mention_id))


def unread_count(employee_id: int) -> int | None:
    """How many notes name this employee unread, from Redis; None when Redis cannot say."""
    try:
        value = current_app.extensions["redis"].get(UNREAD_KEY.format(employee_id=employee_id))
    except redis.RedisError:
        return None
    return int(value or 0)


def read_notifications(employee: Employee) -> tuple[list[Notification], set[int]]:
    """The employee's newest notifications (with their notes) and the ids of those unread until
    now; all are marked read and the unread counter cleared."""
    unread = set(
        db.session.scalars(
            sa.select(Notification.id).where(
                Notification.employee_id == employee.id, Notification.read_at.is_(None)
            )
        )
    )
    if unread:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(unread))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    try:
        current_app.extensions["redis"].delete(UNREAD_KEY.format(employee_id=employee.id))
    except redis.RedisError as exc:
        logger.warning("Could not clear unread notes for %s: %s", employee.number, exc)
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.employee_id == employee.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(NOTIFICATIONS_SHOWN)
        ).unique()
    )
    return rows, unread
