"""Fill in customers X could not describe at ingest (a page without their include)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import XUser
from helpdesk.models.types import utcnow
from helpdesk.services.brand import x_client

logger = logging.getLogger(__name__)

# A suspended user stays unknown for a while: ask X again no more often than this.
RETRY_AFTER = timedelta(minutes=10)
BATCH = 100  # X's users lookup takes at most 100 ids


def unknown_author_ids(limit: int = BATCH) -> list[int]:
    """Customers stored without a username whose last look-up is old enough to repeat."""
    return list(
        db.session.scalars(
            sa.select(XUser.x_user_id)
            .where(XUser.username.is_(None), XUser.updated_at < utcnow() - RETRY_AFTER)
            .order_by(XUser.updated_at)
            .limit(limit)
        )
    )


def fill_in_authors(ids: list[int]) -> int:
    """Look these unknown authors up on X (at most BATCH); found ones get their profile,
    the rest wait RETRY_AFTER. How many were filled in."""
    ids = ids[:BATCH]
    db.session.rollback()  # no transaction across the network call
    if not ids:
        return 0
    found = x_client().lookup_users(ids)
    now = utcnow()
    for user in found.users.values():
        db.session.execute(
            sa.update(XUser)
            .where(XUser.x_user_id == user.id)
            .values(
                username=user.username,
                name=user.name,
                profile_image_url=user.profile_image_url,
                followers_count=user.followers_count,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    missing = [i for i in ids if i not in found.users]
    if missing:  # still suspended or gone: try again after RETRY_AFTER
        db.session.execute(
            sa.update(XUser)
            .where(XUser.x_user_id.in_(missing), XUser.username.is_(None))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return len(found.users)
