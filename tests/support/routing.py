"""Helpers for routing tests: mentions posted and ingested, tags, skills and presence set."""

from __future__ import annotations

import time
from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Employee, Mention, Priority, Tag, mention_tags
from helpdesk.services import presence, process_cache, skills
from helpdesk.services.ingest import ingest_mentions


def post(x, *texts: str) -> list[int]:
    """The customers post `texts` in this order; the desk ingests them; their mention ids."""
    tweet_ids = [int(x.mention(text)) for text in texts]
    ingest_mentions()
    rows = db.session.execute(sa.select(Mention.tweet_id, Mention.id)).all()
    by_tweet = dict(rows)
    return [by_tweet[tweet_id] for tweet_id in tweet_ids]


def change(mention_id: int, **values: object) -> None:
    """Set columns of a stored mention (created_at, priority, escalated_at...) for a test."""
    db.session.execute(sa.update(Mention).where(Mention.id == mention_id).values(**values))
    db.session.commit()


def make_tags(*names: str) -> dict[str, int]:
    """Tags on the desk's list; their ids by name."""
    tags = [Tag(name=name) for name in names]
    db.session.add_all(tags)
    db.session.commit()
    process_cache.changed(skills.CACHE_NAME)  # as the service does: pages read the list again
    return {tag.name: tag.id for tag in tags}


def tag(mention_id: int, *tag_ids: int) -> None:
    """Put tags on a mention (what the tags feature will do from the inbox)."""
    db.session.execute(
        sa.insert(mention_tags), [{"mention_id": mention_id, "tag_id": t} for t in tag_ids]
    )
    db.session.commit()


def forget_presence_writes(app) -> None:
    """Forget which presence writes this process made (Redis was flushed for the test)."""
    app.extensions.get("presence_written", {}).clear()


def online(*employees: Employee, at: float | None = None) -> None:
    """These employees acted just now (or at `at`)."""
    for employee in employees:
        presence.touch(employee.id, active=True, at=at or time.time())


def high(mention_id: int) -> None:
    change(mention_id, priority=Priority.HIGH)


def at(mention_id: int, when: datetime) -> None:
    change(mention_id, created_at=when)
