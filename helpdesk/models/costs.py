"""What X costs: the prices per kind of call (as data, editable) and the calls counted per day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

MAX_SOURCE = 300
MICROS = 1_000_000  # prices are kept in millionths of a dollar: exact on SQLite and PostgreSQL


class XPrice(db.Model):
    """The price in US dollars of one billable unit of a kind of call (a post read, a reply)."""

    __tablename__ = "x_prices"

    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    micro_usd: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(MAX_SOURCE), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))

    @property
    def usd(self) -> Decimal:
        """The price in dollars, exactly."""
        return Decimal(self.micro_usd) / MICROS


class XUsageDay(db.Model):
    """One UTC day's calls to X of one kind and the units X bills for them (a roll-up of the
    Redis counters, which are the truth while they last)."""

    __tablename__ = "x_usage_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    calls: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    units: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
