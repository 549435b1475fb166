"""X accounts: the brand account we answer from, and the customers who mention it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, trigram_index, utcnow


class BrandAccount(db.Model):
    """The brand's X account, found with GET /2/users/me; holds the ingest cursor."""

    __tablename__ = "brand_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    x_user_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    username: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    ingest_cursor: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_ingest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The newest DM event id stored (GET /2/dm_events has no since_id: reads stop at it).
    dm_cursor: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_dm_ingest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class XUser(db.Model):
    """A customer on X; username and name stay empty when X could not hydrate the user.

    Text without a length: what X sends is stored whole, however long (a 10,000-character
    name must not stall ingestion on PostgreSQL). Search finds them by trigrams on PostgreSQL
    (a GIN index has no length limit) and by scanning on SQLite.
    """

    __tablename__ = "x_users"
    __table_args__ = (trigram_index("ix_x_users_names_trgm", "username", "name"),)

    x_user_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(sa.Text)
    name: Mapped[str | None] = mapped_column(sa.Text)
    profile_image_url: Mapped[str | None] = mapped_column(sa.Text)
    followers_count: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
