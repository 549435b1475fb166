"""Employees: create, authenticate, personal API tokens, suspension."""

from __future__ import annotations

import hashlib
import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpdesk.extensions import db
from helpdesk.models import ApiToken, Employee, Role
from helpdesk.models.employees import EMPLOYEE_NUMBER_PATTERN
from helpdesk.services import audit
from helpdesk.services.errors import Conflict, InvalidInput

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8


def validate_number(number: str) -> str:
    """An employee number: 4 to 6 digits, e.g. 0427."""
    number = (number or "").strip()
    if not re.fullmatch(EMPLOYEE_NUMBER_PATTERN, number):
        raise InvalidInput("An employee number is 4 to 6 digits, e.g. 0427.", code="invalid_number")
    return number


def validate_password(password: str) -> str:
    """A password long enough to be worth hashing."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", code="weak_password"
        )
    if len(password) > 512:
        raise InvalidInput("A password can be at most 512 characters.", code="invalid_password")
    return password


def create_employee(
    number: str, name: str, role: Role | str, password: str, *, actor: Employee | None = None
) -> Employee:
    """Add an employee; numbers are unique for ever (employees are suspended, never deleted)."""
    number = validate_number(number)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("A name is 1 to 100 characters.", code="invalid_name")
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Role must be one of {choices}.", code="invalid_role") from None
    validate_password(password)
    if db.session.scalar(sa.select(Employee.id).where(Employee.number == number)):
        raise Conflict(f"Employee number {number} is already taken.", code="number_taken")
    employee = Employee(number=number, name=name, role=role, password_hash=_hasher.hash(password))
    db.session.add(employee)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(f"Employee number {number} is already taken.", code="number_taken") from None
    audit.record("employee.created", "employee", number, actor=actor, role=role.value)
    db.session.commit()
    return employee


def authenticate(number: str, password: str) -> Employee | None:
    """The active employee with this number and password, else None (same work either way)."""
    employee = db.session.scalar(
        sa.select(Employee).where(Employee.number == (number or "").strip())
    )
    stored = employee.password_hash if employee else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if employee is None or not employee.active:
        return None
    if _hasher.check_needs_rehash(employee.password_hash):
        employee.password_hash = _hasher.hash(password)
        db.session.commit()
    return employee


def set_password(employee: Employee, password: str, *, actor: Employee | None = None) -> None:
    """Change a password and end every session and token of the employee."""
    employee.password_hash = _hasher.hash(validate_password(password))
    employee.session_version += 1
    audit.record("employee.password_changed", "employee", employee.number, actor=actor)
    db.session.commit()


def set_active(employee: Employee, active: bool, *, actor: Employee | None = None) -> None:
    """Suspend or reinstate; suspending ends every session and token at once."""
    employee.active = active
    employee.session_version += 1
    action = "employee.reinstated" if active else "employee.suspended"
    audit.record(action, "employee", employee.number, actor=actor)
    db.session.commit()


def set_language(employee: Employee, language: str) -> None:
    """Save the employee's display language (ja or en)."""
    from helpdesk.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(LANGUAGES)}.", code="invalid_language"
        )
    employee.language = language
    db.session.commit()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(employee: Employee) -> str:
    """A new personal API token; only its hash is stored, so this is the one time it is seen."""
    token = "hd_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            employee_id=employee.id,
            token_hash=_token_digest(token),
            session_version=employee.session_version,
        )
    )
    audit.record("token.created", "employee", employee.number, actor=employee)
    db.session.commit()
    return token


def employee_for_token(token: str) -> Employee | None:
    """The employee a token belongs to, if the token is current and the employee active."""
    if len(token) > 200:
        return None
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None:
        return None
    employee = row.employee
    if not employee.active or employee.session_version != row.session_version:
        return None
    return employee


def find_employee(number: str) -> Employee | None:
    """The employee with this number, if any."""
    return db.session.scalar(sa.select(Employee).where(Employee.number == number))
