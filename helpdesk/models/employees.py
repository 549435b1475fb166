"""Employees (numbered, never reused) and their hashed personal API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, str_enum, utcnow

EMPLOYEE_NUMBER_PATTERN = r"^[0-9]{4,6}$"
LANGUAGES = ("ja", "en")  # what Employee.language may hold; the first is the default
DEFAULT_CAPACITY = 3  # open claims at once that routing hands one employee


class Role(StrEnum):
    """What an employee may do; each role includes the ones below it (but trainee)."""

    TRAINEE = "trainee"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Order of privilege: trainee < agent < supervisor < admin."""
        return list(Role).index(self)


class Employee(UserMixin, db.Model):
    """A numbered employee; the number signs every public reply and is never reused."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Routing: the languages they answer in ("ja,en") and how many claims they hold at once.
    languages: Mapped[str] = mapped_column(sa.String(32), default="ja", server_default="ja")
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY, server_default="3")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="employee")

    @property
    def is_active(self) -> bool:  # Flask-Login: a suspended employee cannot log in
        return self.active

    def get_id(self) -> str:
        """Session id: the row id and the session version, so bumping it ends sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def language_list(self) -> list[str]:
        """The languages this employee answers in, e.g. ["ja", "en"]."""
        return [code for code in self.languages.split(",") if code]

    def can(self, role: Role) -> bool:
        """True when this employee's role is at least `role`."""
        return self.role.rank >= role.rank

    def __repr__(self) -> str:
        return f"<Employee {self.number} {self.role}>"


class ApiToken(db.Model):
    """A personal API token, stored as its SHA-256; valid while the session version matches.

    Its owner names it, sees its first characters (`prefix`) and when it was last used, and
    the owner or an admin revokes it; a revoked token stays listed, never deleted.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name: Mapped[str] = mapped_column(sa.String(100), server_default="API token")
    prefix: Mapped[str | None] = mapped_column(sa.String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(6))

    employee: Mapped[Employee] = relationship(back_populates="tokens")

    @property
    def current(self) -> bool:
        """True while the token works: not revoked, and its owner's sessions not ended since."""
        return (
            self.revoked_at is None
            and self.employee.active
            and self.employee.session_version == self.session_version
        )
